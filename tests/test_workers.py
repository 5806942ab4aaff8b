"""shared.workers: jobs in spawned worker processes, results as they finish, and an early stop
that ends the workers (the checker's classroom and compare_models.py both run on it)."""

import multiprocessing
import os
import time

import pytest

from shared.errors import CnnDualError
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


def test_a_worker_that_dies_is_one_error_that_names_the_likely_causes():
    with pytest.raises(CnnDualError, match="killed, out of memory, or it could not start"):
        run_in_processes(os._exit, [(1,)], 1)
    assert multiprocessing.active_children() == []
