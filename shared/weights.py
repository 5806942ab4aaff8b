"""The weights' files: the MATLAB-style cnn.mat (and each perceptron's), written and read back
checked, name by name and shape by shape.

MATLAB: ``save('Outputs/cnn.mat', 'w_conv', 'b_conv', 'w_fc', 'b_fc')`` at the end of
main_cnn.m, and the ``load`` of published weights.
"""

import numpy as np
import scipy.io

from shared.data import format_shape, numeric_array, read_mat, require_variables
from shared.errors import WeightsError
from shared.file_set import atomic_write

WEIGHT_NAMES = ("w_conv", "b_conv", "w_fc", "b_fc")


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
    given = {"w_conv": w_conv, "b_conv": b_conv, "w_fc": w_fc, "b_fc": b_fc}
    n_filters = np.shape(w_conv)[-1] if np.ndim(w_conv) in (3, 4) else 3
    save_weights_mat(path, cnn_shapes(n_filters), given, **extra)


WEIGHT_LIMIT = 1e6
"""The largest magnitude a loaded weight may have (a conv kind may declare another range for
its own entries, as the Gaussian kind's widths 1/WEIGHT_LIMIT .. WEIGHT_LIMIT). Trained weights are a few units: the original's cnn.mat has none above 4.6, and
training starts from N(0,1) draws. At 1e6 the logits are already ~1e13 (w_fc times 147 pooled
conv outputs, themselves w_conv times pixels, or w2_conv times products of pixels), far past
where the softmax saturates; from ~1e100 on, those products overflow float64 (1.8e308) and the
run computes inf and NaN. A weight beyond the limit is not a network's weight but a file in
another unit, a corrupted one, or a diverged run."""


def load_cnn_mat(path, n_filters=3, extra=None):
    """Weights from a cnn.mat written by MATLAB's main_cnn or by `save_cnn_mat`.

    Returns a dict with w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), float64,
    n = n_filters, and the entries of ``extra`` the file has (name -> (MATLAB shape, range):
    what a conv kind adds to cnn.mat, declared by the kind, ``ConvKind.file_entries``)
    likewise, plus any other variables of the file as loadmat gives them. Checked as
    `load_weights_mat` checks, an extra entry within its range when it has one.
    """
    contents = read_mat(path, WeightsError)
    weights = checked_weights(path, contents, cnn_shapes(n_filters))
    extra = extra or {}
    present = {name: entry for name, entry in extra.items() if name in contents}
    weights.update(checked_weights(path, contents, {n: e[0] for n, e in present.items()},
                                   {n: e[1] for n, e in present.items() if e[1] is not None}))
    others = {name: value for name, value in contents.items()
              if name not in cnn_shapes(n_filters) and name not in extra}
    return {**weights, **others}


def load_weights_mat(path, shapes):
    """The weights ``shapes`` names (name -> MATLAB shape) from a .mat file, e.g. main_slp's
    slp.mat (w (10,196), b (10,1)): a dict of float64 arrays in those shapes.

    Shapes that differ only by singleton axes (b (10,) or (1,10)) are accepted; other variables
    of the file are ignored. Raises WeightsError (one line) when the file is missing,
    unreadable, lacks a variable, or a weight is not a real number array of its shape, has NaN
    or inf values, or exceeds WEIGHT_LIMIT in magnitude.
    """
    return checked_weights(path, read_mat(path, WeightsError), shapes)


def checked_weights(path, contents, shapes, ranges=None):
    """contents[name] for every name of ``shapes`` (all required), checked: float64 in its
    MATLAB shape, finite, within WEIGHT_LIMIT in magnitude, or within its range of ``ranges``
    (name -> (low, high, how the range is said)); else WeightsError."""
    require_variables(path, contents, tuple(shapes), WeightsError)
    weights = _check_shapes(path, contents, shapes)
    for name, value in weights.items():
        _check_values(path, name, value, (ranges or {}).get(name))
    return weights


def save_weights_mat(path, shapes, weights, **extra):
    """Save ``weights`` (name -> array) as the MATLAB main_*.m does, in a .mat file MATLAB and
    scipy can read, each in its shape of ``shapes`` (name -> MATLAB shape), in that order, and
    ``extra`` arrays after them under their own names. Raises WeightsError for a missing weight
    or a wrong shape."""
    for name in extra:
        if not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"{name!r} is not a MATLAB variable name (savemat would drop it)")
    require_variables(path, weights, tuple(shapes), WeightsError)
    checked = _check_shapes(path, {k: np.asarray(v) for k, v in weights.items()}, shapes)
    with atomic_write(path) as f:
        scipy.io.savemat(f, {**checked, **extra})


def _check_values(path, name, value, allowed=None):
    """WeightsError unless every value of the weight `name` is finite and within WEIGHT_LIMIT
    in magnitude, or, given ``allowed`` (low, high, words), within low..high."""
    bad = ~np.isfinite(value)
    if bad.any():
        raise WeightsError(f"{path}: {name} has NaN or inf values "
                           f"({int(bad.sum())} of {value.size})")
    if allowed is not None:
        low, high, words = allowed
        if not np.all((value >= low) & (value <= high)):
            raise WeightsError(f"{path}: {name} must be {words}, got {np.ravel(value).tolist()}")
    elif np.abs(value).max(initial=0) > WEIGHT_LIMIT:
        raise WeightsError(f"{path}: {name} has values up to {np.abs(value).max():.3g} in "
                           f"magnitude, beyond the limit of {WEIGHT_LIMIT:g} for a weight")


def _check_shapes(path, arrays, shapes):
    """arrays[name] for each name of `shapes` (name -> MATLAB shape) as float64 in that shape,
    or WeightsError naming the variable: not a real numeric array, or another shape."""
    weights = {}
    for name, expected in shapes.items():
        if name not in arrays:
            continue
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
