"""Train and test the single-layer perceptron of the original main_slp.m, with either variant.

    python scripts/main_slp.py [--variant reference|dual] [--iterations N] [--batch-size B]
           [--lr LR] [--seed S] [--errata keep|fix] [--grad-mode chain|forward]
           [--data-dir DIR] [--out-dir DIR] [--weights slp.mat] [--quiet]
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from mains.pipeline import perceptron_main
from speed.memory import keep_freed_memory

DESCRIPTION = """\
Do what the original main_slp.m does: load the 14x14 MNIST data, divide by 255, cut shuffled
mini-batches, train the single-layer perceptron (FC 10x196 -> softmax, cross-entropy) by
mini-batch gradient descent, classify every test image, and report the accuracy and the row-
normalised confusion matrix. Writes slp.mat (w b, MATLAB shapes), slp_metrics.json,
slp_loss.png and slp_confusion.png into --out-dir (the other mains' files there are left
alone), and prints the accuracy. As written, the original's weight
step is scrambled (erratum E3: it trains to chance); --errata fix corrects it.
"""


def main(argv=None):
    keep_freed_memory()  # speed/memory.py, opted into by this script, as main_cnn.py does
    return perceptron_main("slp", argv, prog="main_slp.py", description=DESCRIPTION)


if __name__ == "__main__":
    sys.exit(main())
