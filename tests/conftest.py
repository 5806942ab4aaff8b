"""Shared fixtures: the project's scripts as modules, the real data (or a skip), tiny data sets."""

import contextlib
import importlib.util
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import scipy.io

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
GOLDEN_DIR = ROOT / "tests" / "golden"


def load_script(name):
    """Import ``scripts/<name>.py`` as a module (the scripts are not a package). Its first
    import, scripts/_startup.py, is found on sys.path as when it runs (from the script's
    folder); being imported, not run, it leaves the signal handlers alone."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.append(str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_main(script, argv, capsys):
    """Run ``script.main(argv)`` in-process; return (exit code, stdout, stderr)."""
    try:
        code = script.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, *words):
    """A user error: non-zero exit, one line on stderr starting with 'error:' and naming
    ``words``, no traceback."""
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:") and "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


@contextlib.contextmanager
def fifo_at(path):
    """A FIFO (named pipe) at ``path`` within, or skip where there are none. No process writes
    to it: code that opens it for reading would wait forever. Should the code under test do
    so, a writer comes and goes at once (it can open the FIFO only while a reader does), so
    that the open returns and the test fails instead of hanging."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(path)
    done = threading.Event()

    def unblock_a_reader():
        while not done.wait(0.05):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO while no reader
            except OSError:
                continue
            os.close(fd)

    guard = threading.Thread(target=unblock_a_reader, daemon=True)
    guard.start()
    try:
        yield path
    finally:
        done.set()
        guard.join()


@pytest.fixture(scope="session")
def real_data_dir():
    """data/ with the original MNIST files, or skip (CI copies them there)."""
    if not all((DATA_DIR / f).is_file() for f in ("mnist_train.mat", "mnist_test.mat")):
        pytest.skip("data/mnist_train.mat and data/mnist_test.mat are absent")
    return DATA_DIR


def write_mnist(directory, n_train=90, n_test=40, seed=0, **overrides):
    """Write a small synthetic data set shaped like the original files into ``directory``.

    ``overrides`` replace variables, e.g. ``label_train=...``; a value of None drops it.
    """
    rng = np.random.default_rng(seed)
    variables = {
        "im_train": rng.integers(0, 256, (196, n_train), dtype=np.uint8),
        "label_train": rng.integers(0, 10, (1, n_train), dtype=np.uint8),
        "im_test": rng.integers(0, 256, (196, n_test), dtype=np.uint8),
        "label_test": rng.integers(0, 10, (1, n_test), dtype=np.uint8),
    }
    variables.update(overrides)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        content = {k: v for k, v in variables.items() if k.endswith(split) and v is not None}
        scipy.io.savemat(directory / f"mnist_{split}.mat", content)
    return directory


@pytest.fixture
def small_data_dir(tmp_path):
    return write_mnist(tmp_path / "data")


@pytest.fixture
def huge_weights(tmp_path):
    """The original's published cnn.mat with every weight times 1e4, in tmp_path: far beyond
    any trained network's (their largest is 4.6), the softmax's scores overflow exp; or skip."""
    original = DATA_DIR / "original_cnn.mat"
    if not original.is_file():
        pytest.skip("data/original_cnn.mat (get_data.py fetches it) is absent")
    loaded = scipy.io.loadmat(original)
    path = tmp_path / "huge.mat"
    scipy.io.savemat(path, {k: 1e4 * v for k, v in loaded.items() if not k.startswith("__")})
    return path


def octave_with_image_package():
    """Whether GNU Octave (octave-cli) runs here with its image package."""
    import shutil
    import subprocess

    executable = shutil.which("octave-cli")
    if executable is None:
        return False
    done = subprocess.run([executable, "--quiet", "--norc", "--eval", "pkg load image"],
                          capture_output=True, timeout=60)
    return done.returncode == 0


ORIGINAL_CANDIDATES = (DATA_DIR / "matlab", ROOT.parent / "shared" / "matlab" / "original")
"""Where the original's .m files may be: fetched by get_data.py --matlab, or (in CI) the copy
beside the project. Never committed."""


@pytest.fixture(scope="session")
def octave():
    """Skip unless Octave with the image package runs here (CI installs both)."""
    if not octave_with_image_package():
        pytest.skip("GNU Octave with its image package is not installed "
                    "(Debian: apt install octave octave-image)")


@pytest.fixture(scope="session")
def original_matlab():
    """The folder of the original's unchanged .m files, or skip."""
    from checker.original import check_original
    from shared.errors import CnnDualError

    for folder in ORIGINAL_CANDIDATES:
        try:
            return check_original(folder)
        except CnnDualError:
            continue
    pytest.skip("the original's .m files are absent (python scripts/get_data.py --matlab)")


@pytest.fixture(scope="session")
def patched_matlab(original_matlab, tmp_path_factory):
    """A copy of the original with the errata patches of docs/errata applied."""
    from checker.original import apply_patches, copy_m_files

    return apply_patches(copy_m_files(original_matlab, tmp_path_factory.mktemp("patched")))
