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
import sys

from checker import cli
from checker.python_check import NAMES, PYTHON, check_module, check_names
from shared.cli import ArgumentParser, run_cli

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


def parse_args(argv):
    parser = ArgumentParser(prog="check_python.py", description=DESCRIPTION,
                            epilog="Exit status: 0 all correct, 1 a function wrong or "
                                   "failing, 2 no sandbox (Debian: apt install bubblewrap).")
    cli.add_arguments(parser, what="PATH", check_names=check_names,
                      folder_help="the module (.py) to check, or a folder holding it",
                      jobs_help="with --class: submissions checked at once (default: the "
                                "cores)")
    args = cli.parse(parser, argv, "PATH")
    if args.jobs is not None and args.submissions is None:
        parser.error("--jobs is for --class")
    return args


def _run(args):
    options = {"functions": args.functions, "seed": args.seed, "timeout": args.timeout,
               "strict": args.strict, "sandbox": not args.no_sandbox}
    return cli.run(args, check_module, PYTHON, options, jobs_for_one=False)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
