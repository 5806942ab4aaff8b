"""Check anyone's MATLAB: run a folder of the assignment's functions in GNU Octave, in a
sandbox, and judge every one of them, gradients first; or a whole class of them.

    python scripts/check_matlab.py DIR [--format text|json|markdown] [--functions NAME,...]
        [--seed N] [--timeout S] [--strict] [--no-sandbox] [--quiet]
    python scripts/check_matlab.py --class SUBMISSIONS --out REPORT [--jobs N] ...

Exit status: 0 when every function DIR defines is correct (a layout too, unless --strict),
1 when one is wrong or fails (or DIR has none), 2 when there is no Octave (or MATLAB) or no
sandbox to run them in.
"""

import sys
from pathlib import Path

# the checkout's root first: the scripts run from a plain checkout (before pip install),
# from any working directory, and never pick up another checkout's editable install
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from checker.check import FUNCTIONS, check_folder, check_names
from checker.classroom import check_class
from checker.engine import ENGINES, EngineUnavailable
from checker.report import FORMATS
from checker.sandbox import SandboxUnavailable
from shared.cli import ArgumentParser, non_negative_int, path, positive_int, run_cli
from shared.cli import timeout_seconds as seconds  # --timeout: a day at most

DESCRIPTION = f"""\
Run each function that DIR defines ({', '.join(FUNCTIONS)}: the assignment's names and
signatures; the .m files may sit one folder down) in GNU Octave, each in a fresh interpreter
inside a sandbox (bubblewrap: nothing writable but its scratch folder, no network, limits on
time, memory and output), and judge it on inputs drawn here. Forward functions are compared
with the Python port of the original (to 1e-10); backward ones with the true gradients (dual
numbers, confirmed by central differences), their conventions at ReLU'(0) and at pooling ties
reported as notes; GetMiniBatch by its properties at several sizes; each Train*.m by its first
steps, run with its own layer functions (the checker's where one of them is wrong): every step
must be a positive multiple of the true mini-batch gradient, whatever its learning rate,
schedule or starting weights. Each function is correct, layout (right values in another
shape), wrong, error, unsupported (a MATLAB feature Octave lacks) or missing; a known mistake
is named (the original's errata E1 to E4 among them). Nothing is written into DIR.
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
                                   "failing, 2 no Octave or no sandbox (Debian: apt install "
                                   "octave octave-image octave-statistics bubblewrap).")
    parser.add_argument("folder", type=path, metavar="DIR", nargs="?",
                        help="the folder of .m files to check (e.g. data/matlab, which "
                             "get_data.py --matlab fills with the original's)")
    parser.add_argument("--class", dest="submissions", type=path, default=None,
                        metavar="SUBMISSIONS",
                        help="check a whole class: SUBMISSIONS holds one folder or .zip per "
                             "student (with --out)")
    parser.add_argument("--out", type=path, default=None, metavar="REPORT",
                        help="with --class: where grades.csv and feedback/NAME.md go (a rerun "
                             "reuses the submissions whose files did not change)")
    parser.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                        help="with --class: submissions checked at once (default: the cores)")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="octave",
                        help="octave: GNU Octave with its image package (default); matlab: "
                             "MATLAB through MathWorks' matlabengine package (unsandboxed)")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="text: a table (default); json: {\"ok\": ..., \"functions\": "
                             "{name: {status, max_rel_error, note}}}; markdown: a table")
    parser.add_argument("--functions", type=function_names, default=None, metavar="NAME,...",
                        help="check only these functions (default: all)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the inputs drawn (default: 0)")
    parser.add_argument("--timeout", type=seconds, default=120.0, metavar="S",
                        help="seconds one function's run may take before it is stopped and "
                             "reported as an error (default: 120; at most a day)")
    parser.add_argument("--strict", action="store_true",
                        help="count a layout (right values, another shape) as a fault")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the code without bubblewrap (only time, memory and output "
                             "limits): for a machine without it, and code you trust")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if (args.folder is None) == (args.submissions is None):
        parser.error("give DIR or --class SUBMISSIONS (one of them)")
    if (args.submissions is None) != (args.out is None):
        parser.error("--class and --out go together")
    if args.jobs is not None and args.submissions is None:
        parser.error("--jobs is for --class")
    return args


def _run(args):
    options = {"engine": args.engine, "functions": args.functions, "seed": args.seed,
               "timeout": args.timeout, "strict": args.strict,
               "engine_options": {"sandbox": not args.no_sandbox}}
    try:
        if args.submissions is not None:
            return _run_class(args, options)
        report = check_folder(args.folder, progress=not args.quiet, **options)
    except (EngineUnavailable, SandboxUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return 0 if report.ok else 1


def _run_class(args, options):
    reports = check_class(args.submissions, args.out, jobs=args.jobs,
                          progress=not args.quiet, **options)
    failed = [name for name, r in reports.items() if not r["ok"]]
    if not args.quiet:
        print(f"{len(reports)} submissions checked, {len(reports) - len(failed)} all correct; "
              f"{args.out / 'grades.csv'}, feedback in {args.out / 'feedback'}")
    return 0 if not failed else 1


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
