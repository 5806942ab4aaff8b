"""Files a run writes: each atomically (``atomic_write``: a failed write never leaves half a
file), and a run's set of outputs all or nothing (``write_output_set``: staged, then committed
with Ctrl-C and SIGTERM held back, rolled back on failure, one run at a time per folder).
"""

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from shared.errors import (CnnDualError, Interrupted, OutputError, PartlyWritten,
                           PartlyWrittenInterrupted, PartlyWrittenOutput)


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding="utf-8"):
    """Open a temporary file beside `path` for writing; move it onto `path` only on success.

    mode: "wb" or "w" (text, in `encoding`). On any exception the temporary file is removed
    and an existing `path` is left untouched. An OSError of the file system (a full disk, no
    permission, a directory in the way) becomes an OutputError naming `path`.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "it is a directory")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as a plain open() would
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise OutputError(path, exc.strerror or exc) from None
    try:
        with os.fdopen(fd, mode, encoding=None if mode == "wb" else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(path, exc.strerror or exc) from None
        raise


def write_json(path, obj):
    """Write `obj` as indented JSON; numpy arrays become lists, numpy scalars Python numbers.

    NaN and inf are written as Python's json writes them (NaN, Infinity).
    """
    with atomic_write(path, "w") as f:
        json.dump(obj, f, indent=2, default=_json_default)
        f.write("\n")


def _json_default(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def main_outputs(model):
    """The files a run of main_<model>.py writes into its --out-dir (model: "cnn", "slp_linear",
    "slp" or "mlp"): {"weights": "<model>.mat" (the name main_<model>.m saves), "metrics":
    "<model>_metrics.json", "confusion": "<model>_confusion.png", "loss": "<model>_loss.png"}
    (the loss only when it trained). All named after the model, so that the mains share a
    folder as the original's Outputs/ (cnn.mat beside slp.mat), each run replacing its model's
    files only: a run's metrics never sit beside another model's weights as if they were one
    run's."""
    return {"weights": f"{model}.mat", "metrics": f"{model}_metrics.json",
            "confusion": f"{model}_confusion.png", "loss": f"{model}_loss.png"}


# ---- a run's set of outputs, written all or nothing --------------------------------------------

STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 3600
"""A staging folder lives for the seconds a run takes to write its outputs: one whose process
is gone, or older than an hour, was left by a run killed while writing (SIGKILL, power loss)."""


def check_out_dir(out_dir):
    """Make sure ``out_dir`` can be written (before a long computation), without creating it:
    it, or the nearest of its parents that exists, must be a writable directory."""
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            break
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(0, "not a directory", str(existing))
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        where = "" if existing == out_dir else f" ({existing})"
        raise CnnDualError(f"cannot write to the output directory {out_dir}{where}: "
                           f"{exc.strerror or exc}") from None


def write_output_set(out_dir, writers, names=None):
    """Write a run's outputs into ``out_dir`` all or nothing, and remove stale ones of its set.

    writers: {file name: function(path) writing that file}; names: every file name a run of
    this kind writes (default: those of ``writers``): the ones this run does not write are
    removed, so that no earlier run's file is left beside the new ones (an evaluation-only run
    has no loss.png). Every file is written into a staging folder in ``out_dir`` first; then,
    with Ctrl-C and SIGTERM held back (they take effect when it is done), each earlier file is
    moved aside and the new one moved in (os.replace: atomic for each file). If a move fails,
    the files already moved are moved back. ``out_dir`` is created when needed, and removed
    again when nothing could be written. Stale staging folders of killed runs are removed.

    Raises OutputError, or Interrupted (saying what was left) on Ctrl-C or SIGTERM.
    """
    out_dir = Path(out_dir)
    names = list(writers) if names is None else list(names)
    created = _make_dirs(out_dir)
    staging, committed = None, False
    try:
        for name in names:
            if (out_dir / name).is_dir() and not (out_dir / name).is_symlink():
                raise OutputError(out_dir / name, "it is a directory")
        _remove_stale_staging(out_dir)
        try:
            staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f"{STAGING_PREFIX}{os.getpid()}-"))
        except OSError as exc:
            raise OutputError(out_dir, exc.strerror or exc) from None
        _STAGING_IN_USE.add(staging)
        for name, write in writers.items():
            try:
                write(staging / name)
            except OutputError as exc:  # name the file the user asked for, not the staging one
                raise OutputError(out_dir / name, exc.reason) from None
            except OSError as exc:
                raise OutputError(out_dir / name, exc.strerror or exc) from None
        # one commit at a time in out_dir (another run's files never mixed with these); then
        # a signal held back is raised on leaving, after the commit
        with _out_dir_locked(out_dir), _signals_held():
            _commit(out_dir, staging, list(writers), [n for n in names if n not in writers])
            committed = True
    except BaseException as exc:
        if committed:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, KeyboardInterrupt):
                raise Interrupted.of(exc, f"after writing {', '.join(writers)} into "
                                          f"{out_dir}") from None
            raise
        partial = isinstance(exc, PartlyWritten)  # _commit could not roll back everything
        if staging is not None and not (partial and exc.keep_staging):
            shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(created):  # innermost first; only when left empty
            with contextlib.suppress(OSError):
                directory.rmdir()
        if isinstance(exc, KeyboardInterrupt) and not partial:
            raise Interrupted.of(exc, "nothing was written") from None
        raise
    finally:
        _STAGING_IN_USE.discard(staging)
    shutil.rmtree(staging, ignore_errors=True)


LOCK_WAIT_SECONDS = 60
"""How long a run waits for another one's commit into the same folder (``_out_dir_locked``).
A commit is a few renames, milliseconds: a lock held this long belongs to a run that hangs."""


@contextlib.contextmanager
def _out_dir_locked(out_dir):
    """Hold an exclusive lock on the folder ``out_dir`` within: another run committing into it
    waits (LOCK_WAIT_SECONDS at most, then OutputError, nothing written). The lock is
    ``flock`` on the folder itself: no lock file is left in it, and it ends with the process
    whatever ends that. Where there is no flock (Windows) or the file system has no locks (some
    network ones), the commit goes on unlocked, as each file's os.replace is still atomic."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    try:
        fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise OutputError(out_dir, exc.strerror or exc) from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:  # another run is committing: wait for it
                if time.monotonic() > deadline:
                    raise OutputError(out_dir, f"another run has held its lock for over "
                                      f"{LOCK_WAIT_SECONDS} s; nothing was written") from None
                time.sleep(0.05)
            except OSError:  # no locks on this file system
                break
        yield
    finally:
        os.close(fd)  # and with it the lock


def _commit(out_dir, staging, new, stale):
    """Move each earlier file of ``new + stale`` into staging/.previous and each new file from
    staging into ``out_dir``; on failure move everything back, or raise an error saying
    exactly what is left (a PartlyWritten error, ``keep_staging`` when earlier files are still
    in the staging folder)."""
    previous = staging / ".previous"
    previous.mkdir()
    set_aside, moved_in = [], []
    try:
        for name in new + stale:
            if os.path.lexists(out_dir / name):
                os.replace(out_dir / name, previous / name)
                set_aside.append(name)
            if name in new:
                os.replace(staging / name, out_dir / name)
                moved_in.append(name)
    except BaseException as exc:
        left_new, not_restored = [], []  # roll back, last move first
        for name in reversed(list(dict.fromkeys(set_aside + moved_in))):
            try:
                if name in set_aside:  # the earlier file replaces the new one, if any
                    os.replace(previous / name, out_dir / name)
                else:  # a new file where there was none
                    os.unlink(out_dir / name)
            except OSError:
                (not_restored if name in set_aside else left_new).append(name)
        left_new += [name for name in not_restored if name in moved_in]
        where = getattr(exc, "filename", None) or out_dir
        reason = getattr(exc, "strerror", None) or str(exc)
        if not left_new and not not_restored:  # rolled back: as if nothing had been tried
            if isinstance(exc, OSError):
                raise OutputError(where, f"{reason}; the earlier outputs were restored, "
                                         "nothing was written") from None
            raise
        parts = []
        if left_new:
            parts.append(f"new: {', '.join(left_new)}")
        if not_restored:
            parts.append(f"the earlier ones kept in {previous}: {', '.join(not_restored)}")
        left = f"partly written in {out_dir}: " + "; ".join(parts)
        if isinstance(exc, KeyboardInterrupt):
            error = PartlyWrittenInterrupted.of(exc, left)
        else:
            error = PartlyWrittenOutput(where, f"{reason}; {left}")
        error.keep_staging = bool(not_restored)
        raise error from None


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM back (they take effect on leaving) in the main thread, where
    the platform can (POSIX); elsewhere the commit's roll-back covers an interruption."""
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "pthread_sigmask") or not main:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _make_dirs(directory):
    """Create ``directory`` and its missing parents; return those created, outermost first."""
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    created = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            for done in reversed(created):
                with contextlib.suppress(OSError):
                    done.rmdir()
            raise OutputError(d, exc.strerror or exc) from None
        created.append(d)
    return created


_STAGING_IN_USE = set()
"""The staging folders this process is writing (another thread's write_output_set): not stale."""


def _remove_stale_staging(out_dir):
    """Remove the staging folders in ``out_dir`` left by runs killed while writing."""
    now = time.time()
    for entry in out_dir.glob(f"{STAGING_PREFIX}*"):
        if not entry.is_dir() or entry.is_symlink() or entry in _STAGING_IN_USE:
            continue
        pid = entry.name[len(STAGING_PREFIX):].split("-")[0]
        try:
            old = now - entry.stat().st_mtime > STALE_STAGING_SECONDS
        except OSError:
            continue
        if old or not pid.isdigit() or not _process_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _process_alive(pid):
    """Whether process ``pid`` runs (POSIX; elsewhere os.kill would end it: assume it runs and
    let the folder's age decide)."""
    if os.name != "posix":
        return True
    if pid == os.getpid():
        return False  # this process is not writing: its earlier staging folders are stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists (another user's); or we cannot tell
        return True
    return True
