"""Check anyone's Python solution of the homework (``cnn.py``: get_mini_batch, fc, ...,
train_cnn): run each function in its own sandboxed Python and judge it with the MATLAB
checker's judges; or a whole class of them.

    python scripts/check_python.py PATH [--format text|json|markdown] [--functions NAME,...]
        [--seed N] [--timeout S] [--strict] [--no-sandbox] [--quiet]
    python scripts/check_python.py --class SUBMISSIONS --out REPORT [--jobs N] ...

Exit status: 0 when every function PATH defines is correct (a layout too, unless --strict),
1 when one is wrong or fails (or PATH has none), 2 when there is no sandbox to run them in.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import argparse
import sys

from checker.classroom import check_class
from checker.python_check import NAMES, PYTHON, check_module, check_names
from checker.report import FORMATS
from checker.sandbox import SandboxUnavailable
from shared.cli import (ArgumentParser, count, non_negative_int, path, run_cli,
                        timeout)

DESCRIPTION = f"""\
Run each function that PATH defines ({', '.join(NAMES)}: the Python homework's names; PATH is
a module, or a folder holding it, such as cnn.py beside main_functions.py) in a fresh Python
of its own inside a sandbox (bubblewrap: nothing writable but its scratch folder, no network,
limits on time, memory and output), and judge it on inputs drawn here with the MATLAB
checker's judges: forward functions against the Python port of the original, backward ones
against the true gradients, get_mini_batch by its properties (batch size 32, the Python
homework's), each train_* by its first steps through its own layer functions. The module is
loaded without running its script (a top-level statement that fails or runs too long is
skipped and noted), display libraries and its driver stubbed, NumPy's removed aliases
restored (said). Each function is correct, layout (right values in another shape than the
common API: x (m,1) columns, w (n,m), b (n,1), gradients in their variables' shapes), wrong,
error or missing. Nothing is written into PATH.
"""


def function_names(text):
    """--functions: comma-separated names of the Python homework."""
    try:
        return check_names([name.strip() for name in text.split(",") if name.strip()])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv):
    parser = ArgumentParser(prog="check_python.py", description=DESCRIPTION,
                            epilog="Exit status: 0 all correct, 1 a function wrong or "
                                   "failing, 2 no sandbox (Debian: apt install bubblewrap).")
    parser.add_argument("folder", type=path, metavar="PATH", nargs="?",
                        help="the module (.py) to check, or a folder holding it")
    parser.add_argument("--class", dest="submissions", type=path, default=None,
                        metavar="SUBMISSIONS",
                        help="check a whole class: SUBMISSIONS holds one folder or .zip per "
                             "student (with --out)")
    parser.add_argument("--out", type=path, default=None, metavar="REPORT",
                        help="with --class: where grades.csv and feedback/NAME.md go (a rerun "
                             "reuses the submissions whose files did not change)")
    parser.add_argument("--jobs", type=count(256, "checks at once"), default=None, metavar="N",
                        help="with --class: submissions checked at once (default: the cores)")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="text: a table (default); json: {\"ok\": ..., \"functions\": "
                             "{name: {status, max_rel_error, note}}}; markdown: a table")
    parser.add_argument("--functions", type=function_names, default=None, metavar="NAME,...",
                        help="check only these functions (default: all)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the inputs drawn (default: 0)")
    parser.add_argument("--timeout", type=timeout, default=120.0,
                        metavar="S",
                        help="seconds one function's run may take before it is stopped and "
                             "reported as an error (default: 120; at most a week)")
    parser.add_argument("--strict", action="store_true",
                        help="count a layout (right values, another shape) as a fault")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the code without bubblewrap (only time, memory and output "
                             "limits): for a machine without it, and code you trust")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if (args.folder is None) == (args.submissions is None):
        parser.error("give PATH or --class SUBMISSIONS (one of them)")
    if (args.submissions is None) != (args.out is None):
        parser.error("--class and --out go together")
    if args.jobs is not None and args.submissions is None:
        parser.error("--jobs is for --class")
    return args


def _run(args):
    options = {"functions": args.functions, "seed": args.seed, "timeout": args.timeout,
               "strict": args.strict, "sandbox": not args.no_sandbox}
    try:
        if args.submissions is not None:
            return _run_class(args, options)
        report = check_module(args.folder, progress=not args.quiet, **options)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return 0 if report.ok else 1


def _run_class(args, options):
    from checker.sandbox import available

    available(options["sandbox"])  # exit 2 at once, not a row per submission
    reports = check_class(args.submissions, args.out, jobs=args.jobs,
                          progress=not args.quiet, checker=PYTHON, **options)
    failed = [name for name, r in reports.items() if not r["ok"]]
    if not args.quiet:
        print(f"{len(reports)} submissions checked, {len(reports) - len(failed)} all correct; "
              f"{args.out / 'grades.csv'}, feedback in {args.out / 'feedback'}")
    return 0 if not failed else 1


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
