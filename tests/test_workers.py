"""shared.workers: jobs in spawned worker processes, results as they finish, and an early stop
that ends the workers (the checker's classroom and compare_models.py both run on it)."""

import multiprocessing
import time

from shared.workers import completed_in_processes, run_in_processes


def test_every_job_once_with_its_index_and_in_order_from_run_in_processes():
    jobs = [(2, k) for k in range(6)]
    found = dict(completed_in_processes(pow, jobs, 2))
    assert found == {k: 2 ** k for k in range(6)}
    assert run_in_processes(pow, jobs, 2) == [2 ** k for k in range(6)]


def test_stopping_early_ends_the_workers_at_once():
    began = time.monotonic()
    results = completed_in_processes(time.sleep, [(0,), (60,), (60,)], 2)
    assert next(results)[0] == 0
    results.close()  # the caller stops: the two sleeping a minute are ended, not waited for
    assert time.monotonic() - began < 30  # (the spawn and one import take seconds, not 60)
    assert multiprocessing.active_children() == []
