"""Train and test the two-layer perceptron of the original main_mlp.m, with either variant.

    python scripts/main_mlp.py [--variant reference|dual] [--iterations N] [--batch-size B]
           [--lr LR] [--seed S] [--errata keep|fix] [--grad-mode chain|forward]
           [--data-dir DIR] [--out-dir DIR] [--weights mlp.mat] [--quiet]
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from mains.pipeline import perceptron_main
from speed.memory import keep_freed_memory

DESCRIPTION = """\
Do what the original main_mlp.m does: load the 14x14 MNIST data, divide by 255, cut shuffled
mini-batches, train the two-layer perceptron (FC 30x196 -> ReLU -> FC 10x30 -> softmax,
cross-entropy) by mini-batch gradient descent, classify every test image, and report the
accuracy and the row-normalised confusion matrix. Writes mlp.mat (w2 b2 w1 b1, MATLAB
shapes), mlp_metrics.json, mlp_loss.png and mlp_confusion.png into --out-dir (the other
mains' files there are left alone), and prints the accuracy.
As written, the original's weight step is scrambled (erratum E3: it trains to chance);
--errata fix corrects it.
"""


def main(argv=None):
    keep_freed_memory()  # speed/memory.py, opted into by this script, as main_cnn.py does
    return perceptron_main("mlp", argv, prog="main_mlp.py", description=DESCRIPTION)


if __name__ == "__main__":
    sys.exit(main())
