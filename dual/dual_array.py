"""DualArray: an array of dual numbers a + b*eps (eps**2 = 0) for forward-mode derivatives.

The words used everywhere in this project (code, docs, tests):

* the **value** (``.real``, shape S): the numbers a;
* the **dual part** (``.dual``, shape S + (K,)): the numbers b, K of them per value, carried at
  once as ForwardDiff.jl carries its chunks; each of the K is a **partial** (``dual[..., k]``);
* a **seed**: a 1 put in a partial of an input (dual/seeding.py); after a computation the dual
  part of an output holds its derivatives along the seeds.

A 0-d DualArray (``real.shape == ()``, ``dual.shape == (K,)``) is the scalar ``a + b*eps`` and
prints like it: ``DualArray(2.0, [1.0])`` shows ``2.0 + 1.0ε``.

Because eps**2 = 0, ``f(a + b*eps) = f(a) + f'(a)*b*eps``: each rule below computes the value
and, beside it, the dual part (the derivative applied to the incoming partials). Every rule is
written once, below, and registered in the tables at the bottom; a new elementwise rule is
added with ``defjvp`` (its partial derivatives), at the very bottom. How the partials are stored (partial-major) and multiplied is dual/partials.py's,
and the rules can be read without it.

Numpy code runs unchanged on DualArray through ``__array_ufunc__`` (operators, np.exp,
np.maximum, @ ...) and ``__array_function__`` (np.sum, np.reshape, np.pad, np.einsum ...). Plain
arrays and scalars mix in on either side (their partials are 0), and dual parts broadcast with
the values. Anything not in the tables raises TypeError naming the operation, and so does
anything that would turn a DualArray into a plain array (``np.asarray``, ``float``, ``bool``,
writing into a plain ndarray): a dual part is never dropped silently; take ``.real`` explicitly.

Dual numbers nest by **tags** (ForwardDiff.jl's design): the value and dual part of a DualArray
of tag t may be DualArrays of older tags; every seeding (dual/seeding.py) takes a fresh tag,
one made by hand has tag 0; an operation works at the newest tag among its operands, the
older-tagged ones being constants there, so each rule below, written once, serves every order.
What depends on the value only (comparisons, sign, the first maximum) is taken on the
innermost values (``innermost``).

Conventions at kinks (they follow the MATLAB original, see docs/dual_numbers.md):

* ``np.maximum``/``np.minimum``: on a tie the partials are split 1/2 : 1/2 (as in JAX), so
  d max(0, x)/dx = 0.5 at x == 0, the MATLAB ReLU's convention;
* ``np.max``/``np.min`` over axes pass the partials of the FIRST extremum (C order when several
  axes are reduced at once), as MATLAB's ``[m, i] = max(a)`` picks it;
* ``abs``: the derivative is sign(x), 0 at x == 0.
"""

import inspect

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy.lib.mixins import NDArrayOperatorsMixin
from numpy.lib.stride_tricks import sliding_window_view
import scipy.special

from dual.einsum_subscripts import free_label, parse_subscripts
from dual.partials import (keep_one_hot, kfirst, klast, matrix_at_partials, memory_order,
                           partial_major, partials_at_matrix, zeros)
from shared.matlab import max_with_index, min_with_index
from shared.validate import real_array

__all__ = ["DualArray", "defjvp", "deljvp", "innermost", "partials_at", "tag_of"]


class DualArray(NDArrayOperatorsMixin):
    """Value ``real`` (shape S) and partials ``dual`` (shape S + (K,)), both float64.

    Operators (+ - * / ** @, comparisons, abs, unary -) come from NDArrayOperatorsMixin and go
    through the ufunc table like ``np.add`` etc. (+ - * / @ and unary - straight to their rules,
    at the bottom). ``x += y`` works in place (``out=``).
    """

    __slots__ = ("real", "dual", "tag")

    def __init__(self, real, dual, tag=0):
        nested = type(real) is DualArray or type(dual) is DualArray
        if type(real) is not DualArray:  # (a complex value or dual part: a TypeError)
            real = real_array("DualArray: real (the value)", real)
        if type(dual) is not DualArray:
            dual = real_array("DualArray: dual (the dual part)", dual)
        if dual.shape[:-1] != real.shape or dual.ndim != real.ndim + 1:
            raise ValueError(f"DualArray: dual must have shape real.shape + (K,) = "
                             f"{real.shape} + (K,), got dual of shape {dual.shape}")
        if nested and max(tag_of(real), tag_of(dual)) >= tag:
            raise ValueError(f"DualArray: a value or dual part that is itself a DualArray must "
                             f"carry an older tag than the new one ({tag}), got tags "
                             f"{tag_of(real)} and {tag_of(dual)}; nest with a fresh tag "
                             f"(dual.seeding.new_tag, or dual.derivative)")
        self.real = real
        self.dual = dual if nested else partial_major(dual, real)
        self.tag = tag

    @classmethod
    def constant(cls, x, k, tag=0):
        """``x`` with K = ``k`` zero partials: a value that does not depend on the seeds (``x``
        may be a dual number of an older tag)."""
        real = x if isinstance(x, DualArray) else np.asarray(x, dtype=np.float64)
        if tag_of(real) >= tag:
            raise ValueError(f"DualArray.constant: a value of tag {tag_of(real)} cannot sit inside "
                             f"one of the older or equal tag {tag}")
        return _new(real, zeros(real.shape, k), tag)

    # ---- properties -----------------------------------------------------------------
    shape = property(lambda self: self.real.shape)
    ndim = property(lambda self: self.real.ndim)
    size = property(lambda self: self.real.size)
    dtype = property(lambda self: self.real.dtype)
    n_partials = property(lambda self: self.dual.shape[-1], doc="K, the number of partials.")
    T = property(lambda self: _transpose(self))

    def __len__(self):
        return len(self.real)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def copy(self, order="K"):
        """A copy, the value laid out as numpy's ``order`` says ("K" and "A": as it is; "C",
        "F"), each partial laid out like it."""
        real = self.real.copy(order=order)  # (numpy refuses an unknown order)
        if type(self.dual) is DualArray:  # nested: its partials keep their own layout
            return _new(real, self.dual.copy(order="K"), self.tag)
        return _new(real, partial_major(self.dual.copy(order="K"), innermost(real)), self.tag)

    def __repr__(self):
        if isinstance(self.real, DualArray) or isinstance(self.dual, DualArray):
            return f"DualArray(tag={self.tag},\n real={self.real!r},\n dual={self.dual!r})"
        if self.ndim == 0:  # the scalar a + b*eps
            a, b = float(self.real), self.dual.tolist()
            if len(b) == 1:
                return f"{a!r} {'-' if b[0] < 0 else '+'} {abs(b[0])!r}ε"
            return f"{a!r} + {b!r}ε"
        pre = "DualArray("
        real, dual = (np.array2string(a, separator=", ", prefix=pre) for a in (self.real, self.dual))
        return f"{pre}{real},\n{' ' * len(pre)}{dual})"

    # ---- conversions that would drop the dual part: refuse them ----------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("converting a DualArray to a plain ndarray would drop the dual part; "
                        "use .real (and .dual) explicitly")

    def __float__(self):
        raise TypeError("float() of a DualArray would drop the dual part: use numpy's functions "
                        "(np.exp, not math.exp), which keep it; .real drops it on purpose")

    __int__ = __complex__ = __float__

    def __bool__(self):
        raise TypeError("bool() of a DualArray would drop the dual part; compare .real")

    # ---- numpy protocols ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__":
            if ufunc in _PLAIN_UFUNCS:  # comparisons, isfinite: a plain result from the reals
                return ufunc(*(_real(x) for x in inputs), **kwargs)
            rule, out = _UFUNCS.get(ufunc), kwargs.pop("out", None)
            if rule is not None and not kwargs:
                return _write_out(_apply(rule, inputs), out)
        elif method == "reduce" and ufunc is np.add and set(kwargs) <= {"axis", "keepdims"}:
            return _sum(*inputs, axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False))
        elif method == "at" and ufunc is np.add:
            return _add_at(*inputs)
        how = "" if method == "__call__" else f".{method}"
        extra = f" with {sorted(kwargs)}" if method == "__call__" and kwargs else ""
        raise TypeError(f"DualArray does not support numpy.{ufunc.__name__}{how}{extra}")

    def __array_function__(self, func, types, args, kwargs):
        rule = _FUNCTIONS.get(func)
        if rule is None:
            raise TypeError(f"DualArray does not support {func.__module__}.{func.__name__}")
        return rule(*args, **kwargs)

    # ---- indexing (linear: the same index on the value and on each partial) ------------------
    def __getitem__(self, index):
        return _new(self.real[index], self.dual[_dual_index(index)], self.tag)

    def __setitem__(self, index, value):
        """Plain values, and dual numbers of an older tag, get zero partials (they are
        constants at this tag); one of a newer tag cannot be written into this array. A value
        or dual part that carries older tags where this array's holds plain numbers makes this
        array's a dual number of those tags first (with zero partials: nothing is lost)."""
        if isinstance(value, DualArray) and value.tag > self.tag:
            raise TypeError(f"writing a DualArray of tag {value.tag} into one of the older tag "
                            f"{self.tag} would drop its dual part")
        if isinstance(value, DualArray) and value.tag == self.tag:
            _level((self, value))
            self.real = _able_to_hold(self.real, value.real)
            self.dual = _able_to_hold(self.dual, value.dual)
            self.real[index] = value.real
            self.dual[_dual_index(index)] = value.dual
        else:
            self.real = _able_to_hold(self.real, value)
            self.real[index] = value
            self.dual[_dual_index(index)] = 0.0

    # ---- ndarray-style methods ---------------------------------------------------------
    def reshape(self, *shape, order="C", copy=None):
        return _reshape(self, shape[0] if len(shape) == 1 else shape, order=order, copy=copy)

    def squeeze(self, axis=None):
        return _squeeze(self, axis)

    def transpose(self, *axes):
        return _transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def swapaxes(self, axis1, axis2):
        return _swapaxes(self, axis1, axis2)

    def ravel(self, order="C"):
        return _reshape(self, -1, order=order)

    def flatten(self, order="C"):
        return _reshape(self, -1, order=order).copy()

    def sum(self, axis=None, keepdims=False):
        return _sum(self, axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _mean(self, axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _max(self, axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _min(self, axis, keepdims=keepdims)


# ---- small helpers ----------------------------------------------------------------------
def _new(real, dual, tag):
    """A DualArray without validation (the hot path); numpy scalars become 0-d arrays."""
    out = object.__new__(DualArray)
    plain_or_dual = type(real) is np.ndarray or type(real) is DualArray
    out.real = real if plain_or_dual else np.asarray(real, dtype=np.float64)
    out.dual = dual
    out.tag = tag
    return out


def tag_of(x):
    """The tag of a DualArray; -1 for a plain value (older than every tag)."""
    return x.tag if type(x) is DualArray else -1


def innermost(x):
    """The plain values inside a (possibly nested) DualArray."""
    while type(x) is DualArray:
        x = x.real
    return x


def _real(x):
    return x.real if isinstance(x, DualArray) else x


def _level(values):
    """(tag, K) of an operation on ``values``: it works at the newest tag among them, where all
    its operands must carry the same number of partials K; older-tagged ones are constants.
    (Tags are read here, by _value_at and by partials_at, and nowhere else; one pass, as every
    operation runs it.)"""
    tag, k = -1, None
    for x in values:
        if type(x) is DualArray and x.tag >= tag:
            if x.tag > tag:
                tag, k = x.tag, x.dual.shape[-1]
            elif x.dual.shape[-1] != k:
                ks = sorted({v.dual.shape[-1] for v in values if tag_of(v) == tag})
                raise ValueError(f"DualArray operands must carry the same number of partials K, "
                                 f"got {ks}")
    return tag, k


def _value_at(x, tag):
    """x's value at ``tag``: its real part if it carries that tag, else x itself (a constant)."""
    return x.real if tag_of(x) == tag else x


def partials_at(x, tag, k):
    """x's K = ``k`` partials at ``tag``: its dual part, or zeros where it carries only older
    tags (or is plain): it does not depend on that tag's seeds. One that carries a newer tag
    must be read off at that one first (its partials at ``tag`` sit inside it): a ValueError,
    as ForwardDiff.jl refuses it."""
    if tag_of(x) == tag:
        return x.dual
    if tag_of(x) > tag:
        raise ValueError(f"a dual number of tag {tag_of(x)} read off at the older tag {tag}: "
                         "read off the newer seeding first")
    return zeros(np.shape(x), k)


def _fit(t, shape):
    """The dual part t broadcast to `shape` (value shape + (K,)) as a new array; None = 0."""
    if t is not None and t.shape == shape:
        return t
    if isinstance(t, DualArray):
        return np.broadcast_to(t, shape).copy()
    out = zeros(shape[:-1], shape[-1])
    if t is not None:
        out[...] = t
    return out


def _apply(rule, inputs):
    """Run a ufunc rule on (value, dual part) pairs at the newest tag among the inputs; a plain
    input's dual part is None (zero), and so is that of one with an older tag (a constant here:
    its own dual part stays inside it, in the values the rule computes with)."""
    tag, k = _level(inputs)
    args = []
    for x in inputs:  # (value, partials) at tag; an operand without that tag: (itself, None)
        if type(x) is DualArray and x.tag == tag:
            args += (x.real, x.dual)
        else:
            args += (x if type(x) is DualArray else np.asarray(x), None)
    value, t = rule(*args)
    if t is args[1] or (len(args) > 2 and t is args[3]):
        t = t.copy(order="K")  # x + 0 must not share its partials with x (same layout)
    return _new(value, _fit(t, value.shape + (k,)), tag)  # (numpy scalars have .shape too)


def _write_out(result, out):
    if out is None:
        return result
    if len(out) != 1 or not isinstance(out[0], DualArray):
        raise TypeError("writing a DualArray result into a plain out= array would drop the dual part")
    out[0][...] = result
    return out[0]


def _dual_index(index):
    """The index for `dual`: the same as for `real`, but an Ellipsis must not swallow the K axis."""
    if type(index) is tuple and any(i is Ellipsis for i in index):
        return index + (slice(None),)
    return index  # indices left unspecified at the end, K included, are full slices


def _scale(t, s):
    """Tangent t (shape S + (K,)) times the elementwise derivative s (broadcastable to S)."""
    if t is None:
        return None
    return t * s[..., None] if isinstance(s, (np.ndarray, DualArray)) and s.ndim else t * s


def _plus(s, t):
    return t if s is None else s if t is None else s + t


def _neg(t):
    return None if t is None else -t


# ---- arithmetic: rules take (x, dx[, y, dy]) and return (value, dual part) ------------------------
def _add(x, dx, y, dy):
    return x + y, _plus(dx, dy)


def _subtract(x, dx, y, dy):
    return x - y, _plus(dx, _neg(dy))


def _multiply(x, dx, y, dy):
    return x * y, _plus(_scale(dx, y), _scale(dy, x))


def _divide(x, dx, y, dy):  # (a + b eps)/(c + d eps) = a/c + (b c - a d)/c**2 eps
    q = x / y
    return q, _plus(_scale(dx, 1 / y), _scale(dy, -q / y))


def _negative(x, dx):
    return -x, -dx


def _positive(x, dx):
    return +x, dx


def _power(x, dx, y, dy):  # d x**y = y x**(y-1) dx + x**y log(x) dy
    p = x ** y
    tx = None if dx is None else _scale(dx, y * x ** (y - 1))
    ty = None if dy is None else _scale(dy, p * np.log(np.where(x == 0, 1.0, x)))  # 0 at x == 0
    return p, _plus(tx, ty)


def _matmul(x, dx, y, dy):  # d(x @ y) = dx @ y + x @ dy
    return x @ y, _plus(None if dx is None else partials_at_matrix(dx, y),
                        None if dy is None else matrix_at_partials(x, dy))


# ---- elementwise functions ----------------------------------------------------------------
def _exp(x, dx):
    e = np.exp(x)
    return e, _scale(dx, e)


def _log(x, dx):
    return np.log(x), _scale(dx, 1 / x)


def _sqrt(x, dx):
    s = np.sqrt(x)
    return s, _scale(dx, 0.5 / s)


def _square(x, dx):
    return x * x, _scale(dx, 2 * x)


def _absolute(x, dx):
    return np.abs(x), _scale(dx, np.sign(x))  # sign(0) == 0: abs'(0) := 0


def _tanh(x, dx):
    t = np.tanh(x)
    return t, _scale(dx, 1 - t * t)


def _sin(x, dx):
    return np.sin(x), _scale(dx, np.cos(x))


def _cos(x, dx):
    return np.cos(x), _scale(dx, -np.sin(x))


def _tan(x, dx):
    t = np.tan(x)
    return t, _scale(dx, 1 + t * t)


def _arcsin(x, dx):
    return np.arcsin(x), _scale(dx, 1 / np.sqrt(1 - x * x))


def _arccos(x, dx):
    return np.arccos(x), _scale(dx, -1 / np.sqrt(1 - x * x))


def _arctan(x, dx):
    return np.arctan(x), _scale(dx, 1 / (1 + x * x))


def _sinh(x, dx):
    return np.sinh(x), _scale(dx, np.cosh(x))


def _cosh(x, dx):
    return np.cosh(x), _scale(dx, np.sinh(x))


def _arcsinh(x, dx):
    return np.arcsinh(x), _scale(dx, 1 / np.sqrt(x * x + 1))


def _arccosh(x, dx):
    return np.arccosh(x), _scale(dx, 1 / (np.sqrt(x - 1) * np.sqrt(x + 1)))


def _arctanh(x, dx):
    return np.arctanh(x), _scale(dx, 1 / (1 - x * x))


def _exp2(x, dx):
    e = np.exp2(x)
    return e, _scale(dx, np.log(2.0) * e)


def _expm1(x, dx):
    return np.expm1(x), _scale(dx, np.exp(x))


def _log2(x, dx):
    return np.log2(x), _scale(dx, 1 / (np.log(2.0) * x))


def _log10(x, dx):
    return np.log10(x), _scale(dx, 1 / (np.log(10.0) * x))


def _log1p(x, dx):
    return np.log1p(x), _scale(dx, 1 / (1 + x))


def _cbrt(x, dx):
    c = np.cbrt(x)
    return c, _scale(dx, 1 / (3 * c * c))


def _reciprocal(x, dx):
    r = 1 / x
    return r, _scale(dx, -r * r)


def _hypot(x, dx, y, dy):  # d sqrt(x**2 + y**2) = (x dx + y dy) / hypot
    h = np.hypot(x, y)
    return h, _plus(_scale(dx, x / h), _scale(dy, y / h))


def _arctan2(y, dy, x, dx):  # arctan2(y, x), the angle of (x, y): d = (x dy - y dx) / (x**2 + y**2)
    r2 = x * x + y * y
    return np.arctan2(y, x), _plus(_scale(dy, x / r2), _scale(dx, -y / r2))


def _erf(x, dx):
    return scipy.special.erf(x), _scale(dx, 2 / np.sqrt(np.pi) * np.exp(-x * x))


def _expit(x, dx):  # the logistic sigmoid s: s' = s (1 - s)
    e = scipy.special.expit(x)
    return e, _scale(dx, e * (1 - e))


# On a tie both branches are right; JAX splits the partials 1/2 : 1/2, which gives the MATLAB
# original's ReLU'(0) = 0.5 for np.maximum(x, 0).
def _maximum(x, dx, y, dy):
    return np.maximum(x, y), _winners_partials(np.greater, np.greater_equal, x, dx, y, dy)


def _minimum(x, dx, y, dy):
    return np.minimum(x, y), _winners_partials(np.less, np.less_equal, x, dx, y, dy)


def _winners_partials(beats, beats_or_ties, x, dx, y, dy):
    """The partials of the one of x, y that wins, half of each on a tie (a NaN: neither's)."""
    tx = None if dx is None else _scale(dx, _share(beats, beats_or_ties, x, y))
    ty = None if dy is None else _scale(dy, _share(beats, beats_or_ties, y, x))
    return _plus(tx, ty)


def _share(beats, beats_or_ties, a, b):
    """a's share: 1 where a beats b, 1/2 on a tie, else 0 (counted in uint8: cheaper than
    adding floats)."""
    return np.add(beats(a, b), beats_or_ties(a, b), dtype=np.uint8) * 0.5


# ---- reductions -----------------------------------------------------------------------------
def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):  # (normalize_axis_index is C, normalize_axis_tuple Python)
        return (normalize_axis_index(axis, ndim),)
    return normalize_axis_tuple(axis, ndim)


def _sum(a, axis=None, keepdims=False):
    axes = _axes(axis, a.ndim)  # non-negative, so they never reach the K axis
    # (np.add.reduce: ndarray.sum is a Python wrapper around it)
    return _new(np.add.reduce(a.real, axes, keepdims=keepdims),
                np.add.reduce(a.dual, axes, keepdims=keepdims), a.tag)


def _mean(a, axis=None, keepdims=False):
    return _sum(a, axis, keepdims) / np.prod([a.shape[i] for i in _axes(axis, a.ndim)])


def _max(a, axis=None, keepdims=False):
    return _first_extremum(max_with_index, a, axis, keepdims)


def _min(a, axis=None, keepdims=False):
    return _first_extremum(min_with_index, a, axis, keepdims)


def _first_extremum(with_index, a, axis, keepdims):
    """Value and dual part of the FIRST max/min along `axis` (several axes: merged in C order),
    as MATLAB's [m, i] = max(a) picks it (shared.matlab.max_with_index)."""
    axes = _axes(axis, a.ndim)
    if not axes:
        return a.copy()  # like numpy: a reduction over no axes copies
    x, ax = a, axes[0]
    if len(axes) > 1:  # move the reduced axes last and merge them into one
        rest = [i for i in range(a.ndim) if i not in axes]
        x = _reshape(_transpose(a, rest + list(axes)), tuple(a.shape[i] for i in rest) + (-1,))
        ax = x.ndim - 1
    # The reduced axis first, the others as they lie in memory (slowest first): then each
    # partial is one C-ordered block, which _pick reads as a flat view, not a copy (2x on the
    # pooling's blocks, whose channel lies slower than their column).
    value = innermost(x.real)
    others = [i for i in (range(x.ndim) if value.flags.c_contiguous else memory_order(value)) if i != ax]
    in_order = others == sorted(others)
    moved = x.real if ax == 0 and in_order else x.real.transpose([ax] + others)
    extremum, index = with_index(innermost(moved))  # the choice is the innermost values'
    if type(moved) is DualArray:  # its value carries older tags: take it by the index
        extremum = np.take_along_axis(moved, index[None], 0)[0]
    partials = _pick(kfirst(x.dual).transpose([0, ax + 1] + [i + 1 for i in others]), index)
    if not in_order:  # the other axes back in their order
        back = sorted(range(len(others)), key=others.__getitem__)
        extremum, partials = extremum.transpose(back), partials.transpose([0] + [i + 1 for i in back])
    shape = tuple(1 if j in axes else n for j, n in enumerate(a.shape) if keepdims or j not in axes)
    # the first extremum's value and partials, (K,) + index's shape -> shape (a view)
    return _new(extremum.reshape(shape), klast(partials.reshape((partials.shape[0],) + shape)), a.tag)


def _pick(t, index):
    """t[:, index[r], r] for every position r of index's shape: t (K, n) + index.shape ->
    (K,) + index.shape. The same as np.take_along_axis(t, index[None, None], 1)[:, 0], as one
    np.take on a flat view (take_along_axis builds its index grid in Python: 5x the time on
    the pooling's 4 x 4410 blocks)."""
    if type(t) is not np.ndarray:  # partials that are dual numbers themselves (nested)
        return np.take_along_axis(t, index[None, None], 1)[:, 0]
    k, n, r = t.shape[0], t.shape[1], index.size
    flat = index.reshape(-1) * r + np.arange(r)  # position r's pick in the (n, r) plane
    return np.take(t.reshape(k, n * r), flat, axis=1).reshape((k,) + index.shape)


# ---- linear and shape operations: the same operation on the value and on each partial --------------
def _reshape(a, shape, order="C", *, copy=None):
    if order not in ("C", "F"):
        raise ValueError(f"DualArray.reshape: order must be 'C' or 'F', got {order!r}")
    real = a.real.reshape(shape, order=order, copy=copy)
    # Each partial slice must be reshaped like real. In F order K (last) is the slowest axis, so
    # reshaping dual to real.shape + (K,) does it; in C order K first, (K,) + real.shape, does.
    # (Both also leave a copy partial-major.)
    k = a.dual.shape[-1]
    if order == "F":
        dual = a.dual.reshape(real.shape + (k,), order="F", copy=copy)
    else:
        dual = klast(kfirst(a.dual).reshape((k,) + real.shape, copy=copy))
    keep_one_hot(dual, a.dual, real.shape, order)
    return _new(real, dual, a.tag)


def _ravel(a, order="C"):
    return _reshape(a, -1, order=order)


def _transpose(a, axes=None):
    real = a.real.transpose(axes)  # numpy checks the axes
    n = a.ndim
    axes = tuple(range(n))[::-1] if axes is None else tuple(i % n for i in axes)
    dual = a.dual.transpose(axes + (n,))
    keep_one_hot(dual, a.dual, real.shape, None)
    return _new(real, dual, a.tag)


def _swapaxes(a, axis1, axis2):
    i, j = normalize_axis_index(axis1, a.ndim), normalize_axis_index(axis2, a.ndim)
    return _new(a.real.swapaxes(i, j), a.dual.swapaxes(i, j), a.tag)


def _moveaxis(a, source, destination):
    src = normalize_axis_tuple(source, a.ndim, "source")
    dst = normalize_axis_tuple(destination, a.ndim, "destination")
    return _new(np.moveaxis(a.real, src, dst), np.moveaxis(a.dual, src, dst), a.tag)  # K stays last


def _squeeze(a, axis=None):
    axes = tuple(i for i, n in enumerate(a.shape) if n == 1) if axis is None else _axes(axis, a.ndim)
    return _new(a.real.squeeze(axes), a.dual.squeeze(axes), a.tag)  # never squeeze K, even if K == 1


def _expand_dims(a, axis):
    real = np.expand_dims(a.real, axis)
    return _new(real, np.expand_dims(a.dual, normalize_axis_tuple(axis, real.ndim)), a.tag)


def _broadcast_to(array, shape, subok=False):
    real = np.broadcast_to(array.real, shape)
    return _new(real, np.broadcast_to(array.dual, real.shape + (array.n_partials,)), array.tag)


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    real = sliding_window_view(x.real, window_shape, axis, writeable=writeable)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    dual = sliding_window_view(kfirst(x.dual), window_shape, tuple(i + 1 for i in axes), writeable=writeable)
    return _new(real, klast(dual), x.tag)


_INDEX_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")  # pads that copy entries: linear


def _pad(array, pad_width, mode="constant", **kwargs):
    width = [[0, 0]] + np.broadcast_to(np.asarray(pad_width), (array.ndim, 2)).tolist()
    if mode == "constant":  # the constant is plain: its partials are 0
        dual = np.pad(kfirst(array.dual), width)
    elif mode in _INDEX_PAD_MODES:
        dual = np.pad(kfirst(array.dual), width, mode, **kwargs)
    else:
        raise TypeError(f"DualArray does not support numpy.pad with mode={mode!r}")
    return _new(np.pad(array.real, pad_width, mode, **kwargs), klast(dual), array.tag)


def _concatenate(arrays, axis=0):
    tag, k = _level(arrays)
    if axis is None:
        arrays, axis = [np.ravel(x) for x in arrays], 0
    real = np.concatenate([_value_at(x, tag) for x in arrays], axis)
    ax = normalize_axis_index(axis, real.ndim) + 1
    return _new(real, klast(np.concatenate([kfirst(partials_at(x, tag, k)) for x in arrays], ax)),
                tag)


def _stack(arrays, axis=0):
    tag, k = _level(arrays)
    real = np.stack([_value_at(x, tag) for x in arrays], axis)
    ax = normalize_axis_index(axis, real.ndim) + 1
    return _new(real, klast(np.stack([kfirst(partials_at(x, tag, k)) for x in arrays], ax)), tag)


def _where(condition, x=None, y=None):
    if isinstance(condition, DualArray) or x is None or y is None:
        raise TypeError("DualArray supports numpy.where(condition, x, y) with a plain condition only")
    (tag, k), c = _level((x, y)), np.asarray(condition)
    real = np.where(c, _value_at(x, tag), _value_at(y, tag))
    dual = np.where(c[..., None], partials_at(x, tag, k), partials_at(y, tag, k))
    return _new(real, _fit(dual, real.shape + (k,)), tag)


def _take_along_axis(arr, indices, axis):
    """The same entries of the value and of each partial (indices from plain values)."""
    ax = normalize_axis_index(axis, arr.ndim)
    return _new(np.take_along_axis(arr.real, indices, ax),
                np.take_along_axis(arr.dual, np.asarray(indices)[..., None], ax), arr.tag)


def _zeros_like(a, dtype=None, order="K", subok=True, shape=None):
    """A DualArray of zeros with zero partials (same K and tag): writing duals into it keeps
    them (values of older tags too: ``__setitem__`` makes its parts able to hold them)."""
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise TypeError(f"a DualArray is float64; zeros_like got dtype={dtype!r}")
    shape = a.shape if shape is None else tuple(np.atleast_1d(shape))
    return _new(np.zeros(shape), zeros(shape, a.n_partials), a.tag)


def _ones_like(a, dtype=None, order="K", subok=True, shape=None):
    out = _zeros_like(a, dtype, order, subok, shape)
    out.real[...] = 1.0
    return out


def _copy(a, order="K", subok=False):
    return a.copy(order=order)


def _dot(a, b, out=None):
    if out is None and (np.ndim(a) == 0 or np.ndim(b) == 0):
        return np.multiply(a, b)
    if out is None and np.ndim(a) <= 2 and np.ndim(b) <= 2:
        return np.matmul(a, b)
    raise TypeError("DualArray supports numpy.dot for operands of at most 2 dimensions, without out=")


def _einsum(subscripts, *operands, out=None, **kwargs):
    """Product rule: one einsum per dual operand, with its partials under an extra label for K."""
    if not isinstance(subscripts, str) or out is not None:
        raise TypeError("DualArray supports numpy.einsum('ij,jk->ik', ...) with a subscripts string, without out=")
    inputs, output = parse_subscripts(subscripts)
    (tag, k), z = _level(operands), free_label(subscripts)
    reals = [_value_at(x, tag) for x in operands]
    real, dual = np.einsum(subscripts, *reals, **kwargs), None
    real = real if type(real) is DualArray else np.asarray(real)
    for i, x in enumerate(operands):
        if tag_of(x) == tag:
            spec = ",".join(s + z if j == i else s for j, s in enumerate(inputs)) + "->" + z + output
            term = np.einsum(spec, *reals[:i], x.dual, *reals[i + 1:], **kwargs)
            dual = _plus(dual, term)  # (K,) + output shape
    return _new(real, _fit(klast(dual), real.shape + (k,)), tag)


def _add_at(a, indices, b):
    """np.add.at (unbuffered scatter-add, e.g. col2im): linear, so the same on each partial."""
    if tag_of(a) < tag_of(b):
        raise TypeError("numpy.add.at into a plain array (or a DualArray of an older tag) would "
                        "drop the dual part of the values")
    a.real = _able_to_hold(a.real, _value_at(b, a.tag))
    np.add.at(a.real, indices, _value_at(b, a.tag))
    if tag_of(b) == a.tag:
        _level((a, b))
        a.dual = _able_to_hold(a.dual, b.dual)
        np.add.at(a.dual, _dual_index(indices), b.dual)


def _able_to_hold(part, value):
    """``part`` (a value or dual part of a DualArray), or, where ``value`` carries a newer tag
    than part (part plain, or of an older tag), part as a constant of value's tag: zero
    partials, sharing part's numbers, so that value can be written into it."""
    if tag_of(value) <= tag_of(part):
        return part
    return _new(part, zeros(np.shape(part), value.n_partials), value.tag)


# ---- operators straight to their rules -----------------------------------------------------------
# NDArrayOperatorsMixin's operators call the ufunc, which numpy hands back to __array_ufunc__:
# about 1 us an operation, on every + - * / @ of a training iteration. With a number or an
# array on the other side these go to the rule at once (the same _apply); anything else
# (a list, an object that opts out of ufuncs) takes the mixin's way.
_OPERAND_TYPES = frozenset({DualArray, np.ndarray, float, int, np.float64})


def _operator(rule, mixin_method, reflected):
    def method(self, other):
        if type(other) not in _OPERAND_TYPES:
            return mixin_method(self, other)
        return _apply(rule, (other, self) if reflected else (self, other))
    method.__name__ = mixin_method.__name__
    return method


for _name, _rule in (("add", _add), ("sub", _subtract), ("mul", _multiply),
                     ("truediv", _divide), ("matmul", _matmul)):
    for _reflected, _dunder in ((False, f"__{_name}__"), (True, f"__r{_name}__")):
        setattr(DualArray, _dunder,
                _operator(_rule, getattr(NDArrayOperatorsMixin, _dunder), _reflected))
DualArray.__neg__ = lambda self: _apply(_negative, (self,))


# ---- the tables ---------------------------------------------------------------------------------
_UFUNCS = {
    np.add: _add, np.subtract: _subtract, np.multiply: _multiply, np.true_divide: _divide,
    np.negative: _negative, np.positive: _positive, np.power: _power, np.matmul: _matmul,
    np.exp: _exp, np.log: _log, np.sqrt: _sqrt, np.square: _square, np.absolute: _absolute,
    np.tanh: _tanh, np.maximum: _maximum, np.minimum: _minimum,
    np.sin: _sin, np.cos: _cos, np.tan: _tan, np.arcsin: _arcsin, np.arccos: _arccos,
    np.arctan: _arctan, np.sinh: _sinh, np.cosh: _cosh, np.arcsinh: _arcsinh,
    np.arccosh: _arccosh, np.arctanh: _arctanh, np.exp2: _exp2, np.expm1: _expm1,
    np.log2: _log2, np.log10: _log10, np.log1p: _log1p, np.cbrt: _cbrt,
    np.reciprocal: _reciprocal, np.hypot: _hypot, np.arctan2: _arctan2,
    scipy.special.erf: _erf, scipy.special.expit: _expit,
}
# Functions of the value only (piecewise constant): a plain result from the innermost values,
# so their derivatives, of any order, are 0 (ReLU'' = 0).
_PLAIN_UFUNCS = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
                 np.isfinite, np.isnan, np.sign}
_FUNCTIONS = {
    np.sum: _sum, np.mean: _mean, np.max: _max, np.amax: _max, np.min: _min, np.amin: _min,
    np.reshape: _reshape, np.ravel: _ravel, np.transpose: _transpose, np.swapaxes: _swapaxes,
    np.moveaxis: _moveaxis, np.squeeze: _squeeze, np.expand_dims: _expand_dims,
    np.broadcast_to: _broadcast_to, sliding_window_view: _sliding_window_view, np.pad: _pad,
    np.concatenate: _concatenate, np.stack: _stack, np.where: _where,
    np.take_along_axis: _take_along_axis,
    np.zeros_like: _zeros_like, np.ones_like: _ones_like, np.copy: _copy,
    np.dot: _dot, np.einsum: _einsum,
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
}


# ---- adding a rule --------------------------------------------------------------------------
_BUILT_IN = frozenset(_UFUNCS)


def defjvp(ufunc, *derivatives):
    """Give the elementwise ``ufunc`` (a numpy or scipy ufunc with n arguments) a rule:
    ``derivatives[i](value, *args)`` returns d ufunc / d args[i] at the arguments (``value`` is
    ``ufunc(*args)``), an array broadcastable to the value, or a number. The rule then computes
    the value and the dual part sum_i derivative_i * (partials of args[i]), as every rule above
    does (HIPS autograd's ``defjvp``, with partial derivatives instead of JVP makers). Written
    with numpy calls only, a derivative works on nested dual numbers too (second derivatives).
    Returns ``ufunc``. ``deljvp`` takes the rule away again.

        defjvp(np.logaddexp, lambda v, x, y: np.exp(x - v), lambda v, x, y: np.exp(y - v))
    """
    if not isinstance(ufunc, np.ufunc):
        raise TypeError(f"defjvp: {ufunc!r} is not a ufunc (np.logaddexp, scipy.special.erf, "
                        "...); other numpy functions are written in dual/dual_array.py")
    name, n = ufunc.__name__, ufunc.nin
    if ufunc in _BUILT_IN or ufunc in _PLAIN_UFUNCS:
        raise ValueError(f"defjvp: {name} has a rule already (dual/dual_array.py)")
    if len(derivatives) != n:
        raise TypeError(f"defjvp: {name} takes {n} argument{'s' * (n > 1)}: give {n} "
                        f"derivative{'s' * (n > 1)}, one by each, got {len(derivatives)}")
    names = ["x", "y", "z"][:n] if n <= 3 else [f"x{i}" for i in range(n)]
    takes = ", ".join(["value"] + names)
    for i, d in enumerate(derivatives):
        if not callable(d):
            raise TypeError(f"defjvp: the derivative of {name} by argument {i + 1} is "
                            f"{type(d).__name__}, not a function of ({takes})")
        try:
            inspect.signature(d).bind(*range(n + 1))
        except TypeError:
            raise TypeError(f"defjvp: the derivative of {name} by argument {i + 1} must take "
                            f"({takes}): the value, then the arguments") from None
        except ValueError:  # no signature to read (a builtin): called as it is
            pass

    def rule(*args):  # (x, dx, y, dy, ...): values and dual parts, a dual part None for 0
        xs, ts = args[0::2], args[1::2]
        value, dual = ufunc(*xs), None
        for i, (d, t) in enumerate(zip(derivatives, ts)):
            if t is not None:
                dual = _plus(dual, _scale(t, _derivative_of(name, i, d(value, *xs), value)))
        return value, dual

    _UFUNCS[ufunc] = rule
    return ufunc


def _derivative_of(name, i, s, value):
    """A derivative a defjvp function returned, checked: an array or number broadcastable to
    the value -> as an array of the value's shape (a DualArray: as it is)."""
    if type(s) is DualArray:
        return s
    if s is None or not isinstance(s, (int, float, np.ndarray, np.number)):
        raise TypeError(f"the rule of {name}: its derivative by argument {i + 1} returned "
                        f"{type(s).__name__}, not an array or a number (did it return at all?)")
    try:
        return np.broadcast_to(s, np.shape(value))
    except ValueError:
        raise ValueError(f"the rule of {name}: its derivative by argument {i + 1} has shape "
                         f"{np.shape(s)}, which does not broadcast to the value's "
                         f"{np.shape(value)}") from None


def deljvp(ufunc):
    """Take away the rule ``defjvp`` gave ``ufunc`` (the built-in rules stay)."""
    if ufunc in _BUILT_IN:
        raise ValueError(f"deljvp: {ufunc.__name__}'s rule is built in (dual/dual_array.py)")
    if _UFUNCS.pop(ufunc, None) is None:
        raise ValueError(f"deljvp: {getattr(ufunc, '__name__', ufunc)} has no rule from defjvp")
