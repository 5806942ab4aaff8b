"""Ctrl-C and SIGTERM at any moment of a script's life are one line and exit 130 or 143, never
a traceback: from its first import (scripts/_startup.py) through its heavy imports and its
arguments, then within its run (shared.cli.run_cli), and after it (changing nothing).

A signal is a real one, to a real process; where it lands is chosen by the script's progress
(the lines ``python -X importtime`` prints as each module is imported), not by the clock, and
any landing place must give the same one line."""

import ast
import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

from conftest import ROOT, write_mnist
from shared import cli, signals
from shared.errors import Interrupted

SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py") if not p.name.startswith("_"))
GUARD_SECONDS = 120  # only against a hang: a start-up takes a few seconds


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_imports_startup_before_anything_else(script):
    # its first statement after the docstring: nothing heavy (nor anything at all) before the
    # handlers are in place
    body = ast.parse(script.read_text()).body
    first = body[1] if isinstance(getattr(body[0], "value", None), ast.Constant) else body[0]
    assert isinstance(first, ast.Import) and [a.name for a in first.names] == ["_startup"]


def start(script, *args, env=None):
    """``python -X importtime scripts/<script> args`` and a queue of its stderr lines (None
    at the end), read as they come."""
    process = subprocess.Popen([sys.executable, "-X", "importtime", str(ROOT / "scripts" / script),
                                *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    lines = queue.Queue()

    def read():
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def wait_for_imports(lines, after_startup):
    """Read stderr lines until ``after_startup`` modules have been imported after
    scripts/_startup.py (or the imports stop: no line for 2 s); the script's own lines."""
    own, count, started = [], 0, False
    while not started or count < after_startup:
        try:
            line = lines.get(timeout=GUARD_SECONDS if not started else 2)
        except queue.Empty:
            if not started:
                raise AssertionError("scripts/_startup.py was never imported") from None
            break  # the imports are over: the script runs
        if line is None:
            break
        if not line.startswith("import time:"):
            own.append(line)
        elif started:
            count += 1
        elif line.rstrip().endswith("| _startup"):  # its body has run: the handlers are in place
            started = True
    return own


def the_rest(process, lines, own):
    """Wait for the process to end (GUARD_SECONDS at most); its exit code and its own stderr
    lines (without -X importtime's)."""
    try:
        process.wait(timeout=GUARD_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    while (line := lines.get(timeout=GUARD_SECONDS)) is not None:
        if not line.startswith("import time:"):
            own.append(line)
    return process.returncode, own


@pytest.mark.parametrize("how, after", [
    ("SIGINT", 0),  # at once after _startup: numpy, scipy, matplotlib still to come
    ("SIGINT", 60),  # in the middle of numpy's imports
    ("SIGINT", 400),  # scipy's and matplotlib's
    ("SIGINT", 10**6),  # after every import: argument parsing, the run itself
    ("SIGTERM", 200),
])
def test_a_signal_during_start_up_is_one_line(how, after, tmp_path):
    data = write_mnist(tmp_path / "data")
    # a run of 10,000,000 iterations: it never ends before the signal
    process, lines = start("main_slp.py", "--iterations", 10_000_000, "--data-dir", data,
                           "--out-dir", tmp_path / "o", "--quiet")
    try:
        own = wait_for_imports(lines, after)
        process.send_signal(getattr(signal, how))
        code, own = the_rest(process, lines, own)
    finally:
        process.kill()
    what = "interrupted" if how == "SIGINT" else "terminated"
    assert own == [f"error: {what}; nothing was written"]
    assert code == 128 + getattr(signal, how)
    assert not (tmp_path / "o").exists()


def test_after_the_run_a_signal_changes_nothing(monkeypatch):
    # run_cli marks the run over as it leaves, before it puts the script's handlers back: from
    # then on they ignore a signal (the process is ending with the run's result), as its own do
    calls = []
    monkeypatch.setattr(signals, "_STATE", {"run_over": False})
    assert cli.run_cli(lambda: calls.append(signals.run_is_over()) or 7) == 7
    assert calls == [False] and signals.run_is_over()
    assert signals.exit_at_once(signal.SIGINT, None) is None  # ignored: the test goes on
    assert cli._interrupted(signal.SIGTERM, None) is None
    signals.run_begins()
    with pytest.raises(Interrupted):
        cli._interrupted(signal.SIGTERM, None)


@pytest.mark.parametrize("setting", ["HOME", "MPLCONFIGDIR"])
def test_no_matplotlib_lines_when_its_folders_cannot_be_written(setting, tmp_path):
    # A regular file where a folder should be: unwritable even for root (for whom a read-only
    # folder is writable). matplotlib would make a fresh folder on every run and say so.
    blocker = tmp_path / "a file"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    env[setting] = str(blocker if setting == "HOME" else blocker / "matplotlib")
    for _ in range(2):  # the second run: the folder of the first, no font cache to build
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "main_slp.py"), "--help"],
                              env=env, capture_output=True, text=True, timeout=GUARD_SECONDS)
        assert done.returncode == 0 and "usage:" in done.stdout
        assert "Matplotlib created a temporary" not in done.stderr, done.stderr
    assert done.stderr == ""
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == [
        f"cnn-dual-matplotlib-{os.getuid() if hasattr(os, 'getuid') else 'user'}"]
