"""shared/file_set.py, weights.py, metrics.py, figures.py: atomic files and a run's output set, the
MATLAB-style cnn.mat, JSON, confusion matrix and figures."""

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from matplotlib.image import imread

from conftest import fifo_at
from shared.errors import CnnDualError, Interrupted, OutputError, WeightsError
from shared.figures import plot_confusion, plot_loss
from shared.file_set import atomic_write, check_out_dir, write_json, write_output_set
from shared.metrics import accuracy, confusion_matrix
from shared.weights import load_cnn_mat, save_cnn_mat

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def random_weights(n_filters=3, seed=0):
    """w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1)."""
    rng = np.random.default_rng(seed)
    return {
        "w_conv": rng.normal(size=(3, 3, 1, n_filters)),
        "b_conv": rng.normal(size=(n_filters, 1)),
        "w_fc": rng.normal(size=(10, 49 * n_filters)),
        "b_fc": rng.normal(size=(10, 1)),
    }


def weights_error(path, **kwargs):
    """The message of the WeightsError that load_cnn_mat raises; checks it is one line."""
    with pytest.raises(WeightsError) as info:
        load_cnn_mat(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


# ---- atomic_write -----------------------------------------------------------------------------


def test_atomic_write_writes_on_success(tmp_path):
    path = tmp_path / "out.bin"
    with atomic_write(path) as f:
        f.write(b"abc")
    assert path.read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_write_text_mode(tmp_path):
    path = tmp_path / "out.txt"
    with atomic_write(path, "w") as f:
        f.write("Accuracy: 0.841500 \u2713\n")
    assert path.read_text(encoding="utf-8") == "Accuracy: 0.841500 \u2713\n"


def test_atomic_write_keeps_old_file_and_leaves_no_temp_on_error(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path) as f:
            f.write(b"half-writ")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_write_leaves_nothing_for_a_new_file_on_error(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "new.bin") as f:
            f.write(b"x")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_rejects_read_modes(tmp_path):
    with pytest.raises(ValueError, match="'rb'"):
        with atomic_write(tmp_path / "x", "rb"):
            pass


# ---- cnn.mat ----------------------------------------------------------------------------------


def test_save_load_roundtrip_keeps_matlab_shapes_and_extras(tmp_path):
    weights = random_weights()
    loss = np.linspace(2.0, 0.1, 7)
    path = tmp_path / "cnn.mat"
    save_cnn_mat(path, **weights, loss=loss)
    raw = scipy.io.loadmat(path)  # what MATLAB would see
    assert raw["w_conv"].shape == (3, 3, 1, 3) and raw["b_conv"].shape == (3, 1)
    assert raw["w_fc"].shape == (10, 147) and raw["b_fc"].shape == (10, 1)
    loaded = load_cnn_mat(path)
    for name, value in weights.items():
        assert loaded[name].dtype == np.float64
        np.testing.assert_array_equal(loaded[name], value)  # a float64 .mat round trip: exact
    np.testing.assert_array_equal(loaded["loss"].ravel(), loss)


def test_roundtrip_with_other_number_of_filters(tmp_path):
    weights = random_weights(n_filters=4)
    save_cnn_mat(tmp_path / "cnn.mat", **weights)
    loaded = load_cnn_mat(tmp_path / "cnn.mat", n_filters=4)
    assert loaded["w_conv"].shape == (3, 3, 1, 4) and loaded["w_fc"].shape == (10, 196)
    np.testing.assert_array_equal(loaded["w_fc"], weights["w_fc"])


def test_load_accepts_shapes_without_singleton_axes(tmp_path):
    weights = random_weights()
    path = tmp_path / "cnn.mat"
    scipy.io.savemat(
        path,
        {
            "w_conv": weights["w_conv"][:, :, 0, :],  # (3,3,3), as if the c1 axis was dropped
            "b_conv": weights["b_conv"].T,  # (1,3)
            "w_fc": weights["w_fc"],
            "b_fc": weights["b_fc"].ravel(),  # (10,), saved as a 1x10 row
        },
    )
    loaded = load_cnn_mat(path)
    for name, value in weights.items():
        assert loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name], value)


def test_save_normalises_a_three_axis_w_conv(tmp_path):
    weights = random_weights()
    save_cnn_mat(tmp_path / "cnn.mat", **{**weights, "w_conv": weights["w_conv"][:, :, 0, :]})
    saved = scipy.io.loadmat(tmp_path / "cnn.mat")["w_conv"]
    np.testing.assert_array_equal(saved, weights["w_conv"])


@pytest.mark.skipif(not (DATA_DIR / "original_cnn.mat").exists(), reason="no data/original_cnn.mat")
def test_loads_the_weights_matlab_saved():
    loaded = load_cnn_mat(DATA_DIR / "original_cnn.mat")
    assert loaded["w_conv"].shape == (3, 3, 1, 3) and loaded["b_fc"].shape == (10, 1)
    assert np.isfinite(loaded["w_fc"]).all() and np.abs(loaded["w_fc"]).max() > 0


def test_save_rejects_a_wrong_shape_and_writes_nothing(tmp_path):
    weights = random_weights()
    with pytest.raises(WeightsError, match="w_fc must be 10x147, got 147x10"):
        save_cnn_mat(tmp_path / "cnn.mat", **{**weights, "w_fc": weights["w_fc"].T})
    assert list(tmp_path.iterdir()) == []


def test_missing_weights_file(tmp_path):
    assert "file not found" in weights_error(tmp_path / "cnn.mat")


def test_unreadable_weights_file(tmp_path):
    path = tmp_path / "cnn.mat"
    path.write_bytes(b"\x00" * 200)
    assert "not a readable MATLAB .mat file" in weights_error(path)


def test_missing_weight_variable(tmp_path):
    weights = random_weights()
    del weights["b_conv"]
    scipy.io.savemat(tmp_path / "cnn.mat", weights)
    message = weights_error(tmp_path / "cnn.mat")
    assert "missing variable b_conv" in message
    assert "the file has: b_fc, w_conv, w_fc" in message


@pytest.mark.parametrize(
    "name, shape, expected",
    [
        ("w_conv", (3, 3, 2, 3), "3x3x1x3"),
        ("w_conv", (5, 5, 1, 3), "3x3x1x3"),
        ("b_conv", (4, 1), "3x1"),
        ("w_fc", (10, 100), "10x147"),
        ("b_fc", (1, 9), "10x1"),
    ],
)
def test_wrong_weight_shape(tmp_path, name, shape, expected):
    weights = {**random_weights(), name: np.zeros(shape)}
    scipy.io.savemat(tmp_path / "cnn.mat", weights)
    message = weights_error(tmp_path / "cnn.mat")
    got = "x".join(str(n) for n in shape)
    assert f"{name} must be {expected}, got {got}" in message


def test_wrong_number_of_filters_is_a_shape_error(tmp_path):
    save_cnn_mat(tmp_path / "cnn.mat", **random_weights(n_filters=3))
    assert "w_conv must be 3x3x1x4, got 3x3x1x3" in weights_error(tmp_path / "cnn.mat", n_filters=4)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights(tmp_path, bad):
    weights = random_weights()
    weights["b_fc"][4, 0] = bad
    save_cnn_mat(tmp_path / "cnn.mat", **weights)
    assert "b_fc has NaN or inf values" in weights_error(tmp_path / "cnn.mat")


def test_non_numeric_weight(tmp_path):
    scipy.io.savemat(tmp_path / "cnn.mat", {**random_weights(), "w_fc": "oops"})
    assert "w_fc must be a real numeric array" in weights_error(tmp_path / "cnn.mat")


# ---- JSON -------------------------------------------------------------------------------------


def test_write_json_converts_numpy_values(tmp_path):
    path = tmp_path / "summary.json"
    write_json(
        path,
        {
            "accuracy": np.float64(0.8415),
            "n": np.int64(2000),
            "lr": np.float32(0.5),
            "confusion": np.eye(2),
            "nested": [{"loss": np.array([1.5, 2.0])}],
        },
    )
    text = path.read_text()
    assert text.startswith('{\n  "accuracy": 0.8415,')
    assert json.loads(text) == {
        "accuracy": 0.8415,
        "n": 2000,
        "lr": 0.5,
        "confusion": [[1.0, 0.0], [0.0, 1.0]],
        "nested": [{"loss": [1.5, 2.0]}],
    }


def test_write_json_rejects_unknown_types_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("{}")
    with pytest.raises(TypeError, match="set"):
        write_json(path, {"bad": {1, 2}})
    assert path.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


# ---- accuracy and confusion ---------------------------------------------------------------


def test_confusion_matrix_hand_case():
    true = np.array([[0, 1, 2, 2, 2, 0]])  # 1xN rows, as main_cnn holds them
    pred = np.array([0, 1, 2, 1, 1, 0])
    confusion = confusion_matrix(pred, true, n_classes=4)
    expected = np.array(
        [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 2 / 3, 1 / 3, 0],
            [0, 0, 0, 0],  # no sample of class 3: stays zero
        ]
    )
    np.testing.assert_allclose(confusion, expected)
    np.testing.assert_allclose(confusion.sum(axis=1), [1, 1, 1, 0])  # fractions summed: rounding
    assert accuracy(pred, true) == pytest.approx(4 / 6)  # count / n: rounding at most


def test_confusion_matrix_rows_sum_to_one_on_random_labels():
    rng = np.random.default_rng(1)
    true = rng.integers(0, 10, 500)
    pred = np.where(rng.random(500) < 0.8, true, rng.integers(0, 10, 500))
    confusion = confusion_matrix(pred, true)
    assert confusion.shape == (10, 10)
    np.testing.assert_allclose(confusion.sum(axis=1), 1.0)
    assert accuracy(pred, true) == pytest.approx(np.mean(pred == true))


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="pred has 2 labels but true has 3"):
        confusion_matrix([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="true must be class labels, whole numbers 0..9"):
        confusion_matrix([0, 1], [0, 10])


# ---- figures ----------------------------------------------------------------------------------


def assert_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    height, width = imread(path).shape[:2]
    assert height > 100 and width > 100


@pytest.mark.parametrize("n", [1, 30, 10_000])
def test_plot_loss_writes_png(tmp_path, n):
    loss = 2.3 * np.exp(-np.arange(n) / 2000) + 0.1 * np.random.default_rng(0).random(n)
    plot_loss(tmp_path / "loss.png", loss, title="TrainCNN loss")
    assert_png(tmp_path / "loss.png")


def test_plot_confusion_writes_png(tmp_path):
    rng = np.random.default_rng(2)
    true = rng.integers(0, 10, 200)
    confusion = confusion_matrix(true, true)
    plot_confusion(tmp_path / "confusion.png", confusion, accuracy(true, true))
    assert_png(tmp_path / "confusion.png")
    assert [p.name for p in tmp_path.iterdir()] == ["confusion.png"]


def test_plot_confusion_rejects_non_square_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="square"):
        plot_confusion(tmp_path / "confusion.png", np.zeros((10, 9)), 0.5)
    assert list(tmp_path.iterdir()) == []


def test_plot_loss_rejects_empty(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        plot_loss(tmp_path / "loss.png", [])
    assert list(tmp_path.iterdir()) == []


# ---- the conv kinds' extra weights, and magnitudes --------------------------------------------


def kinds_entries(n_filters=3):
    """What every conv kind adds to cnn.mat, as the kinds declare it (ConvKind.file_entries)."""
    from dual.extensions.conv_kinds import CONV_KINDS
    return {name: entry for kind in CONV_KINDS.values()
            for name, entry in kind.file_entries(n_filters).items()}


def extras_error(tmp_path, **extra):
    scipy.io.savemat(tmp_path / "cnn.mat", {**random_weights(), **extra})
    return weights_error(tmp_path / "cnn.mat", extra=kinds_entries())


def test_extra_weights_load_checked_in_their_shapes(tmp_path):
    w2 = np.random.default_rng(3).normal(size=(9, 9, 3))
    scipy.io.savemat(tmp_path / "cnn.mat", {**random_weights(), "w2_conv": w2,
                                            "log_gamma_conv": np.zeros(3)})  # saved 1x3
    loaded = load_cnn_mat(tmp_path / "cnn.mat", extra=kinds_entries())
    np.testing.assert_array_equal(loaded["w2_conv"], w2)
    assert loaded["log_gamma_conv"].shape == (3, 1)


@pytest.mark.parametrize("name, value, words", [
    ("w2_conv", np.full((9, 9, 3), np.nan), ["w2_conv has NaN or inf values"]),
    ("w2_conv", np.ones((9, 9, 3)) * (1 + 2j), ["w2_conv must be a real numeric array",
                                                "complex"]),
    ("w2_conv", np.ones((9, 9, 3)) * 1e200, ["w2_conv has values up to 1e+200", "limit"]),
    ("w2_conv", np.ones((3, 3, 3)), ["w2_conv must be 9x9x3, got 3x3x3"]),
    ("w2_conv", "hello", ["w2_conv must be a real numeric array, got <U5"]),
    ("log_gamma_conv", np.zeros((4, 1)), ["log_gamma_conv must be 3x1, got 4x1"]),
    ("log_gamma_conv", np.array([[0.0], [np.inf], [1.0]]), ["log_gamma_conv has NaN or inf"]),
    ("log_gamma_conv", np.array([[0.0], [800.0], [1.0]]), ["log_gamma_conv must be within"]),
    ("gamma_conv", np.array([[1.0], [0.0], [2.0]]), ["gamma_conv must be positive"]),
    ("gamma_conv", np.array([[1.0], [-1.0], [2.0]]), ["gamma_conv must be positive"]),
])
def test_bad_extra_weights_are_refused(tmp_path, name, value, words):
    message = extras_error(tmp_path, **{name: value})
    for word in words:
        assert word in message


def test_huge_main_weights_are_refused(tmp_path):
    weights = random_weights()
    weights["w_fc"] = weights["w_fc"] * 1e200
    scipy.io.savemat(tmp_path / "cnn.mat", weights)
    assert "w_fc has values up to" in weights_error(tmp_path / "cnn.mat")


def test_a_directory_as_weights_file(tmp_path):
    (tmp_path / "cnn.mat").mkdir()
    assert "is a directory" in weights_error(tmp_path / "cnn.mat")


def test_a_fifo_as_weights_file_is_refused_before_it_is_opened(tmp_path):
    with fifo_at(tmp_path / "cnn.mat") as fifo:  # opened, it would block forever
        assert "is a FIFO (named pipe), not a MATLAB .mat file" in weights_error(fifo)


# ---- write errors name the file ---------------------------------------------------------------


def full_disk(monkeypatch, after=0):
    """Make fsync fail with ENOSPC (where a full disk shows) after ``after`` successful calls."""
    import errno
    import os

    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr("shared.file_set.os.fsync", fsync)


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    full_disk(monkeypatch)
    with pytest.raises(OutputError) as info:
        write_json(tmp_path / "summary.json", {"a": 1})
    assert str(info.value) == f"cannot write {tmp_path / 'summary.json'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_onto_a_directory(tmp_path):
    (tmp_path / "x.png").mkdir()
    with pytest.raises(OutputError, match="x.png: it is a directory"):
        with atomic_write(tmp_path / "x.png") as f:
            f.write(b"x")


# ---- a set of outputs, all or nothing ---------------------------------------------------------


def text_writer(text):
    def write(path):
        with atomic_write(path, "w") as f:
            f.write(text)
    return write


SET = ("a.txt", "b.txt", "c.txt")


def old_outputs(out):
    out.mkdir(exist_ok=True)
    for name in SET:
        (out / name).write_text(f"old {name}")


def listing(out):
    """{name: text} of the files in ``out`` (folders left out)."""
    return {p.name: p.read_text() for p in out.iterdir() if p.is_file()}


def test_output_set_replaces_and_removes_stale_files_of_its_set(tmp_path):
    out = tmp_path / "out"
    old_outputs(out)
    (out / "notes.txt").write_text("mine")  # not of the set: kept
    write_output_set(out, {"a.txt": text_writer("new a"), "b.txt": text_writer("new b")}, SET)
    assert listing(out) == {"a.txt": "new a", "b.txt": "new b", "notes.txt": "mine"}


def test_output_set_creates_the_out_dir_and_removes_it_when_nothing_was_written(tmp_path):
    out = tmp_path / "new" / "out"

    def fails(path):
        raise OutputError(path, "No space left on device")

    with pytest.raises(OutputError) as info:
        write_output_set(out, {"a.txt": text_writer("a"), "b.txt": fails})
    assert str(info.value) == f"cannot write {out / 'b.txt'}: No space left on device"
    assert list(tmp_path.iterdir()) == []  # neither out nor new left behind
    write_output_set(out, {"a.txt": text_writer("a")})
    assert listing(out) == {"a.txt": "a"}


def test_output_set_failure_while_writing_keeps_the_earlier_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    old_outputs(out)
    full_disk(monkeypatch, after=1)
    with pytest.raises(OutputError, match="b.txt: No space left on device"):
        write_output_set(out, {"a.txt": text_writer("new a"), "b.txt": text_writer("new b")}, SET)
    assert listing(out) == {name: f"old {name}" for name in SET}


def test_output_set_interrupted_while_writing_says_nothing_was_written(tmp_path):
    out = tmp_path / "out"
    old_outputs(out)

    def interrupted(path):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        write_output_set(out, {"a.txt": text_writer("new a"), "b.txt": interrupted}, SET)
    assert (info.value.how, info.value.left) == ("interrupted", "nothing was written")
    assert listing(out) == {name: f"old {name}" for name in SET}


def replace_failing_at(monkeypatch, n, error, also_fail=()):
    """os.replace in shared.file_set raises ``error`` at its n-th call (1-based), and a
    PermissionError at the calls in ``also_fail`` (to make the roll-back fail too)."""
    import os

    calls = []
    real_replace = os.replace

    def replace(src, dst):
        calls.append((src, dst))
        if len(calls) == n:
            raise error
        if len(calls) in also_fail:
            raise PermissionError(13, "Permission denied", str(src))
        real_replace(src, dst)

    monkeypatch.setattr("shared.file_set.os.replace", replace)
    return calls


@pytest.mark.parametrize("error", [KeyboardInterrupt(), PermissionError(13, "Permission denied")])
def test_output_set_rolls_back_the_files_already_moved(tmp_path, monkeypatch, error):
    out = tmp_path / "out"
    old_outputs(out)
    writers = {"a.txt": text_writer("new a"), "b.txt": text_writer("new b")}
    # the writes use 2 replaces; then a aside, a in, b aside, b in (the 4th of the commit fails)
    replace_failing_at(monkeypatch, 2 + 4, error)
    with pytest.raises((Interrupted, OutputError)) as info:
        write_output_set(out, writers, SET)
    if isinstance(error, KeyboardInterrupt):
        assert info.value.left == "nothing was written"
    else:
        assert "Permission denied" in str(info.value)
        assert "the earlier outputs were restored, nothing was written" in str(info.value)
    assert listing(out) == {name: f"old {name}" for name in SET}


def test_output_set_says_exactly_what_is_left_when_the_roll_back_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    old_outputs(out)
    writers = {"a.txt": text_writer("new a"), "b.txt": text_writer("new b")}
    # the 4th move of the commit (b in) is interrupted; the roll-back restores b.txt, then
    # fails to put the earlier a.txt back
    replace_failing_at(monkeypatch, 2 + 4, KeyboardInterrupt(), also_fail=(2 + 4 + 2,))
    with pytest.raises(Interrupted) as info:
        write_output_set(out, writers, SET)
    (staging,) = out.glob(".staging-*")  # kept: it holds the earlier a.txt
    assert info.value.left == (f"partly written in {out}: new: a.txt; the earlier ones kept in "
                               f"{staging / '.previous'}: a.txt")
    assert (staging / ".previous" / "a.txt").read_text() == "old a.txt"
    assert listing(out) == {"a.txt": "new a", "b.txt": "old b.txt", "c.txt": "old c.txt"}


def test_output_set_removes_stale_staging_folders(tmp_path):
    import os

    out = tmp_path / "out"
    old_outputs(out)
    dead = out / ".staging-999999999-abcd"  # no such process
    legacy = out / ".staging-k2j4h5g6"  # named by an earlier version: no process id
    alive = out / f".staging-{os.getppid()}-abcd"  # a process that runs: its folder is kept
    for folder in (dead, legacy, alive):
        folder.mkdir()
        (folder / "cnn.mat").write_text("finished")
    write_output_set(out, {"a.txt": text_writer("new a")})
    assert not dead.exists() and not legacy.exists() and alive.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([*SET, alive.name])


def test_output_set_refuses_a_directory_in_place_of_a_file(tmp_path):
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)
    with pytest.raises(OutputError, match="a.txt: it is a directory"):
        write_output_set(out, {"a.txt": text_writer("new a")})
    assert [p.name for p in out.iterdir()] == ["a.txt"]


needs_flock = pytest.mark.skipif(not hasattr(__import__("os"), "O_DIRECTORY"),
                                 reason="no flock on a folder here")


@needs_flock
def test_output_set_waits_for_another_runs_commit_and_never_mixes_their_files(tmp_path,
                                                                              monkeypatch):
    # Run A is slowed in the middle of its commit (a.txt moved in, b.txt not yet), and run B
    # writes into the same folder then. Unlocked, B's commit went through in A's pause, and A's
    # b.txt then landed beside B's a.txt and c.txt.
    import os
    import threading

    out = tmp_path / "out"
    old_outputs(out)
    real_replace, paused = os.replace, []
    b_done = threading.Event()

    def run_b():
        write_output_set(out, {name: text_writer(f"B {name}") for name in SET})
        b_done.set()

    def slow_replace(src, dst):
        real_replace(src, dst)
        if not paused and Path(dst) == out / "a.txt" and threading.current_thread() is \
                threading.main_thread():
            paused.append(threading.Thread(target=run_b))
            paused[0].start()
            # B may finish only once A has: it waits for A's lock. (2 s: B's own writes and
            # its commit take milliseconds, so that unlocked it would have finished.)
            assert not b_done.wait(2)

    monkeypatch.setattr("shared.file_set.os.replace", slow_replace)
    write_output_set(out, {"a.txt": text_writer("A a.txt"), "b.txt": text_writer("A b.txt")},
                     SET)
    paused[0].join(60)
    assert b_done.is_set()
    assert listing(out) == {name: f"B {name}" for name in SET}  # all B's: it committed last
    assert not list(out.glob(".staging-*"))


@needs_flock
def test_output_set_refuses_in_one_line_when_another_run_holds_the_lock(tmp_path, monkeypatch):
    import fcntl
    import os

    import shared.file_set

    out = tmp_path / "out"
    old_outputs(out)
    monkeypatch.setattr(shared.file_set, "LOCK_WAIT_SECONDS", 0.2)
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # as another run's commit would
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OutputError) as info:
            write_output_set(out, {"a.txt": text_writer("new a")}, SET)
    finally:
        os.close(held)
    assert str(info.value) == (f"cannot write {out}: another run has held its lock for over "
                               "0.2 s; nothing was written")
    assert listing(out) == {name: f"old {name}" for name in SET}
    assert not list(out.glob(".staging-*"))
    write_output_set(out, {"a.txt": text_writer("new a")}, SET)  # released: it goes through
    assert listing(out) == {"a.txt": "new a"}


def test_check_out_dir_does_not_create_it(tmp_path):
    check_out_dir(tmp_path / "new" / "out")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(CnnDualError, match="output directory"):
        check_out_dir(tmp_path / "file" / "out")
