"""Check anyone's MATLAB: run a folder of the assignment's functions in GNU Octave, in a
sandbox, and judge every one of them, gradients first; or a whole class of them.

    python scripts/check_matlab.py DIR [--format text|json|markdown] [--functions NAME,...]
        [--seed N] [--timeout S] [--strict] [--no-sandbox] [--quiet]
    python scripts/check_matlab.py --class SUBMISSIONS --out REPORT [--jobs N] ...

Exit status: 0 when every function DIR defines is correct (a layout too, unless --strict),
1 when one is wrong or fails (or DIR has none), 2 when there is no Octave (or MATLAB) or no
sandbox to run them in.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from checker import cli
from checker.check import FUNCTIONS, check_folder, check_names
from checker.classroom import MATLAB
from checker.engine import ENGINES
from shared.cli import ArgumentParser, run_cli

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


def parse_args(argv):
    parser = ArgumentParser(prog="check_matlab.py", description=DESCRIPTION,
                            epilog="Exit status: 0 all correct, 1 a function wrong or "
                                   "failing, 2 no Octave or no sandbox (Debian: apt install "
                                   "octave octave-image octave-statistics bubblewrap).")
    cli.add_arguments(parser, what="DIR", check_names=check_names,
                      folder_help="the folder of .m files to check (e.g. data/matlab, which "
                                  "get_data.py --matlab fills with the original's)",
                      jobs_help="Octaves run at once: functions of DIR, or with --class, "
                                "submissions (default: the cores)")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="octave",
                        help="octave: GNU Octave with its image package (default); matlab: "
                             "MATLAB through MathWorks' matlabengine package (unsandboxed)")
    return cli.parse(parser, argv, "DIR")


def _run(args):
    options = {"engine": args.engine, "functions": args.functions, "seed": args.seed,
               "timeout": args.timeout, "strict": args.strict,
               "engine_options": {"sandbox": not args.no_sandbox}}
    return cli.run(args, check_folder, MATLAB, options)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
