"""scripts/compare_models.py: a short comparison of the four models writes its table, JSON and
figure (both or neither); bad input is one line."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from mains import comparison
from conftest import ROOT, assert_one_line_error, load_script, run_main, write_mnist

compare_models = load_script("compare_models")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GUARD_SECONDS = 60  # only against a hang: the workers start in seconds, and end in less


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_short_comparison_of_the_four_models(jobs, small_data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code, table, _ = run_main(compare_models, ["--seeds", 2, "--iterations", 3, "--jobs", jobs,
                                               "--data-dir", small_data_dir, "--out-dir", out,
                                               "--quiet"], capsys)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["models.json", "models.png"]
    assert (out / "models.png").read_bytes()[:8] == PNG_SIGNATURE
    report = json.loads((out / "models.json").read_text())
    summary = report["summary"]
    assert list(summary) == ["slp_linear", "slp", "mlp", "cnn"]
    # 10 x 196 + 10; 30 x 196 + 30 + 10 x 30 + 10; 27 + 3 + 1470 + 10
    assert [row["parameters"] for row in summary.values()] == [1970, 1970, 6220, 1510]
    assert [row["published"] for row in summary.values()] == [0.8040, 0.8855, 0.9150, 0.8415]
    assert len(report["runs"]) == 4 * 3 * 2
    for name, row in summary.items():
        for setting in ("keep", "fix", "dual"):
            accuracies = [r["accuracy"] for r in report["runs"]
                          if r["model"] == name and r["setting"] == setting]
            assert row[setting]["seeds"] == len(accuracies) == 2
            # the mean and std of two numbers in [0, 1], maybe summed in another order: ulps
            assert row[setting]["accuracy_mean"] == pytest.approx(np.mean(accuracies), abs=1e-15)
            assert row[setting]["accuracy_std"] == pytest.approx(np.std(accuracies, ddof=1),
                                                                 abs=1e-15)
        # the dual twin trains as the fixed reference: 3 steps differ by rounding only, far
        # from moving a test image across a decision boundary (exact ties are measure zero)
        assert row["dual"]["accuracy_mean"] == row["fix"]["accuracy_mean"]
        assert f"| {name} | {row['parameters']:,} | {row['published']:.4f} |" in table
    # the runs are reported in the order of the table (model, setting, seed), whatever order
    # the workers took them in
    assert [(r["model"], r["setting"], r["seed"]) for r in report["runs"]] == [
        (name, setting, seed) for name in summary for setting in ("keep", "fix", "dual")
        for seed in (0, 1)]


def test_the_costliest_runs_start_first_and_threads_never_exceed_the_cores():
    jobs = [(name, setting, seed) for name in comparison.MODELS for setting in comparison.SETTINGS
            for seed in range(2)]
    order = comparison.longest_first(jobs)
    assert sorted(order) == list(range(len(jobs)))
    started = [jobs[i][:2] for i in order]
    assert started[:2] == [("cnn", "dual")] * 2 and started[-1] == ("slp_linear", "fix")
    for workers in range(1, 9):
        for cores in range(1, 9):
            threads = comparison.blas_threads_per_worker(workers, cores)
            assert threads >= 1 and (workers * threads <= cores or threads == 1)


def test_bad_data_is_one_line_and_writes_nothing(tmp_path, capsys):
    code, _, err = run_main(compare_models, ["--data-dir", tmp_path / "nowhere", "--out-dir",
                                             tmp_path / "o"], capsys)
    assert_one_line_error(code, err, "mnist_train.mat")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("argv, word", [(["--seeds", "0"], "--seeds"),
                                        (["--jobs", "0"], "--jobs"),
                                        (["--iterations", "-2"], "--iterations"),
                                        # counts that would run for years or spawn 10^8 processes
                                        (["--seeds", "1001"], "--seeds: must be at most 1,000"),
                                        (["--jobs", "100000000"], "--jobs: must be at most 256")])
def test_bad_arguments_are_one_line(argv, word, tmp_path, capsys):
    code, _, err = run_main(compare_models, [*argv, "--out-dir", tmp_path / "o"], capsys)
    assert code == 2
    assert_one_line_error(code, err, word)


def children(pid):
    """The process ids of ``pid``'s children (Linux: /proc), [] once it is gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        return [int(c) for t in tasks
                for c in open(f"/proc/{pid}/task/{t}/children").read().split()]
    except OSError:
        return []


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_a_signal_ends_the_workers_at_once_in_one_line(how, tmp_path):
    # Before, the queued runs all ran first (155 s after a Ctrl-C, 48 s after a SIGTERM).
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        pytest.skip("needs Linux's /proc/PID/task/TID/children to see the workers")
    rng = np.random.default_rng(0)  # dim images: no model diverges in 300 iterations
    data = write_mnist(tmp_path / "data", im_train=rng.integers(0, 20, (196, 90)),
                       im_test=rng.integers(0, 20, (196, 40)))
    # 12,000 runs of 300 iterations: hours of queue
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "compare_models.py"), "--jobs", "2", "--seeds",
         "1000", "--iterations", "300", "--data-dir", str(data), "--out-dir",
         str(tmp_path / "o"), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while len(children(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # two workers and multiprocessing's resource tracker
        workers = children(process.pid)
        if how == "Ctrl-C":  # as a terminal sends it: to the whole process group, workers too
            os.killpg(process.pid, signal.SIGINT)
        else:  # as `kill PID`: to the script only
            process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=GUARD_SECONDS)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    what, code = ("interrupted", 130) if how == "Ctrl-C" else ("terminated", 143)
    assert (process.returncode, err) == (code, f"error: {what}; nothing was written\n")
    assert not (tmp_path / "o").exists()
    deadline = time.monotonic() + GUARD_SECONDS
    while any(os.path.exists(f"/proc/{pid}") for pid in workers):
        assert time.monotonic() < deadline, "a worker is still running"
        time.sleep(0.1)
