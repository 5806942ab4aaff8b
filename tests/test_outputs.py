"""shared/outputs.py: atomic files, the MATLAB-style cnn.mat, JSON, confusion matrix and figures."""

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from matplotlib.image import imread

from shared.errors import WeightsError
from shared.outputs import (
    accuracy,
    atomic_write,
    confusion_matrix,
    load_cnn_mat,
    plot_confusion,
    plot_loss,
    save_cnn_mat,
    write_json,
)

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
    with pytest.raises(ValueError, match="true must hold integers 0..9"):
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
