"""Check anyone's MATLAB: run a folder of the assignment's functions in GNU Octave and judge
every one of them, gradients first.

    python scripts/check_matlab.py DIR [--engine octave|matlab] [--format text|json|markdown]
        [--functions NAME,...] [--seed N] [--timeout S] [--quiet]

Exit status: 0 when every function DIR defines is correct, 1 when one is wrong or fails (or
DIR has none), 2 when there is no Octave (or MATLAB) to run them in.
"""

import sys
from pathlib import Path

# the checkout's root first: the scripts run from a plain checkout (before pip install),
# from any working directory, and never pick up another checkout's editable install
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from checker.check import FUNCTIONS, check_folder, check_names
from checker.engine import ENGINES, EngineUnavailable
from checker.report import FORMATS
from shared.cli import ArgumentParser, non_negative_int, path, positive_float, run_cli

DESCRIPTION = f"""\
Run each function that DIR defines ({', '.join(FUNCTIONS)}: the assignment's names and
signatures) in GNU Octave, on inputs drawn here, and judge it in isolation. Forward
functions are compared with the Python port of the original (to 1e-10); backward ones with
the true local gradients (dual numbers, confirmed by central differences), on inputs away
from kinks, their conventions at ReLU'(0) and at pooling ties reported as notes;
GetMiniBatch by its properties; each Train*.m by its weights after its 10,000 iterations on
a tiny data set, run beside the checker's own layer functions with the starting weights the
checker hands out (normrnd shadowed, no display), compared with the port's training with
true gradients. A result that matches a known mistake is named (the original's errata E1,
E2, E3 among them). Nothing is written into DIR.
"""


def function_names(text):
    """--functions: comma-separated MATLAB names."""
    try:
        return check_names([name.strip() for name in text.split(",") if name.strip()])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv):
    parser = ArgumentParser(prog="check_matlab.py", description=DESCRIPTION,
                            epilog="Exit status: 0 all correct, 1 a function wrong or "
                                   "failing, 2 no Octave (Debian: apt install octave "
                                   "octave-image).")
    parser.add_argument("folder", type=path, metavar="DIR",
                        help="the folder of .m files to check (e.g. data/matlab, which "
                             "get_data.py --matlab fills with the original's)")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="octave",
                        help="octave: GNU Octave with its image package (default); matlab: "
                             "MATLAB through MathWorks' matlabengine package")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="text: a table (default); json: {\"ok\": ..., \"functions\": "
                             "{name: {status, max_rel_error, note}}}; markdown: a table")
    parser.add_argument("--functions", type=function_names, default=None, metavar="NAME,...",
                        help="check only these functions (default: all)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the inputs and starting weights (default: 0)")
    parser.add_argument("--timeout", type=positive_float, default=120.0, metavar="S",
                        help="seconds one call may take before it is stopped and reported "
                             "as an error (default: 120)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def _run(args):
    try:
        report = check_folder(args.folder, args.engine, args.functions, args.seed,
                              args.timeout, progress=not args.quiet)
    except EngineUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return 0 if report.ok else 1


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
