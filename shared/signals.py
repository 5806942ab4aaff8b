"""Ctrl-C and SIGTERM outside a script's run: one line, at once.

``scripts/_startup.py``, the first import of every script, installs :func:`exit_at_once` before
numpy, scipy, matplotlib and the project are imported (a second or two): a Ctrl-C then ends the
process with one line instead of a KeyboardInterrupt traceback from deep inside an import.
``shared.cli.run_cli`` takes over for the run itself (a signal becomes an exception, so that the
run's clean-up runs) and hands back when it is over (:func:`run_over`).

Only os and signal, which Python has loaded before any script runs: importing this module
costs nothing, so that the window before it is installed is as short as can be.
"""

import os
import signal

_STATE = {"run_over": False}
"""run_over: shared.cli.run_cli is leaving or has left; the process is ending with the run's
result, which a signal no longer changes."""


def exit_at_once(signum, frame):
    """Signal handler before and after the run. Before (the script imports its modules, parses
    its arguments; nothing is written yet): one line on stderr, and the process ends at once with
    128 + signum, 130 for Ctrl-C and 143 for SIGTERM, as a shell reports a process the signal
    ended. After the run: ignored, as the process is ending anyway with the run's own result
    (its one line and exit code, or its outputs)."""
    if _STATE["run_over"]:
        return
    how = "interrupted" if signum == signal.SIGINT else "terminated"
    try:  # os.write: no buffered stream, which the interrupted code may be in the middle of
        os.write(2, f"error: {how}; nothing was written\n".encode())
    except OSError:  # stderr closed: the exit code still says it
        pass
    # os._exit: no exception unwinding through a half-done import, no atexit handlers (a
    # ProcessPoolExecutor's would join threads); nothing was written that needs cleaning up
    os._exit(128 + signum)


def exit_at_once_on_signals():
    """Install :func:`exit_at_once` for SIGINT and SIGTERM (the main thread only, as Python
    requires: anywhere else this does nothing)."""
    _STATE["run_over"] = False
    for name in ("SIGINT", "SIGTERM"):
        try:
            signal.signal(getattr(signal, name), exit_at_once)
        except (ValueError, OSError, AttributeError):  # not the main thread; no such signal
            pass


def run_begins():
    """Called by shared.cli.run_cli as it starts the run: signals count again."""
    _STATE["run_over"] = False


def run_over():
    """Called by shared.cli.run_cli as it leaves (before it puts the earlier handlers back):
    from now on :func:`exit_at_once` and run_cli's own handlers ignore a signal."""
    _STATE["run_over"] = True


def run_is_over():
    """Whether shared.cli.run_cli's run is over (see :func:`run_over`)."""
    return _STATE["run_over"]
