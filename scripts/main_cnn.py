"""Train and test the CNN of the original main_cnn.m, with either variant.

    python scripts/main_cnn.py [--variant reference|dual] [--iterations N] [--batch-size B]
                               [--lr LR] [--seed S] [--errata keep|fix] [--grad-mode chain|forward]
                               [--activation relu|sigmoid|study-sigmoid]
                               [--conv linear|volterra|gaussian] [--conv-impl im2col|loops]
                               [--data-dir DIR]
                               [--out-dir DIR] [--weights cnn.mat] [--quiet]
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from shared.cli import ArgumentParser, add_main_arguments, add_run_arguments, report, run_cli
from mains.pipeline import config_from_args, run_main_cnn
from speed.memory import keep_freed_memory

DESCRIPTION = """\
Do what the original main_cnn.m does: load the 14x14 MNIST data, divide by 255, cut shuffled
mini-batches, train the CNN (conv 3x3x3 -> ReLU -> 2x2 max pool -> FC 10 -> softmax) by
mini-batch gradient descent, classify every test image, and report the accuracy and the
row-normalised confusion matrix. Writes cnn.mat (w_conv b_conv w_fc b_fc, MATLAB shapes),
cnn_metrics.json, cnn_loss.png and cnn_confusion.png into --out-dir (the other mains' files
there are left alone), and prints the accuracy.
"""

EPILOG = """\
examples:
  python scripts/main_cnn.py                          the original schedule, reference port
  python scripts/main_cnn.py --errata fix             the same with errata E1/E2 corrected
  python scripts/main_cnn.py --variant dual           the same, gradients from dual numbers
  python scripts/main_cnn.py --variant dual --conv gaussian   non-linear filters
  python scripts/main_cnn.py --iterations 0 --weights data/original_cnn.mat
                                                      only evaluate given weights
"""


def parse_args(argv):

    parser = ArgumentParser(prog="main_cnn.py", description=DESCRIPTION, epilog=EPILOG,
                            formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    add_main_arguments(parser, lr=0.03, errata_help="the original's wrong conv gradients "
                       "(E1, E2)", grad_mode_help="1,510", weights_file="cnn.mat")
    parser.add_argument("--activation", choices=("relu", "sigmoid", "study-sigmoid"),
                        default="relu",
                        help="the activation after the conv layer: the original's relu, the "
                             "logistic sigmoid, or the seed study's approximated sigmoid "
                             "(default: relu)")
    parser.add_argument("--conv", choices=("linear", "volterra", "gaussian"), default="linear",
                        help="the conv layer: the original linear filters; second-order Volterra "
                             "filters (extra weights w2_conv); or Gaussian kervolution (widths "
                             "gamma_conv, learned as log_gamma_conv; dual variant only) "
                             "(default: linear)")
    parser.add_argument("--conv-impl", choices=("im2col", "loops"), default="im2col",
                        help="how the linear conv is computed: im2col, as Conv.m does, or "
                             "loops over the kernel offsets (conv_loops; the same numbers) "
                             "(default: im2col)")
    add_run_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_cli(_run, args)


def _run(args):
    # speed/memory.py, opted into by this script (train_cnn itself never touches the allocator):
    # freed memory stays with the process, which halves an iteration's time on Linux
    keep_freed_memory()
    metrics = run_main_cnn(config_from_args(args), activation=args.activation, conv=args.conv,
                           conv_impl=args.conv_impl)
    report(args, metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
