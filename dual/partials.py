"""How a DualArray's partials are stored and multiplied: memory layout only, no derivative.

The dual part of a DualArray of shape S is an array of shape S + (K,), K partials per value.
It is stored partial-major: each partial ``dual[..., k]`` is one contiguous block laid out like
the value (a view of a C-ordered (K,) + S buffer), so that elementwise operations and
reductions run long inner loops over a partial instead of length-K ones (4x to 15x faster for
K ~ 4 on CNN-sized arrays). Any layout gives the same numbers; dual/dual_array.py's rules can be
read without this module.
"""

import numpy as np


def memory_order(a):
    """The axes of the ndarray a from the slowest to the fastest in memory (ties: in order)."""
    strides = a.strides
    return tuple(sorted(range(len(strides)), key=strides.__getitem__, reverse=True))


def partial_major(dual, real):
    """``dual`` with each partial one contiguous block laid out like ``real`` (same axis order in
    memory), so that value and partials are walked alike; copies only when needed."""
    n = real.ndim
    slowest_first = memory_order(real)
    t = dual.transpose((n,) + slowest_first)
    if not t.flags.c_contiguous:
        t = np.ascontiguousarray(t)
    back = [0] * n  # the inverse permutation
    for position, axis in enumerate(slowest_first):
        back[axis] = position + 1
    return t.transpose(tuple(back) + (0,))


# np.moveaxis, in Python, costs ~10 us a call; these two run on every operation.
def kfirst(t):
    """The K axis (last) moved first: a view."""
    n = t.ndim - 1
    return t.transpose((n,) + tuple(range(n)))


def klast(t):
    """The K axis (first) moved last: a view."""
    return t.transpose(tuple(range(1, t.ndim)) + (0,))


def zeros(shape, k):
    """Zero partials of shape `shape` + (k,), partial-major."""
    return klast(np.zeros((k,) + shape))


# The partials as K matrices in front, (K, ..., n, m), make one batched matmul. Size-1 axes after
# K keep it clear of the other operand's batch axes.
def partials_at_matrix(dx, y):
    """dx @ y for each of the K partials of x (K trailing on dx)."""
    t = kfirst(dx)
    if t.ndim == 2:  # x is a vector: its K partials are the rows of t
        return t @ y if np.ndim(y) == 1 else np.swapaxes(t @ y, -1, -2)
    if np.ndim(y) == 2:  # one matrix y for all: the rows of every partial in one product
        product = np.reshape(t, (-1, t.shape[-1])) @ y
        return klast(np.reshape(product, t.shape[:-1] + (y.shape[-1],)))
    return klast(t[(slice(None),) + (None,) * (np.ndim(y) - t.ndim + 1)] @ y)


def matrix_at_partials(x, dy):
    """x @ dy for each of the K partials of y (K trailing on dy)."""
    if dy.ndim == 2:  # y is a vector: dy (m, K) is a matrix
        return x @ dy
    if np.ndim(x) == 2 and dy.ndim == 3:  # y a matrix: its K partials side by side, one product
        n, p, k = dy.shape
        return np.reshape(x @ np.reshape(dy, (n, p * k)), (x.shape[0], p, k))
    t = kfirst(dy)
    return klast(x @ t[(slice(None),) + (None,) * (np.ndim(x) - t.ndim + 1)])
