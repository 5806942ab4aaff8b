"""Runs in worker processes that end with the run: at once on Ctrl-C, SIGTERM or an error.

A ``with ProcessPoolExecutor(...)`` block waits, on any exception, for every queued job to run
first (compare_models.py --jobs 2 took 155 s to obey a Ctrl-C); :func:`run_in_processes` instead
cancels the jobs not started and ends the workers.
"""

import contextlib
import multiprocessing
import pickle
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tqdm import tqdm

from shared.errors import CnnDualError

END_SECONDS = 10
"""How long a worker may take to end after SIGTERM before it is killed (SIGKILL): a worker
runs numpy code, which a SIGTERM ends at once; this only guards against a hang."""


def run_in_processes(function, jobs, workers, *, initializer=None, initargs=(), progress=None):
    """``[function(*job) for job in jobs]``, computed in ``workers`` processes.

    The processes are spawned, not forked (a fork of a process whose BLAS runs threads can
    deadlock), and each runs ``initializer(*initargs)`` first. progress: tqdm's keywords for a
    progress bar over the finished jobs (None: none). On leaving by an exception (Ctrl-C,
    SIGTERM, an error in a job) the jobs not started are cancelled and the workers ended at once
    (:func:`end_workers`), and the exception goes on; a worker that died (killed, out of memory)
    is a CnnDualError.

    The workers never act on Ctrl-C: a terminal sends it to the whole process group, workers
    included, but only this process should (and it ends them); they start with SIGINT blocked.
    """
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(initializer, initargs))
    try:
        with _ctrl_c_blocked():  # the processes start in submit(), with this thread's mask
            futures = [pool.submit(_run_job, function, job) for job in jobs]
        done = futures if progress is None else tqdm(futures, **progress)
        results = [future.result() for future in done]
    except BrokenProcessPool:
        end_workers(pool)
        raise CnnDualError("a worker process ended abruptly (killed, or out of memory?)") from None
    except BaseException:
        end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


def end_workers(pool):
    """Cancel the jobs of ``pool`` (a ProcessPoolExecutor) not started and end its workers now:
    SIGTERM, then SIGKILL for one still running after END_SECONDS."""
    # The processes: ProcessPoolExecutor has no public way to end them before Python 3.14
    # (terminate_workers); shutdown() forgets them, so they are taken first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):  # already gone
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.join(END_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(END_SECONDS)


def _run_job(function, job):
    """``function(*job)`` in a worker. Its exception goes back to the parent pickled; one that
    would not unpickle there (an ``__init__`` taking other arguments than its message, as
    TrainingDiverged's) would break the whole pool ("terminated abruptly"): it goes back as a
    CnnDualError (or a RuntimeError) with its message instead."""
    try:
        return function(*job)
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            kind = CnnDualError if isinstance(exc, CnnDualError) else RuntimeError
            raise kind(str(exc) if kind is CnnDualError else f"{type(exc).__name__}: {exc}"
                       ) from None
        raise


def _start_worker(initializer, initargs):
    """A worker's start: Ctrl-C ignored (where SIGINT could not be blocked); tqdm's lock a
    thread lock; then ``initializer(*initargs)``.

    tqdm's default lock, made at its first bar (even a disabled one, as the trainings' in a
    worker), holds a multiprocessing lock: a named semaphore, which a worker ended by SIGTERM
    cannot remove, and which multiprocessing's resource tracker then removes with a warning
    on stderr. A worker draws no bar: a thread lock is all it needs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tqdm.set_lock(threading.RLock())
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def _ctrl_c_blocked():
    """SIGINT blocked in this thread within (POSIX), so that the processes it
    starts begin with SIGINT blocked: a signal mask is inherited through fork and exec, and
    Python never unblocks it. A Ctrl-C meanwhile waits, and takes effect on leaving."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
