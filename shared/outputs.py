"""What a run leaves behind: the MATLAB-style cnn.mat, JSON summaries and figures.

MATLAB: the end of main_cnn.m (accuracy, row-normalised confusion matrix and its figure,
`save('Outputs/cnn.mat', 'w_conv', 'b_conv', 'w_fc', 'b_fc')`) and the loss plot of TrainCNN.m.
Every file is written atomically: a failed run never leaves a half-written output.
"""

import contextlib
import json
import os
import secrets
from pathlib import Path

import numpy as np
import scipy.io
from matplotlib.figure import Figure  # the object-oriented API: no pyplot, no GUI backend

from shared.data import format_shape, numeric_array, read_mat, require_variables
from shared.errors import CnnDualError, WeightsError

WEIGHT_NAMES = ("w_conv", "b_conv", "w_fc", "b_fc")


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding="utf-8"):
    """Open a temporary file beside `path` for writing; move it onto `path` only on success.

    mode: "wb" or "w" (text, in `encoding`). On any exception the temporary file is removed
    and an existing `path` is left untouched.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as a plain open() would
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise CnnDualError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode, encoding=None if mode == "wb" else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def cnn_shapes(n_filters=3):
    """The MATLAB shapes of the weights.

    w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), n = n_filters.
    """
    if not isinstance(n_filters, (int, np.integer)) or n_filters < 1:
        raise ValueError(f"n_filters must be a positive integer, got {n_filters!r}")
    return {
        "w_conv": (3, 3, 1, n_filters),
        "b_conv": (n_filters, 1),
        "w_fc": (10, 49 * n_filters),  # 7 x 7 pooled pixels per filter
        "b_fc": (10, 1),
    }


def save_cnn_mat(path, w_conv, b_conv, w_fc, b_fc, **extra):
    """Save the weights as MATLAB's main_cnn does, in a .mat file MATLAB and scipy can read.

    w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), n = w_conv.shape[-1]; vectors
    and a (3,3,n) w_conv are accepted and saved in those shapes. `extra` arrays are saved under
    their own names. Raises WeightsError for a wrong shape.
    """
    for name in extra:
        if not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"{name!r} is not a MATLAB variable name (savemat would drop it)")
    given = {"w_conv": w_conv, "b_conv": b_conv, "w_fc": w_fc, "b_fc": b_fc}
    n_filters = np.shape(w_conv)[-1] if np.ndim(w_conv) in (3, 4) else 3
    weights = _check_weights(path, {k: np.asarray(v) for k, v in given.items()}, n_filters)
    with atomic_write(path) as f:
        scipy.io.savemat(f, {**weights, **extra})


def load_cnn_mat(path, n_filters=3):
    """Weights from a cnn.mat written by MATLAB's main_cnn or by `save_cnn_mat`.

    Returns a dict with w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), float64,
    n = n_filters, plus any other variables of the file as loadmat gives them. Shapes that
    differ only by singleton axes (w_conv (3,3,n), b_conv (n,) or (1,n)...) are accepted.
    Raises WeightsError (one line) when the file is missing, unreadable, lacks a variable,
    has a wrong shape or non-finite values.
    """
    contents = read_mat(path, WeightsError)
    require_variables(path, contents, WEIGHT_NAMES, WeightsError)
    weights = _check_weights(path, contents, n_filters)
    for name, value in weights.items():
        if not np.isfinite(value).all():
            raise WeightsError(f"{path}: {name} has NaN or inf values")
    extra = {name: value for name, value in contents.items() if name not in WEIGHT_NAMES}
    return {**weights, **extra}


def _check_weights(path, arrays, n_filters):
    """The four weights of `arrays` as float64 in their MATLAB shapes, or WeightsError."""
    weights = {}
    for name, expected in cnn_shapes(n_filters).items():
        value = numeric_array(path, name, arrays[name], WeightsError)
        if _squeezed(value.shape) != _squeezed(expected):
            raise WeightsError(
                f"{path}: {name} must be {format_shape(expected)}, got {format_shape(value.shape)}"
            )
        weights[name] = value.astype(np.float64).reshape(expected)
    return weights


def _squeezed(shape):
    """The shape without its singleton axes: (3,3,1,3) -> (3,3,3)."""
    return tuple(n for n in shape if n != 1)


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


def accuracy(pred, true):
    """Fraction of `pred` equal to `true` (any shapes with the same number of elements)."""
    pred, true = _labels_pair(pred, true)
    return float(np.mean(pred == true))


def confusion_matrix(pred, true, n_classes=10):
    """Row-normalised confusion matrix (n_classes, n_classes), as main_cnn computes it.

    Row i, column j: the fraction of the samples of true class i predicted as class j. Each row
    with samples sums to 1; a class without samples keeps a row of zeros.
    """
    pred, true = _labels_pair(pred, true)
    for name, labels in (("pred", pred), ("true", true)):
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"{name} must hold integers 0..{n_classes - 1}")
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (true, pred), 1)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def _labels_pair(pred, true):
    """`pred` and `true` flattened to int64 vectors of equal length, or ValueError."""
    pred, true = np.asarray(pred).ravel(), np.asarray(true).ravel()
    if pred.size != true.size:
        raise ValueError(f"pred has {pred.size} labels but true has {true.size}")
    if pred.size == 0:
        raise ValueError("pred and true are empty")
    return pred.astype(np.int64), true.astype(np.int64)


def plot_loss(path, loss, title="Training loss"):
    """PNG of the loss per iteration, loss (n_iterations,), with a moving average when long."""
    loss = np.asarray(loss, dtype=np.float64).ravel()
    if loss.size == 0:
        raise ValueError("loss is empty")
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    iterations = np.arange(1, loss.size + 1)
    ax.plot(iterations, loss, lw=0.5, alpha=0.5, label="per iteration")
    window = loss.size // 100
    if window >= 5:
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(iterations[window - 1 :], smooth, lw=1.5, label=f"mean of {window}")
        ax.legend()
    ax.set(title=title, xlabel="iteration", ylabel="loss")
    _save_png(fig, path)


def plot_confusion(path, confusion, accuracy, title="Confusion matrix"):
    """PNG of the row-normalised confusion (10, 10), as main_cnn's figure: 'Accuracy: %f' below."""
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion must be a square matrix, got {format_shape(confusion.shape)}")
    digits = np.arange(confusion.shape[0])
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    image = ax.imshow(confusion, vmin=0, vmax=1, cmap="viridis")
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    ax.set_xticks(digits, labels=[str(d) for d in digits])
    ax.set_yticks(digits, labels=[str(d) for d in digits])
    ax.set(
        title=f"{title} (columns: predicted digit)",
        xlabel=f"Accuracy: {accuracy:f}",  # MATLAB: xlabel(sprintf('Accuracy: %f', accuracy))
        ylabel="true digit",
    )
    _save_png(fig, path)


def _save_png(fig, path):
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100, bbox_inches="tight")
