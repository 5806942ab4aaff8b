"""The box a student's code runs in: bubblewrap (Debian's ``bubblewrap``) and resource limits.

A check runs code nobody has read. Each run of it is one process, in a box where:

- the file system is read-only, except the run's scratch folder (the folder under check is
  seen read-only, the home folders and /tmp are empty);
- there is no network (a namespace of its own, with only a loopback of its own);
- it has its own PID namespace, and dies with the checker (``--die-with-parent``; the
  process group is also killed at the time limit): nothing it starts outlives the run;
- its memory (address space), CPU seconds and the size of any file it writes (its printed
  output goes to a file: endless output ends the run) are limited.

Without bubblewrap, :func:`run` refuses unless ``sandbox=False`` (``--no-sandbox``): then
only the limits and the parent-death signal apply.
"""

import ctypes
import os
import resource
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shared.errors import CnnDualError

INSTALL_BWRAP = ("bubblewrap is not installed (no bwrap on the PATH), and the checker runs "
                 "the code it checks only in its box: on Debian or Ubuntu, sudo apt install "
                 "bubblewrap; or pass --no-sandbox to run it unsandboxed, knowingly")

HIDDEN = ("/tmp", "/var/tmp", "/home", "/root", "/run", "/mnt", "/media", "/srv")
"""Folders the box sees empty (a tmpfs each, where they exist): others' files, sockets."""


ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""A run's BLAS threads: one (the matrices are small; several runs share the cores)."""


class SandboxUnavailable(CnnDualError):
    """No bubblewrap to run untrusted code in (the scripts exit with code 2)."""


@dataclass(frozen=True)
class Limits:
    """What one run may use. ``seconds``: wall-clock time (the run is killed after it; its
    CPU time is limited to the same plus a little); ``memory``: bytes of address space;
    ``output``: bytes of any one file it writes, its printed output included."""

    seconds: float = 120.0
    memory: int = 4 << 30
    output: int = 64 << 20


@dataclass
class Finished:
    """How a run ended: its exit code (negative: the signal that ended it), whether it was
    stopped at the time limit, and the last lines it printed (stdout and stderr)."""

    returncode: int
    timed_out: bool
    printed: str

    @property
    def reason(self):
        """Why the run ended early, in words (None for a normal exit)."""
        if self.timed_out:
            return None  # said by the caller, who knows the limit
        if self.returncode == -signal.SIGXFSZ:
            return "it printed (or wrote) more than the output limit"
        if self.returncode == -signal.SIGXCPU:
            return "it used up its CPU time"
        if self.returncode == -signal.SIGKILL:
            return "it was killed (out of memory?)"
        if self.returncode < 0:
            return f"it died of signal {signal.Signals(-self.returncode).name}"
        return None


def bwrap():
    """The bwrap executable, or None."""
    return shutil.which("bwrap")


def available(sandbox=True):
    """Raise SandboxUnavailable if ``sandbox`` is asked for and bubblewrap is missing."""
    if sandbox and bwrap() is None:
        raise SandboxUnavailable(INSTALL_BWRAP)


def prefix(executable):
    """The folders to show the box for ``executable`` to run: its installation prefix (the
    folder above its bin/) when that lies in a folder the box sees empty, else none."""
    where = Path(executable).resolve().parent.parent
    hidden = any(where == Path(h) or Path(h) in where.parents for h in HIDDEN)
    return [where] if hidden else []


def command(argv, scratch, readonly=(), sandbox=True):
    """``argv`` wrapped in bubblewrap: ``scratch`` writable, ``readonly`` folders visible."""
    if not sandbox:
        return list(argv)
    scratch = str(Path(scratch).resolve())
    box = [bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for folder in HIDDEN:
        if os.path.isdir(folder):
            box += ["--tmpfs", folder]
    for folder in readonly:
        folder = str(Path(folder).resolve())
        box += ["--ro-bind", folder, folder]
    box += ["--bind", scratch, scratch,
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--setenv", "HOME", scratch, "--setenv", "TMPDIR", scratch, "--chdir", scratch,
            "--"]
    return box + list(argv)


def _limited(limits):
    """The preexec function of a run: its limits, and death with the checker."""
    cpu = int(limits.seconds) + 5

    def setup():
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output, limits.output))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _die_with_parent()

    return setup


def _die_with_parent():
    """prctl(PR_SET_PDEATHSIG, SIGKILL): killed when the checker dies, however it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the process group is still killed
        pass


def run(argv, scratch, readonly=(), limits=Limits(), sandbox=True):
    """Run ``argv`` in the box, in ``scratch``; return how it Finished. Its output goes to
    ``scratch/printed.txt`` (limited like any file it writes)."""
    available(sandbox)
    scratch = Path(scratch)
    log = scratch / "printed.txt"
    with open(log, "wb") as out:
        process = subprocess.Popen(command(argv, scratch, readonly, sandbox), cwd=scratch,
                                   env={**os.environ, **ONE_THREAD},
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                   start_new_session=True, preexec_fn=_limited(limits))
        timed_out = False
        try:
            process.wait(timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill(process)
    return Finished(process.returncode, timed_out, tail(log))


def kill(process):
    """End ``process`` and everything in its process group (a no-op once they are gone)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def tail(path, size=4000):
    """The last ``size`` bytes of a file, as text (any bytes)."""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - size))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""
