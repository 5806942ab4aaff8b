"""Command-line plumbing shared by the scripts: one-line errors, argument types."""

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from shared.errors import CnnDualError, Interrupted
from shared.file_set import main_outputs
from shared import signals

MAX_ITERATIONS = 10_000_000
"""The most training iterations a script accepts. The loss history holds one float64 per
iteration (80 MB at this limit) and an iteration takes about 1 ms (reference) to 2.5 ms (dual):
10 million are already 3 to 7 hours, 15 times that for compare_filters. A larger count is a typo,
and numpy would fail on it with a MemoryError traceback before the first iteration."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (and exit code 2), no usage dump."""

    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def positive_int(text):
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def non_negative_int(text):
    value = _number(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def iterations(text):
    """A number of training iterations: 0..MAX_ITERATIONS."""
    value = non_negative_int(text)
    if value > MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_ITERATIONS:,} (hours of training already), got {text}")
    return value


def count(limit, why):
    """An argparse type: a whole number 1..``limit``; beyond it the error says ``why`` (e.g.
    "each is a Hessian-vector product"), so that a typo is one line at once instead of a run
    that never ends or a MemoryError. The help of the flag gives the limit and its reason."""
    def parse(text):
        value = positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"must be at most {limit:,} ({why}), got {text}")
        return value

    parse.__name__ = "count"  # argparse names the type in some messages
    return parse


MAX_SEEDS = 1000
"""The most seeds a comparison accepts (--seeds of compare_models.py, 12 training runs per seed,
and compare_filters.py, 3 per seed): each run takes seconds to minutes, so that 1,000 seeds are
days of computing already; a larger number is a typo."""

seeds = count(MAX_SEEDS, "every seed is a training run per model and setting: days already")
"""The argparse type of --seeds: 1..MAX_SEEDS."""

MAX_TIMEOUT = 7 * 24 * 3600
"""The longest time-out a script accepts, in seconds: a week. A longer one is no time-out at
all, and Python's sockets refuse those past about 9.2e9 s (an OverflowError, not one line)."""


def timeout(text):
    """A time-out in seconds: positive, at most MAX_TIMEOUT."""
    value = positive_float(text)
    if value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_TIMEOUT:,} seconds (a week), got {text}")
    return value


def positive_float(text):
    value = _number(text, float, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def _number(text, kind, what):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None


def path(text):
    """A file or directory name: not empty (Path('') would silently mean the current
    directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a file or directory name, got {text!r}")
    return Path(text)


def output_file(text):
    """The name of a file to write: not empty and not ending in a directory ('/', 'x/', '..')."""
    value = path(text)
    if not value.name or value.name in (".", "..") or text.endswith(("/", "\\")):
        raise argparse.ArgumentTypeError(f"must name a file to write, got {text!r} "
                                         "(a directory)")
    return value


def describe(exc):
    """One line for an exception a user caused; an OSError names its file."""
    if isinstance(exc, OSError) and exc.strerror:
        files = [f for f in (exc.filename, exc.filename2) if f is not None]
        return f"{' -> '.join(map(str, files))}: {exc.strerror}" if files else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _interrupted(signum, frame):
    """Within run_cli: Ctrl-C raises KeyboardInterrupt, SIGTERM Interrupted (exit code 143),
    unless the run is over (then the signal changes nothing)."""
    if signals.run_is_over():
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Interrupted("terminated", exit_code=128 + signum)


@contextlib.contextmanager
def signals_as_interrupts():
    """Within: Ctrl-C raises KeyboardInterrupt and SIGTERM Interrupted, so that the run's
    clean-up runs (temporary files removed, the outputs rolled back), whatever handlers were
    there before (a script's: ``shared.signals.exit_at_once``, which ends it at once). On
    leaving, the run is over (``shared.signals.run_over``: from then on a signal is ignored, by
    these handlers and the script's), then the earlier handlers are put back. The main thread
    only: elsewhere signal handlers cannot be set and the signals keep theirs."""
    signals.run_begins()
    try:
        previous = {signum: signal.signal(signum, _interrupted)
                    for signum in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signals.run_over()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_cli(main_function, *args):
    """Run ``main_function(*args)``; a user error becomes one line on stderr and exit code 1;
    Ctrl-C or SIGTERM one line saying what was left (130 or 143). A signal after
    ``main_function`` returned changes nothing: its exit code stands."""
    returned = []
    try:
        with signals_as_interrupts():
            returned.append(main_function(*args))
    except (CnnDualError, ValueError, OSError) as exc:
        print(f"error: {describe(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory (a smaller --iterations, --batch-size or data set?)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        if returned:  # the signal came after the run, before it was marked over
            return returned[0]
        how, left = getattr(exc, "how", "interrupted"), getattr(exc, "left", "nothing was written")
        print(f"error: {how}; {left}", file=sys.stderr)
        return getattr(exc, "exit_code", 130)
    return returned[0]


# ---- the flags every main_*.py shares ------------------------------------------------------

def add_main_arguments(parser, *, lr, errata_help, grad_mode_help, weights_file):
    """The flags of every main_*.py: --variant, --iterations, --batch-size, --lr (default
    ``lr``, the original's gamma), --seed, --errata, --grad-mode; then ``add_run_arguments``'s
    --data-dir, --out-dir, --weights (a MATLAB-style ``weights_file``) and --quiet, which a
    script adds after its own (main_cnn's --activation, --conv...)."""
    parser.add_argument("--variant", choices=("reference", "dual"), default="reference",
                        help="reference: the faithful port with hand-derived gradients; "
                             "dual: gradients from dual numbers (default: reference)")
    parser.add_argument("--iterations", type=iterations, default=10000,
                        help="training iterations, one mini-batch each (default: 10000; "
                             "0 only evaluates; at most 10,000,000)")
    parser.add_argument("--batch-size", type=positive_int, default=30,
                        help="images per mini-batch (default: 30)")
    parser.add_argument("--lr", type=positive_float, default=lr,
                        help=f"learning rate, the original's gamma (default: {lr:g})")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the shuffle and of the N(0,1) starting weights (default: 0)")
    parser.add_argument("--errata", choices=("keep", "fix"), default=None,
                        help=f"keep: reproduce {errata_help}; fix: true gradients (default: keep "
                             "for the reference; the dual variant computes true gradients only)")
    parser.add_argument("--grad-mode", choices=("chain", "forward"), default=None,
                        help="dual variant only. chain: each layer's local derivatives from "
                             "dual numbers, chained backward (default); forward: seed all "
                             f"{grad_mode_help} parameters and run only the forward pass (slow)")
    parser.set_defaults(weights_file=weights_file)


def add_run_arguments(parser):
    """--data-dir, --out-dir, --weights and --quiet (after ``add_main_arguments``)."""
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where mnist_train.mat and mnist_test.mat are (default: data)")
    names = list(main_outputs(Path(parser.get_default("weights_file")).stem).values())
    parser.add_argument("--out-dir", type=path, default=Path("outputs"),
                        help=f"where the outputs are written (default: outputs): "
                             f"{', '.join(names[:-1])} and, after training, {names[-1]}; named "
                             "after the model, so that the mains share a folder, each run "
                             "replacing its own model's files and leaving the others'")
    parser.add_argument("--weights", type=path, default=None, metavar="FILE",
                        help=f"start from the weights of a MATLAB-style "
                             f"{parser.get_default('weights_file')} instead of N(0,1) draws "
                             "(with --iterations 0: only evaluate them)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def variant_settings(args):
    """(errata, grad_mode) of a main_*.py's --variant, --errata, --grad-mode: the dual variant
    computes true gradients (errata fix, grad_mode chain unless given); the reference's are
    hand-derived (grad_mode None, errata keep unless given). CnnDualError for a contradiction."""
    if args.variant == "dual":
        if args.errata == "keep":
            raise CnnDualError("the dual variant computes true gradients: --errata keep is the "
                               "reference's (use --variant reference)")
        return "fix", args.grad_mode or "chain"
    if args.grad_mode is not None:
        raise CnnDualError("--grad-mode is for --variant dual (the reference's gradients "
                           "are hand-derived)")
    return args.errata or "keep", None


def report(args, metrics):
    """What a main_*.py prints: a summary line (unless --quiet), then the accuracy; and on
    stderr, always, a divergence that did not stop the run (the original as written)."""
    if metrics.get("diverged"):
        print(f"warning: {metrics['diverged']}", file=sys.stderr)
    if not args.quiet:
        print(f"{args.variant} ({metrics['grad_mode']}, errata {metrics['errata']}): "
              f"{metrics['iterations']} iterations in "
              f"{metrics['training_seconds']:.2f} s; outputs in {args.out_dir}")
    print(f"Accuracy: {metrics['accuracy']:.4f}")
