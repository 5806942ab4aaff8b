"""Another process keeping a core busy: the benchmark's "busy machine" (a user's machine is
rarely quiet; BLAS threads that spin against other work are what made training slow there).

    python -m speed.busy    # spins until its parent process is gone
"""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spin():
    """Keep one core busy until the process that started this one ends."""
    parent = os.getppid()
    while os.getppid() == parent:  # (re-parented once the parent is gone: stop)
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            pass


@contextlib.contextmanager
def another_process_busy():
    """Within: a child process spins on one core (started here, killed on leaving)."""
    process = subprocess.Popen([sys.executable, "-m", "speed.busy"], cwd=ROOT,
                               stdin=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    spin()
