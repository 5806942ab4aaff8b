"""Finite differences of a scalar function of arrays, and the relative error used to compare."""

import numpy as np
from scipy.differentiate import derivative


ORDER, MAXITER, STEP_FACTOR = 4, 6, 2.0  # of scipy.differentiate.derivative, as used here


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
        result = derivative(along, 0.0, initial_step=step, order=ORDER, maxiter=MAXITER,
                            step_factor=STEP_FACTOR)
        gradient[i] = result.df
    return gradient.reshape(x.shape, order="F")


def rounding_error(f_value, step=1e-4):
    """An upper estimate of the rounding error of `finite_differences` for a function whose
    value is about `f_value` (the truncation error is what scipy's iterations drive down).

    Each value of f is rounded to about eps |f|; a central difference quotient divides a sum of
    such values (weights of total size 1.5 for the order-4 stencil 1/12, -8/12, 8/12, -1/12,
    doubled here for scipy's nested stencils) by its step, and the smallest step scipy reaches
    is step / STEP_FACTOR**MAXITER. |f| is taken as at least 1: the loss's terms (the log of a
    sum of exponentials) are of order 1 even when it is small. With |f| = 2.3 (log 10: an
    all-zero image) and step 1e-4 that is 9.8e-10; seen there, where the exact gradient is 0:
    finite differences of 3e-11.
    """
    smallest_step = step / STEP_FACTOR**MAXITER
    return float(3.0 * np.finfo(float).eps * max(abs(f_value), 1.0) / smallest_step)


def relative_error(value, expected, floor=0.0):
    """max |value - expected| / max(max |expected|, floor) (0 when both are 0).

    floor: the size below which `expected` is noise (e.g. finite differences' rounding error,
    divided by the relative tolerance it is judged by): an exact 0 against finite-difference
    noise of 3e-11 is then a small error, not a 100 % one.
    """
    scale = max(float(np.max(np.abs(expected))), float(floor))
    diff = np.max(np.abs(np.asarray(value) - np.asarray(expected)))
    return float(diff / scale) if scale > 0 else float(diff)
