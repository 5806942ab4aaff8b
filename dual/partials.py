"""How a DualArray's partials are stored and multiplied: memory layout only, no derivative.

The dual part of a DualArray of shape S is an array of shape S + (K,), K partials per value.
It is stored partial-major: each partial ``dual[..., k]`` is one contiguous block laid out like
the value (a view of a C-ordered (K,) + S buffer), so that elementwise operations and
reductions run long inner loops over a partial instead of length-K ones (4x to 15x faster for
K ~ 4 on CNN-sized arrays). Any layout gives the same numbers; dual/dual_array.py's rules can be
read without this module.
"""

import functools
import weakref

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


# ---- one-hot seeds: a product with them is a selection -------------------------------------------
# A seeding that gives entry e (column-major) of a matrix seed first + e (dual.seeding's one-hot
# seeds: forward mode's chunks, an FC row, an affine map's identity), for every entry or for a
# window of them (a chunk of forward mode: the others carry none), makes partial k of x @ y a copy
# of one row of y (or column of x), or zero: no multiplication is needed. The seeds are
# read-only; an array is known as one by where it sits in memory, so a slice or a copy
# of it (its partials changed) is not taken for it.
_ONE_HOT = {}  # (data address, shape, strides) -> (a weak reference to the seeds, (first, window))


def mark_one_hot(seeds, first, window=None):
    """Declare the read-only dual part ``seeds`` (shape S + (K,)) one-hot: entry e of the value,
    numbered column-major, carries seed first + e and no other, for every e or for e in
    range(*window) only (the other entries carry none). A product takes the mark where the
    value is a matrix. The mark lasts as long as the memory the seeds sit in: it goes with it
    (a weak reference), and their address is free again."""
    if seeds.ndim >= 2 and not seeds.flags.writeable:
        key, owner = _where(seeds), seeds
        while type(owner.base) is np.ndarray:  # the array that owns the memory
            owner = owner.base
        alive = weakref.ref(owner, lambda _, key=key: _ONE_HOT.pop(key, None))
        _ONE_HOT[key] = (alive, (first, window))


def keep_one_hot(new, old, value_shape, order):
    """Mark the dual part ``new`` as ``old`` is marked, if it is: ``new`` is ``old`` reshaped or
    transposed (a view) as the value was, to ``value_shape``, in ``order`` ("F": column-major;
    "C"; None: a transpose). The value's column-major numbering, which the mark is about, is
    kept by a column-major reshape, and by a reshape or transpose of a value with at most one
    axis longer than 1 into another such (conv's filter reshaped to a column, then transposed
    to a row); a row-major reshape to or from a matrix renumbers the entries."""
    if type(old) is not np.ndarray or type(new) is not np.ndarray:
        return  # (nested dual numbers: their partials are not seeds of this kind)
    if old.flags.writeable or new.flags.writeable:
        return  # (seeds are read-only, and so are their views; a copy is not a seed)
    if order != "F" and (_axes_longer_than_1(value_shape) > 1
                         or _axes_longer_than_1(old.shape[:-1]) > 1):
        return
    hit = _ONE_HOT.get(_where(old))
    if hit is not None and _where(new) not in _ONE_HOT:  # (an earlier iteration's view: marked)
        mark_one_hot(new, *hit[1])


def _axes_longer_than_1(shape):
    return sum(n > 1 for n in shape)


def _where(a):
    return a.__array_interface__["data"][0], a.shape, a.strides


def _one_hot(t):
    """(first, window) if the dual part t is a marked one-hot seed array (as laid out then),
    else None."""
    if type(t) is not np.ndarray or t.ndim != 3 or t.flags.writeable:
        return None
    hit = _ONE_HOT.get(_where(t))
    return None if hit is None else hit[1]


@functools.lru_cache(maxsize=4096)  # (forward mode: a window per chunk, a few ints each)
def _seed_grid(n, m, one_hot):
    """(rows, cols, seeds): for each seeded entry (i, j) of an n x m one-hot-seeded value
    (``one_hot``: (first, window) as marked), its seed (read-only; kept for the last 4,096
    shapes and windows)."""
    first, window = one_hot
    entries = np.arange(n * m) if window is None else np.arange(*window)
    grid = entries % n, entries // n, first + entries
    for a in grid:
        a.flags.writeable = False
    return grid


def _view(t, first, shape, strides):
    """The entries of the C-contiguous array t from its flat entry ``first`` on, at ``shape``
    and ``strides`` (in entries, not bytes): a writeable view (numpy checks that it stays
    within t; the entries it reaches must be distinct to be written)."""
    size = t.itemsize
    return np.ndarray(shape, t.dtype, t, first * size, tuple(s * size for s in strides))


def _zeros_but(k, first, count, shape, written):
    """A (k,) + shape array for a selection: zeros, except partials first .. first + count - 1
    when the selection writes them ``written`` whole (left unset: zeroing them is a quarter
    of a selection's time)."""
    if not written:
        return np.zeros((k,) + shape)
    t = np.empty((k,) + shape)
    t[:first] = 0.0
    t[first + count:] = 0.0
    return t


# The partials as K matrices in front, (K, ..., n, m), make one batched matmul. Size-1 axes after
# K keep it clear of the other operand's batch axes.
def partials_at_matrix(dx, y):
    """dx @ y for each of the K partials of x (K trailing on dx)."""
    one_hot = _one_hot(dx) if type(y) is np.ndarray and y.ndim == 2 else None
    if one_hot is not None:  # partial first + i + n j of x @ y: row j of y, in row i, else 0
        n, m, k = dx.shape
        p, (first, window) = y.shape[1], one_hot
        if window is None:  # every entry seeded: t[first + i + n j, i, :] = y[j, :] as one view
            t = _zeros_but(k, first, n * m, (n, p), n == 1)
            diagonal = _view(t, first * n * p, (m, n, p), (n * n * p, n * p + p, 1))
            diagonal[...] = y[:, None, :]
        else:
            rows, cols, seeds = _seed_grid(n, m, one_hot)
            t = np.zeros((k, n, p))
            t[seeds, rows] = y[cols]
        return klast(t)
    t = kfirst(dx)
    if t.ndim == 2:  # x is a vector: its K partials are the rows of t
        return t @ y if np.ndim(y) == 1 else np.swapaxes(t @ y, -1, -2)
    if np.ndim(y) == 2:  # one matrix y for all: the rows of every partial in one product
        product = np.reshape(t, (-1, t.shape[-1])) @ y
        return klast(np.reshape(product, t.shape[:-1] + (y.shape[-1],)))
    return klast(t[(slice(None),) + (None,) * (np.ndim(y) - t.ndim + 1)] @ y)


def matrix_at_partials(x, dy):
    """x @ dy for each of the K partials of y (K trailing on dy)."""
    one_hot = _one_hot(dy) if type(x) is np.ndarray and x.ndim == 2 else None
    if one_hot is not None:  # partial first + j + m c of x @ y: column j of x, in column c, else 0
        m, p, k = dy.shape
        n, (first, window) = x.shape[0], one_hot
        if window is None:  # every entry seeded: t[first + j + m c, :, c] = x[:, j] as one view
            t = _zeros_but(k, first, m * p, (n, p), p == 1)
            diagonal = _view(t, first * n * p, (p, m, n), (m * n * p + 1, n * p, p))
            diagonal[...] = x.T[None]
        else:
            rows, cols, seeds = _seed_grid(m, p, one_hot)
            t = np.zeros((k, n, p))
            t[seeds, :, cols] = x.T[rows]
        return klast(t)
    if dy.ndim == 2:  # y is a vector: dy (m, K) is a matrix
        return x @ dy
    if np.ndim(x) == 2 and dy.ndim == 3:  # y a matrix: its K partials side by side, one product
        n, p, k = dy.shape
        return np.reshape(x @ np.reshape(dy, (n, p * k)), (x.shape[0], p, k))
    t = kfirst(dy)
    return klast(x @ t[(slice(None),) + (None,) * (np.ndim(x) - t.ndim + 1)])


# ---- a Jacobian that only moves values ---------------------------------------------------------
class PermutationMatrix:
    """A square 0/1 matrix with one 1 in each row and column -- the Jacobian of a map that only
    moves values, such as a reshape (Flattening) -- kept as the row of each column's 1.
    ``a @ P`` picks a's columns in that order: what the dense product computes (each entry is
    one value times 1 plus zeros), without n x n multiplications, and a non-finite entry of
    an ndarray ``a`` stays in its own column, as it does in a reshape. It is no array: a
    product ``P @ a`` or ``a @ P`` with anything else, and ``np.asarray(P)``, take the dense
    matrix. Read-only."""

    __array_ufunc__ = None  # ndarray @ P: numpy steps aside, and P.__rmatmul__ answers

    def __init__(self, rows):
        self.rows = np.array(rows, dtype=np.intp)
        self.rows.flags.writeable = False
        self.shape = (len(self.rows),) * 2
        self._identity = bool(np.all(self.rows == np.arange(len(self.rows))))  # (Flattening's)
        self.ndim, self.dtype = 2, np.dtype(float)

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("a PermutationMatrix has no dense array to share: it is made anew")
        dense = np.zeros(self.shape, dtype=dtype or float)
        dense[self.rows, np.arange(len(self.rows))] = 1
        return dense

    def __rmatmul__(self, a):  # (a @ P)[..., j] = a[..., rows[j]]
        if type(a) is np.ndarray and a.ndim and a.shape[-1] == len(self.rows):
            return a.copy() if self._identity else np.take(a, self.rows, axis=-1)
        return a @ np.asarray(self)

    def __matmul__(self, a):
        return np.asarray(self) @ a

    def __repr__(self):
        return f"PermutationMatrix(rows={self.rows.tolist()})"


def as_permutation(jacobian):
    """``jacobian`` as a PermutationMatrix if it is one (square, every entry 0 or 1, one 1 in
    each row and column), else itself."""
    if jacobian.ndim != 2 or jacobian.shape[0] != jacobian.shape[1] or not jacobian.size:
        return jacobian
    n = jacobian.shape[0]
    if (np.count_nonzero(jacobian) != n
            or not np.all(jacobian.sum(axis=0) == 1) or not np.all(jacobian.sum(axis=1) == 1)
            or not np.all((jacobian == 0) | (jacobian == 1))):
        return jacobian
    return PermutationMatrix(np.argmax(jacobian, axis=0))
