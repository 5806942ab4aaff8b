"""Make the golden files anew from the original MATLAB, in GNU Octave: as written, and with the
errata patches of docs/errata applied (the *_fixed files).

    python scripts/make_golden.py [--matlab-dir data/matlab] [--inputs tests/golden]
        [--out-dir tests/golden] [--files NAME,... | --quick] [--timeout S] [--quiet]

The inputs (images, labels, weights, batches, starting weights) are those recorded in the
golden files of --inputs; everything else in them is what the original code computes from
those. The case files take a second; each training file minutes (the original loops over
every image of 10,000 batches of 30), about 40 minutes in all on two cores.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys
from pathlib import Path

import argparse

from checker.engine import EngineUnavailable
from checker.golden import GOLDEN_FILES, QUICK, make_goldens
from checker.original import check_original
from shared.cli import ArgumentParser, path, run_cli, timeout
from shared.errors import CnnDualError

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"


def file_names(text):
    names = [name.strip().removesuffix(".mat") for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in GOLDEN_FILES]
    if unknown or not names:
        named = ", ".join(unknown) if unknown else repr(text)
        raise argparse.ArgumentTypeError(f"not a golden file: {named} "
                                         f"(choose from {', '.join(GOLDEN_FILES)})")
    return names


def parse_args(argv):
    parser = ArgumentParser(prog="make_golden.py", description=__doc__.split("\n\n")[0],
                            epilog="Exit status: 0 written, 1 a failure (nothing half-written), "
                                   "2 no Octave.")
    parser.add_argument("--matlab-dir", type=path, default=Path("data/matlab"),
                        help="the original's .m files, unchanged (default: data/matlab, which "
                             "get_data.py --matlab fills)")
    parser.add_argument("--inputs", type=path, default=GOLDEN,
                        help="the golden files whose inputs are used (default: tests/golden)")
    parser.add_argument("--out-dir", type=path, default=GOLDEN,
                        help="where the golden files are written (default: tests/golden)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--files", type=file_names, default=None, metavar="NAME,...",
                       help="make only these (default: all 14)")
    which.add_argument("--quick", action="store_true",
                       help=f"make only the one-image cases ({', '.join(QUICK)}), in seconds")
    parser.add_argument("--timeout", type=timeout, default=3600.0, metavar="S",
                        help="seconds one file may take (default: 3600; at most a week, 604,800)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    return parser.parse_args(argv)


def _run(args):
    names = QUICK if args.quick else (args.files or list(GOLDEN_FILES))
    check_original(args.matlab_dir)
    missing = [n for n in names if not (args.inputs / f"{n}.mat").is_file()]
    if missing:
        raise CnnDualError(f"{args.inputs} has no {', '.join(f'{n}.mat' for n in missing)} "
                           "to take the inputs from")
    try:
        seconds = make_goldens(args.matlab_dir, args.inputs, args.out_dir, names,
                               args.timeout, progress=not args.quiet)
    except EngineUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        for name, took in seconds.items():
            print(f"{args.out_dir / name}.mat: {took:.1f} s")
    return 0


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
