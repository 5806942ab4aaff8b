"""The command line both checkers share (scripts/check_matlab.py, scripts/check_python.py):
the same flags, the same checks of them, the same run of one submission or a whole class."""

import argparse
import os
import sys

from checker.classroom import check_class
from checker.engine import EngineUnavailable
from checker.report import FORMATS
from checker.sandbox import SandboxUnavailable, available
from shared.cli import count, non_negative_int, path, timeout


def add_arguments(parser, *, what, folder_help, check_names, jobs_help):
    """PATH (``what``: its metavar), --class, --out, --jobs, --format, --functions (names
    checked by ``check_names``), --seed, --timeout, --strict, --no-sandbox, --quiet."""

    def function_names(text):
        """--functions: comma-separated names of the assignment's functions."""
        try:
            return check_names([name.strip() for name in text.split(",") if name.strip()])
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser.add_argument("folder", type=path, metavar=what, nargs="?", help=folder_help)
    parser.add_argument("--class", dest="submissions", type=path, default=None,
                        metavar="SUBMISSIONS",
                        help="check a whole class: SUBMISSIONS holds one folder or .zip per "
                             "student (with --out)")
    parser.add_argument("--out", type=path, default=None, metavar="REPORT",
                        help="with --class: where grades.csv and feedback/NAME.md go (a rerun "
                             "reuses the submissions whose files did not change)")
    parser.add_argument("--jobs", type=count(256, "checks at once"), default=None,
                        metavar="N", help=jobs_help)
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="text: a table (default); json: {\"ok\": ..., \"functions\": "
                             "{name: {status, max_rel_error, note}}}; markdown: a table")
    parser.add_argument("--functions", type=function_names, default=None, metavar="NAME,...",
                        help="check only these functions (default: all)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the inputs drawn (default: 0)")
    parser.add_argument("--timeout", type=timeout, default=120.0, metavar="S",
                        help="seconds one function's run may take before it is stopped and "
                             "reported as an error (default: 120; at most a week)")
    parser.add_argument("--strict", action="store_true",
                        help="count a layout (right values, another shape) as a fault")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the code without bubblewrap (only time, memory and output "
                             "limits): for a machine without it, and code you trust")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def parse(parser, argv, what):
    """The arguments, with PATH or --class (one of them), and --out with --class."""
    args = parser.parse_args(argv)
    if (args.folder is None) == (args.submissions is None):
        parser.error(f"give {what} or --class SUBMISSIONS (one of them)")
    if (args.submissions is None) != (args.out is None):
        parser.error("--class and --out go together")
    return args


def run(args, check, checker, options, jobs_for_one=True):
    """Check ``args.folder`` with ``check(folder, progress=..., **options)`` (with
    ``jobs=...`` when ``jobs_for_one``), or the class with ``checker``; print the report.
    Exit 0 all correct, 1 a fault, 2 nothing to run the code in."""
    try:
        if args.submissions is not None:
            available(not args.no_sandbox)  # exit 2 at once, not a row per submission
            return _run_class(args, checker, options)
        jobs = {"jobs": args.jobs or os.cpu_count() or 1} if jobs_for_one else {}
        report = check(args.folder, progress=not args.quiet, **jobs, **options)
    except (EngineUnavailable, SandboxUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return 0 if report.ok else 1


def _run_class(args, checker, options):
    reports = check_class(args.submissions, args.out, jobs=args.jobs,
                          progress=not args.quiet, checker=checker, **options)
    failed = [name for name, r in reports.items() if not r["ok"]]
    if not args.quiet:
        print(f"{len(reports)} submissions checked, {len(reports) - len(failed)} all correct; "
              f"{args.out / 'grades.csv'}, feedback in {args.out / 'feedback'}")
    return 0 if not failed else 1
