"""Train and test the linear single-layer perceptron of the original main_slp_linear.m, with either variant.

    python scripts/main_slp_linear.py [--variant reference|dual] [--iterations N] [--batch-size B]
           [--lr LR] [--seed S] [--errata keep|fix] [--grad-mode chain|forward]
           [--data-dir DIR] [--out-dir DIR] [--weights slp_linear.mat] [--quiet]
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from mains.pipeline import perceptron_main
from speed.memory import keep_freed_memory

DESCRIPTION = """\
Do what the original main_slp_linear.m does: load the 14x14 MNIST data, divide by 255, cut
shuffled mini-batches, train the linear single-layer perceptron (FC 10x196, Euclidean loss
against the one-hot label) by mini-batch gradient descent, classify every test image (the
largest output), and report the accuracy and the row-normalised confusion matrix. Writes
slp_linear.mat (w b, MATLAB shapes), slp_linear_metrics.json, slp_linear_loss.png and
slp_linear_confusion.png into --out-dir (the other mains' files there are left alone), and
prints the accuracy. As written, the original's weight step is scrambled (erratum
E3: it trains to chance); --errata fix corrects it.
"""


def main(argv=None):
    keep_freed_memory()  # speed/memory.py, opted into by this script, as main_cnn.py does
    return perceptron_main("slp_linear", argv, prog="main_slp_linear.py", description=DESCRIPTION)


if __name__ == "__main__":
    sys.exit(main())
