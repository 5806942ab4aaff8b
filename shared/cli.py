"""Command-line plumbing shared by the scripts: one-line errors, argument types."""

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from shared.errors import CnnDualError, Interrupted

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


def _terminated(signum, frame):
    raise Interrupted("terminated", exit_code=128 + signum)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within: SIGTERM raises Interrupted, as Ctrl-C raises KeyboardInterrupt, so that the same
    clean-up runs (temporary files removed, the outputs rolled back). The main thread only:
    elsewhere signal handlers cannot be set and SIGTERM keeps its default."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_cli(main_function, *args):
    """Run ``main_function(*args)``; a user error becomes one line on stderr and exit code 1;
    Ctrl-C or SIGTERM one line saying what was left (130 or 143)."""
    try:
        with sigterm_as_interrupt():
            return main_function(*args)
    except (CnnDualError, ValueError, OSError) as exc:
        print(f"error: {describe(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory (a smaller --iterations, --batch-size or data set?)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        how, left = getattr(exc, "how", "interrupted"), getattr(exc, "left", "nothing was written")
        print(f"error: {how}; {left}", file=sys.stderr)
        return getattr(exc, "exit_code", 130)
