"""Finite differences of a scalar function of arrays, and the relative error used to compare."""

import numpy as np
from scipy.differentiate import derivative


def finite_differences(f, x, indices=None, step=1e-4):
    """d f / d x[i] for i in ``indices`` (flat, column-major; default all) by scipy's adaptive
    central differences (``scipy.differentiate.derivative``, order 4, starting at ``step``).

    f: array shaped like x -> float. Returns an array shaped like x (NaN where not computed).
    """
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, order="F")
    indices = range(flat.size) if indices is None else indices
    gradient = np.full(flat.size, np.nan)
    for i in indices:
        def along(t, i=i):  # f along coordinate i; scipy passes arrays of steps
            values = np.empty(np.shape(t))
            for j, tj in np.ndenumerate(t):
                moved = flat.copy()
                moved[i] += tj
                values[j] = f(moved.reshape(x.shape, order="F"))
            return values
        result = derivative(along, 0.0, initial_step=step, order=4, maxiter=6)
        gradient[i] = result.df
    return gradient.reshape(x.shape, order="F")


def relative_error(value, expected):
    """max |value - expected| / max |expected| (0 when both are 0)."""
    scale = np.max(np.abs(expected))
    diff = np.max(np.abs(np.asarray(value) - np.asarray(expected)))
    return float(diff / scale) if scale > 0 else float(diff)
