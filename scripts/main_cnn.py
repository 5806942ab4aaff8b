"""Train and test the CNN of the original main_cnn.m, with either variant.

    python scripts/main_cnn.py [--variant reference|dual] [--iterations N] [--batch-size B]
                               [--lr LR] [--seed S] [--errata keep|fix] [--grad-mode chain|forward]
                               [--activation relu|sigmoid|study-sigmoid]
                               [--conv linear|volterra|gaussian] [--conv-impl im2col|loops]
                               [--data-dir DIR]
                               [--out-dir DIR] [--weights cnn.mat] [--quiet]
"""

import sys
from pathlib import Path

# the checkout's root first: the scripts run from a plain checkout (before pip install),
# from any working directory, and never pick up another checkout's editable install
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dual.extensions.network as dual_network
import reference.extensions.network as reference_network
from shared.cli import (ArgumentParser, iterations, non_negative_int, path, positive_float,
                        positive_int, run_cli)
from shared.errors import CnnDualError
from shared.pipeline import RunConfig, run_main_cnn
from speed.memory import keep_freed_memory

DESCRIPTION = """\
Do what the original main_cnn.m does: load the 14x14 MNIST data, divide by 255, cut shuffled
mini-batches, train the CNN (conv 3x3x3 -> ReLU -> 2x2 max pool -> FC 10 -> softmax) by
mini-batch gradient descent, classify every test image, and report the accuracy and the
row-normalised confusion matrix. Writes cnn.mat (w_conv b_conv w_fc b_fc, MATLAB shapes),
metrics.json, loss.png and confusion.png into --out-dir, and prints the accuracy.
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
    parser.add_argument("--variant", choices=("reference", "dual"), default="reference",
                        help="reference: the faithful port with hand-derived gradients; "
                             "dual: gradients from dual numbers (default: reference)")
    parser.add_argument("--iterations", type=iterations, default=10000,
                        help="training iterations, one mini-batch each (default: 10000; "
                             "0 only evaluates; at most 10,000,000)")
    parser.add_argument("--batch-size", type=positive_int, default=30,
                        help="images per mini-batch (default: 30)")
    parser.add_argument("--lr", type=positive_float, default=0.03,
                        help="learning rate, the original's gamma (default: 0.03)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the shuffle and of the N(0,1) starting weights (default: 0)")
    parser.add_argument("--errata", choices=("keep", "fix"), default=None,
                        help="keep: reproduce the original's wrong conv gradients (E1, E2); "
                             "fix: true gradients (default: keep for the reference; the dual "
                             "variant computes true gradients only)")
    parser.add_argument("--grad-mode", choices=("chain", "forward"), default=None,
                        help="dual variant only. chain: each layer's local derivatives from "
                             "dual numbers, chained backward (default); forward: seed all "
                             "1,510 parameters and run only the forward pass (slow)")
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
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where mnist_train.mat and mnist_test.mat are (default: data)")
    parser.add_argument("--out-dir", type=path, default=Path("outputs"),
                        help="where the outputs are written (default: outputs)")
    parser.add_argument("--weights", type=path, default=None, metavar="FILE",
                        help="start from the weights of a MATLAB-style cnn.mat instead of "
                             "N(0,1) draws (with --iterations 0: only evaluate them)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_cli(_run, args)


def _run(args):
    # speed/memory.py, opted into by this script (train_cnn itself never touches the allocator):
    # freed memory stays with the process, which halves an iteration's time on Linux
    keep_freed_memory()
    if args.variant == "dual":
        variant_module = dual_network
        if args.errata == "keep":
            raise CnnDualError("the dual variant computes true gradients: --errata keep is the "
                               "reference's (use --variant reference)")
        errata, grad_mode = "fix", args.grad_mode or "chain"
    else:
        variant_module = reference_network
        if args.grad_mode is not None:
            raise CnnDualError("--grad-mode is for --variant dual (the reference's gradients "
                               "are hand-derived)")
        errata, grad_mode = args.errata or "keep", None

    config = RunConfig(variant=args.variant, iterations=args.iterations,
                       batch_size=args.batch_size, lr=args.lr, seed=args.seed, errata=errata,
                       activation=args.activation, conv=args.conv, conv_impl=args.conv_impl,
                       grad_mode=grad_mode,
                       data_dir=args.data_dir,
                       out_dir=args.out_dir, weights=args.weights, progress=not args.quiet)
    metrics = run_main_cnn(config, variant_module)
    if not args.quiet:
        print(f"{args.variant} ({metrics['grad_mode']}, errata {errata}): "
              f"{metrics['iterations']} iterations in "
              f"{metrics['training_seconds']:.2f} s; outputs in {args.out_dir}")
    print(f"Accuracy: {metrics['accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
