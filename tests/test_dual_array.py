"""Tests of dual/dual_array.py: every rule by hand, against analytic derivatives and against
finite differences; the tie conventions; broadcasting; K > 1; mixed operands; adjoint checks
for the linear operations; operations that must fail loudly; printing."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from scipy.differentiate import derivative

from dual.dual_array import DualArray

EPS = np.finfo(float).eps  # 2.2e-16: one unit in the last place (ulp) of 1.0, relative
# numpy's exp/log/power/tanh kernels (SVML on AVX-512, its own on AVX2, libm on the x86-64-v2
# baseline) and Python's math module differ by up to a few ulp: 4 ulp, relative.
KERNEL = 4 * EPS


def d(a, *partials):
    """The 0-d dual number a + partials*eps."""
    return DualArray(a, list(partials))


def assert_dual(x, real, dual, rtol=0.0):
    """x is a DualArray with the given real part and partials (exactly, unless rtol > 0).

    Exact by default: for copies, selections, and +, -, *, / on small integers and halves, which
    IEEE 754 rounds correctly (here: exactly) on every CPU and SIMD width."""
    assert isinstance(x, DualArray)
    real, dual = np.asarray(real, float), np.asarray(dual, float)
    assert x.real.shape == real.shape and x.dual.shape == dual.shape
    np.testing.assert_allclose(x.real, real, rtol=rtol, atol=0)
    np.testing.assert_allclose(x.dual, dual, rtol=rtol, atol=0)


def rel_err(a, b):
    return np.linalg.norm(np.ravel(a - b)) / np.linalg.norm(np.ravel(b))


def directional_fd(f, args, directions, h=1e-3):
    """d/dt f(args + t*directions) at t = 0: central differences at h and h/2 combined by one
    Richardson step, so the error is O(h**4) (~1e-12 here) plus rounding (~eps/h)."""
    def g(t):
        return f(*[a + t * v for a, v in zip(args, directions)])
    d1 = (g(h) - g(-h)) / (2 * h)
    d2 = (g(h / 2) - g(-h / 2)) / h
    return (4 * d2 - d1) / 3


def check_jvp(f, *args, seeded=None, k=3, tol=1e-10, seed=0):
    """dual(f(x + V eps)) == J(x) @ V, column by column against finite differences.

    `seeded` lists the arguments that become DualArrays (default: all); the others stay plain
    ndarrays, which also tests mixing. Returns the dual result.
    """
    rng = np.random.default_rng(seed)
    seeded = range(len(args)) if seeded is None else seeded
    args = [np.asarray(a, dtype=float) for a in args]
    seeds = [rng.standard_normal(a.shape + (k,)) if i in seeded else np.zeros(a.shape + (k,))
             for i, a in enumerate(args)]
    out = f(*[DualArray(a, v) if i in seeded else a for i, (a, v) in enumerate(zip(args, seeds))])
    assert isinstance(out, DualArray)
    expected = f(*args)
    assert out.real.shape == np.shape(expected) and out.dual.shape == np.shape(expected) + (k,)
    # the same numpy calls on the same values; another layout may take another SIMD loop or BLAS
    # kernel: a few ulp of the result, or of the largest entry where a sum cancels
    np.testing.assert_allclose(out.real, expected, rtol=1e-14, atol=1e-14 * np.max(np.abs(expected)))
    for j in range(k):
        fd = directional_fd(f, args, [v[..., j] for v in seeds])
        assert rel_err(out.dual[..., j], fd) <= tol, (j, out.dual[..., j], fd)  # FD error ~1e-12, not ulps
    return out


RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.standard_normal(shape)


def separated(*shape, gap=0.1):
    """Random values at least `gap` apart and `gap`/2 away from 0: no kink within the FD steps."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2 + 0.5) * 2 * gap + RNG.uniform(-gap / 4, gap / 4, n)
    return RNG.permutation(values).reshape(shape)


# ---- construction, properties, printing ------------------------------------------------------
def test_constructor_checks_the_shape_of_dual():
    with pytest.raises(ValueError, match=r"real.shape \+ \(K,\)"):
        DualArray(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"got dual of shape \(3, 2, 1\)"):
        DualArray(np.zeros((2, 3)), np.zeros((3, 2, 1)))
    with pytest.raises(ValueError):
        DualArray(2.0, 1.0)  # the scalar's partials are a vector of length K


def test_properties_and_constant():
    x = DualArray(np.arange(6.0).reshape(2, 3), np.ones((2, 3, 4)))
    assert (x.shape, x.ndim, x.size, x.n_partials, len(x)) == ((2, 3), 2, 6, 4, 2)
    assert x.real.dtype == np.float64 and x.dual.dtype == np.float64
    assert_dual(x.T, x.real.T, np.ones((3, 2, 4)))
    c = DualArray.constant([1, 2], 3)
    assert_dual(c, [1.0, 2.0], np.zeros((2, 3)))
    assert [r.real.item() for r in x[0]] == [0.0, 1.0, 2.0]


def test_broadcast_seeds_become_a_writable_partial_major_array():
    seeds = np.broadcast_to(np.eye(3)[:, None, :], (3, 4, 3))  # read-only, zero strides
    x = DualArray(np.zeros((3, 4)), seeds)
    np.testing.assert_array_equal(x.dual, seeds)  # a copy: exact
    x[0, 0] = d(1.0, 5.0, 5.0, 5.0)
    assert x.dual[0, 0, 1] == 5.0 and x.dual[0, 1, 1] == 0.0  # copied values: exact


def each_partial_is_one_block(t):
    """dual[..., k] is a contiguous block for every k (K is the slowest axis in memory)."""
    block = np.moveaxis(t, -1, 0)[0]
    return (block.flags.c_contiguous or block.flags.f_contiguous) and t.strides[-1] == block.nbytes


def test_rules_keep_each_partial_contiguous():
    x = DualArray(randn(4, 6, 3), randn(4, 6, 3, 5))
    plain = RNG.standard_normal((4, 6, 3))
    assert each_partial_is_one_block(x.dual)
    for y in [x * plain, np.maximum(x, 0), x + 1.0, np.exp(x), x.copy(), np.sum(x, axis=(0, 1)),
              x.reshape(8, 9, order="F"), x.transpose(1, 0, 2).reshape(-1), np.max(x, axis=(0, 2)),
              np.pad(x, 1), x @ np.ones((3, 2)), np.ones((2, 4)) @ x.transpose(2, 0, 1),
              np.einsum("ijk,kl->ijl", x, np.ones((3, 2))), np.concatenate([x, plain]),
              np.where(plain > 0, x, 0), np.zeros_like(x), DualArray.constant(plain, 2)]:
        assert each_partial_is_one_block(y.dual)


def test_copy_is_independent():
    x = DualArray(np.zeros(2), np.zeros((2, 1)))
    y = x.copy()
    y[0] = d(1.0, 1.0)
    assert x.real[0] == 0 and x.dual[0, 0] == 0  # untouched zeros: exact


def test_scalar_prints_as_a_plus_b_eps():
    assert repr(d(2.0, 1.0)) == "2.0 + 1.0ε" == str(d(2.0, 1.0))
    assert repr(1 / d(2.0, 1.0)) == "0.5 - 0.25ε"
    assert repr(d(-1.5, 0.0)) == "-1.5 + 0.0ε"
    assert repr(d(2.0, 1.0, -3.0)) == "2.0 + [1.0, -3.0]ε"
    assert repr(DualArray([1.0, 2.0], [[1.0], [2.0]])).startswith("DualArray([1., 2.],")


# ---- arithmetic by hand ------------------------------------------------------------------------
# +, -, *, / and sqrt on these small values are exact in IEEE 754, on every CPU: no tolerance
@pytest.mark.parametrize("expr, real, dual", [
    (lambda: d(2.0, 1.0) * d(3.0, 0.0), 6.0, [3.0]),
    (lambda: d(2.0, 1.0) + d(3.0, 5.0), 5.0, [6.0]),
    (lambda: d(2.0, 1.0) - d(3.0, 5.0), -1.0, [-4.0]),
    (lambda: 1 / d(2.0, 1.0), 0.5, [-0.25]),
    (lambda: d(1.0, 2.0) / d(4.0, 8.0), 0.25, [(2 * 4 - 1 * 8) / 16]),  # (b c - a d)/c**2
    (lambda: -d(2.0, 1.0), -2.0, [-1.0]),
    (lambda: +d(2.0, 1.0), 2.0, [1.0]),
    (lambda: np.sqrt(d(4.0, 1.0)), 2.0, [0.25]),
    (lambda: np.square(d(3.0, 1.0)), 9.0, [6.0]),
    (lambda: abs(d(-2.0, 1.0)), 2.0, [-1.0]),
    (lambda: np.abs(d(3.0, 1.0)), 3.0, [1.0]),
    (lambda: np.dot(d(2.0, 1.0), 3.0), 6.0, [3.0]),
    (lambda: DualArray([1.0, 2.0], [[1.0], [0.0]]) @ np.array([3.0, 4.0]), 11.0, [3.0]),
    (lambda: np.sum(DualArray([1.0, 2.0], [[1.0], [5.0]])), 3.0, [6.0]),
])
def test_hand_computed(expr, real, dual):
    assert_dual(expr(), real, dual)


# power, exp, log and tanh go through numpy's SIMD kernels, the expected values through
# Python's libm: a kernel's few ulp on each side, and one rounding of the product
@pytest.mark.parametrize("expr, real, dual", [
    (lambda: d(2.0, 1.0) ** 3, 8.0, [12.0]),
    (lambda: d(4.0, 1.0) ** 0.5, 2.0, [0.25]),
    (lambda: 2.0 ** d(3.0, 1.0), 8.0, [8 * math.log(2)]),
    (lambda: d(2.0, 1.0) ** d(3.0, 1.0), 8.0, [12 + 8 * math.log(2)]),
    (lambda: d(0.0, 1.0) ** d(2.0, 1.0), 0.0, [0.0]),  # x log x -> 0 at x = 0
    (lambda: np.exp(d(0.0, 1.0)), 1.0, [1.0]),
    (lambda: np.log(d(2.0, 1.0)), math.log(2), [0.5]),
    (lambda: np.tanh(d(0.0, 1.0)), 0.0, [1.0]),
])
def test_hand_computed_through_kernels(expr, real, dual):
    assert_dual(expr(), real, dual, rtol=2 * KERNEL)


# magnitudes in [1e-6, 1e3] or exactly 0: no underflow, so relative error bounds hold
bounded = st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.floats(-1e3, -1e-6))
away_from_zero = st.one_of(st.floats(0.5, 1e3), st.floats(-1e3, -0.5))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(a=bounded, b=bounded, c=bounded, e=bounded)
def test_property_add_sub_mul(a, b, c, e):
    # exact: both sides do the same correctly rounded IEEE operations in the same order, which
    # give the same bits on every CPU and SIMD width (no subnormals here, so flush-to-zero is moot)
    x, y = d(a, b), d(c, e)
    assert_dual(x + y, a + c, [b + e])
    assert_dual(x - y, a - c, [b - e])
    assert_dual(x * y, a * c, [b * c + e * a])
    assert_dual(x * c, a * c, [b * c])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(a=bounded, b=bounded, c=away_from_zero, e=bounded)
def test_property_quotient_rule(a, b, c, e):
    q = d(a, b) / d(c, e)
    assert q.real == a / c  # one correctly rounded IEEE division on both sides: exact
    # (b c - a e)/c**2, to rounding relative to the size of the terms that may cancel: five
    # roundings on either side, <= 4 eps in all; 1e-14 leaves room (and a wrong rule misses by far)
    assert abs(q.dual[0] - (b * c - a * e) / c**2) <= 1e-14 * (abs(b * c) + abs(a * e)) / c**2


@settings(max_examples=100, deadline=None, derandomize=True)
@given(a=st.floats(0.1, 10), b=bounded, p=st.floats(-3, 3))
def test_property_power_rule(a, b, p):
    y = d(a, b) ** p
    # numpy's power kernel against Python's libm pow: 1 ulp apart with AVX-512 here
    np.testing.assert_allclose(y.real, a**p, rtol=KERNEL, atol=0)
    # two pow kernels and three roundings on either side (measured: <= 2 eps)
    assert abs(y.dual[0] - p * a ** (p - 1) * b) <= 1e-14 * abs(p * a ** (p - 1) * b)


# ---- elementwise functions: analytic derivative and scipy's finite differences ------------------
@pytest.mark.parametrize("f, df, lo, hi", [
    (np.exp, np.exp, -3, 3),
    (np.log, lambda x: 1 / x, 0.1, 5),
    (np.sqrt, lambda x: 0.5 / np.sqrt(x), 0.1, 5),
    (np.tanh, lambda x: 1 / np.cosh(x) ** 2, -3, 3),
    (np.square, lambda x: 2 * x, -3, 3),
    (np.abs, np.sign, 0.05, 3),
    (np.abs, np.sign, -3, -0.05),
    (lambda x: x**2.5, lambda x: 2.5 * x**1.5, 0.1, 3),
    (lambda x: x**-2, lambda x: -2 * x**-3.0, 0.5, 3),
    (lambda x: 3.0**x, lambda x: 3.0**x * np.log(3.0), -2, 2),
    (lambda x: x**x, lambda x: x**x * (np.log(x) + 1), 0.2, 3),
    (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, -4, 4),
])
def test_elementwise_against_analytic_and_scipy(f, df, lo, hi):
    x = np.linspace(lo, hi, 41)
    y = f(DualArray(x, np.ones((41, 1))))
    np.testing.assert_allclose(y.real, f(x), rtol=KERNEL)  # the same kernels on the same values
    # the rule and the formula take other paths through the kernels (a few ulp each, 1e-14
    # relative); 1 - tanh**2 near |x| = 3 and log(x) + 1 near 1/e cancel: those lose the kernel's
    # few ulp in absolute terms, hence a floor of 4 eps (2.2e-16 x measured 1 to 2 here)
    np.testing.assert_allclose(y.dual[:, 0], df(x), rtol=1e-14, atol=4 * EPS)
    step = np.minimum(0.5, np.abs(x) / 4) if lo * hi > 0 else 0.5  # stay inside the domain / off the kink
    fd = derivative(f, x, initial_step=step, tolerances=dict(rtol=1e-12, atol=1e-13))
    assert fd.success.all()
    np.testing.assert_allclose(y.dual[:, 0], fd.df, rtol=1e-10, atol=0)  # scipy's FD tolerance, not ulps


# ---- kinks: ties and abs at 0 -------------------------------------------------------------------
def test_relu_at_zero_is_half():
    assert_dual(np.maximum(0, d(0.0, 1.0)), 0.0, [0.5])
    assert_dual(np.maximum(d(0.0, 1.0), 0.0), 0.0, [0.5])
    x = DualArray([-1.0, 0.0, 2.0], np.ones((3, 1)))
    assert_dual(np.maximum(x, 0), [0.0, 0.0, 2.0], [[0.0], [0.5], [1.0]])


def test_maximum_and_minimum_split_ties_between_two_duals():
    x, y = d(1.0, 1.0, 0.0), d(1.0, 3.0, 2.0)
    assert_dual(np.maximum(x, y), 1.0, [2.0, 1.0])
    assert_dual(np.minimum(x, y), 1.0, [2.0, 1.0])
    assert_dual(np.maximum(x, d(0.5, 7.0, 7.0)), 1.0, [1.0, 0.0])  # no tie: the winner's tangent
    assert_dual(np.minimum(x, d(0.5, 7.0, 7.0)), 0.5, [7.0, 7.0])
    assert_dual(np.minimum(0.0, d(0.0, 4.0)), 0.0, [2.0])


def test_abs_at_zero_has_zero_derivative():
    assert_dual(abs(d(0.0, 1.0)), 0.0, [0.0])
    assert_dual(np.abs(DualArray([-0.0, 0.0], [[2.0], [3.0]])), [0.0, 0.0], [[0.0], [0.0]])


def test_max_along_an_axis_passes_the_first_maximum():
    real = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
    dual = np.arange(6.0).reshape(2, 3, 1) + 10  # a distinct tangent per entry
    x = DualArray(real, dual)
    assert_dual(np.max(x, axis=1), [3.0, 2.0], [[11.0], [13.0]])
    assert_dual(x.max(axis=1, keepdims=True), [[3.0], [2.0]], [[[11.0]], [[13.0]]])
    assert_dual(np.max(x, axis=0), [2.0, 3.0, 3.0], [[13.0], [11.0], [12.0]])
    assert_dual(np.max(x), 3.0, [11.0])  # all axes: the first in C order
    assert_dual(np.amax(x, axis=-1), [3.0, 2.0], [[11.0], [13.0]])
    assert_dual(np.min(x, axis=1), [1.0, 1.0], [[10.0], [15.0]])
    assert_dual(np.min(DualArray([[2.0, 1.0, 1.0]], dual[:1]), axis=1), [1.0], [[11.0]])


def test_max_over_several_axes_first_in_c_order_of_those_axes():
    real = np.zeros((2, 2, 3))
    real[:, 1, 0] = 5.0  # a tie between (0,1,0) and (1,1,0)
    dual = np.arange(12.0).reshape(2, 2, 3, 1)
    m = np.max(DualArray(real, dual), axis=(0, 1))
    assert_dual(m, [5.0, 0.0, 0.0], [[dual[0, 1, 0, 0]], [dual[0, 0, 1, 0]], [dual[0, 0, 2, 0]]])
    mk = np.max(DualArray(real, dual), axis=(1, 0), keepdims=True)
    assert_dual(mk, m.real.reshape(1, 1, 3), m.dual.reshape(1, 1, 3, 1))


def test_pooling_block_first_maximum_in_column_major_order():
    # a 2x2 block [[7, 7], [7, 0]]: column-major order visits (0,0), (1,0), (0,1), (1,1)
    block = DualArray([[7.0, 7.0], [7.0, 0.0]], np.array([[1.0, 2.0], [3.0, 4.0]])[..., None])
    assert_dual(np.max(block.reshape(-1, order="F")), 7.0, [1.0])
    block.real[0, 0] = 6.0  # now (1,0) comes first in column-major order, (0,1) in row-major
    assert_dual(np.max(block.reshape(-1, order="F")), 7.0, [3.0])
    assert_dual(np.max(block.reshape(-1)), 7.0, [2.0])


# ---- broadcasting, K > 1, mixed operands ---------------------------------------------------------
def test_broadcasting_column_with_row():
    a = DualArray(randn(3, 1), randn(3, 1, 2))
    b = DualArray(randn(1, 4), randn(1, 4, 2))
    s = a + b
    assert s.dual.shape == (3, 4, 2)
    np.testing.assert_array_equal(s.dual, a.dual + b.dual)  # (3,1,K) + (1,4,K); the same IEEE sums: exact
    p = a * b
    # the same correctly rounded products and sums in the same order: exact on any CPU
    np.testing.assert_array_equal(p.dual, a.dual * b.real[..., None] + b.dual * a.real[..., None])
    check_jvp(lambda x, y: x * y / (1 + y * y), randn(3, 1), randn(1, 4))


def test_broadcasting_with_scalars_and_plain_arrays():
    x = d(2.0, 1.0, -1.0)
    y = x * np.arange(6.0).reshape(2, 3)
    assert_dual(y, 2 * np.arange(6.0).reshape(2, 3),
                np.arange(6.0).reshape(2, 3, 1) * np.array([1.0, -1.0]))
    a = DualArray(randn(2, 3), randn(2, 3, 2))
    np.testing.assert_array_equal((a + x).dual, a.dual + x.dual)  # (2,3,K) + (K,); the same sums: exact
    np.testing.assert_array_equal((x - 1.0).dual, x.dual)  # a copy: exact
    b = DualArray(randn(2, 1), randn(2, 1, 5))
    w = np.zeros((4, 1, 3)) + b
    assert w.shape == (4, 2, 3) and w.dual.shape == (4, 2, 3, 5)
    np.testing.assert_array_equal(w.dual, np.broadcast_to(b.dual, (4, 2, 3, 5)))  # 0 + b: exact


def test_results_do_not_share_partials_with_operands():
    x = DualArray(np.zeros(3), np.ones((3, 1)))
    for y in (x + 0.0, +x, 0.0 + x, x - 0.0):
        y.dual[...] = 7.0
        assert np.all(x.dual == 1.0)  # untouched: exact


def test_k_partials_are_independent_directions():
    x, v = separated(3, 4), randn(3, 4, 5)

    def f(a):
        return np.sum((np.maximum(np.exp(a) * a, 0.3) @ np.ones((4, 2))) ** 2, axis=0)

    full = f(DualArray(x, v))
    for j in range(5):
        one = f(DualArray(x, v[..., j:j + 1]))
        # K = 5 and K = 1 may take other BLAS kernels (other summation orders): a few ulp of the
        # result, or of the largest entry where the 3-term sums cancel
        np.testing.assert_allclose(full.dual[..., j], one.dual[..., 0], rtol=1e-14,
                                   atol=1e-14 * np.max(np.abs(one.dual)))


def test_different_k_is_a_value_error():
    with pytest.raises(ValueError, match="same number of partials"):
        d(1.0, 1.0) + d(1.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="same number of partials"):
        np.concatenate([DualArray([1.0], [[1.0]]), DualArray([1.0], [[1.0, 2.0]])])


@pytest.mark.parametrize("plain", [2.0, 2, np.float64(2.0), np.int64(2), np.array(2.0), np.array([2.0, 2.0])])
def test_mixing_plain_operands_on_both_sides(plain):
    x = d(3.0, 1.0)
    shape = np.shape(plain)
    cases = [
        (x + plain, 5.0, 1.0), (plain + x, 5.0, 1.0), (x - plain, 1.0, 1.0), (plain - x, -1.0, -1.0),
        (x * plain, 6.0, 2.0), (plain * x, 6.0, 2.0), (x / plain, 1.5, 0.5), (plain / x, 2 / 3, -2 / 9),
        (x**plain, 9.0, 6.0), (plain**x, 8.0, 8 * math.log(2)),
        (np.maximum(plain, x), 3.0, 1.0), (np.minimum(x, plain), 2.0, 0.0),
    ]
    for y, real, dual in cases:
        # exact but for the power rows (numpy's pow and log kernels against Python's libm)
        assert_dual(y, np.full(shape, real), np.full(shape + (1,), dual), rtol=2 * KERNEL)
    assert (x > plain).all() and not (plain > x).any() and (x != plain).all()


def test_comparisons_return_plain_bool_arrays():
    x = DualArray([1.0, 2.0, 3.0], np.ones((3, 1)))
    for out, expected in [(x > 2, [0, 0, 1]), (x >= 2, [0, 1, 1]), (x < 2, [1, 0, 0]),
                          (x <= 2, [1, 1, 0]), (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1]),
                          (2 < x, [0, 0, 1]), (x > DualArray([3.0, 0, 0], np.zeros((3, 1))), [0, 1, 1])]:
        assert type(out) is np.ndarray and out.dtype == bool
        np.testing.assert_array_equal(out, np.array(expected, bool))
    y = DualArray([1.0, np.inf, np.nan], np.ones((3, 1)))
    np.testing.assert_array_equal(np.isfinite(y), [True, False, False])
    np.testing.assert_array_equal(np.isnan(y), [False, False, True])


def test_in_place_operators_write_into_the_dual_array():
    x = DualArray(np.ones(2), np.ones((2, 1)))
    alias = x
    x += d(1.0, 2.0)
    x *= 2.0
    assert alias is x
    assert_dual(x, [4.0, 4.0], [[6.0], [6.0]])


# ---- JVP against finite differences, every op -----------------------------------------------------
A34, B45, V4, SEP23 = randn(3, 4), randn(4, 5), randn(4), separated(2, 3)
IMG = randn(2, 5, 6)

JVP_CASES = {
    # arithmetic and elementwise
    "add_sub": (lambda x, y: x + y - 2 * x, [randn(3, 1), randn(1, 4)]),
    "mul_div": (lambda x, y: x * y / (2 + y), [randn(3, 4), RNG.uniform(0.5, 2, (3, 4))]),
    "power": (lambda x, y: x**y + x**2 + 2.0**y, [RNG.uniform(0.5, 2, 5), randn(5)]),
    "exp_log_sqrt": (lambda x: np.log(np.sqrt(np.exp(x) + 1)), [randn(2, 3)]),
    "tanh_square": (lambda x: np.tanh(np.square(x)), [randn(2, 3)]),
    "abs_neg": (lambda x: -abs(x), [separated(2, 3)]),
    "maximum_minimum": (lambda x, y: np.maximum(x, y) * np.minimum(x, 0.0), [SEP23, -SEP23]),
    # matmul in every arrangement of vectors, matrices and batches
    "matmul_2d_2d": (lambda x, y: x @ y, [A34, B45]),
    "matmul_1d_2d": (lambda x, y: x @ y, [V4, B45]),
    "matmul_2d_1d": (lambda x, y: x @ y, [A34, V4]),
    "matmul_1d_1d": (lambda x, y: x @ y, [V4, randn(4)]),
    "matmul_batch_2d": (lambda x, y: x @ y, [randn(2, 3, 4), B45]),
    "matmul_2d_batch": (lambda x, y: x @ y, [A34, randn(2, 4, 5)]),
    "matmul_batch_1d": (lambda x, y: np.matmul(x, y), [randn(2, 3, 4), V4]),
    "matmul_1d_batch": (lambda x, y: np.matmul(x, y), [V4, randn(2, 4, 5)]),
    "matmul_batch_broadcast": (lambda x, y: x @ y, [randn(2, 1, 3, 4), randn(3, 4, 5)]),
    "dot": (lambda x, y: np.dot(x, y) + np.dot(x, 2.0)[:, :1], [A34, B45]),
    # einsum
    "einsum_explicit": (lambda x, y: np.einsum("ij,jk->ik", x, y), [A34, B45]),
    "einsum_implicit": (lambda x, y: np.einsum("ij,jk", x, y), [A34, B45]),
    "einsum_ellipsis": (lambda x, y: np.einsum("...ij,...jk->...ik", x, y), [randn(2, 3, 4), B45]),
    "einsum_three": (lambda x, y, z: np.einsum("i j, jk, k ->i", x, y, z), [A34, B45, randn(5)]),
    "einsum_diag_sum": (lambda x: np.einsum("ii", x) + np.einsum("ii->i", x), [randn(4, 4)]),
    # reductions
    "sum_all": (lambda x: np.sum(x * x), [randn(2, 3, 4)]),
    "sum_axis": (lambda x: np.sum(x * x, axis=-2), [randn(2, 3, 4)]),
    "sum_tuple_keepdims": (lambda x: (x * x).sum(axis=(0, 2), keepdims=True), [randn(2, 3, 4)]),
    "mean": (lambda x: np.mean(x**3, axis=1) + x.mean(), [randn(2, 3, 4)]),
    "add_reduce": (lambda x: np.add.reduce(x * x), [randn(2, 3)]),
    "max_axis": (lambda x: np.max(x, axis=1) + x.max(axis=0, keepdims=True).sum(), [separated(3, 4)]),
    "max_tuple": (lambda x: np.max(np.exp(x), axis=(0, 2)), [separated(2, 3, 4)]),
    "min_all": (lambda x: np.min(x) * x, [separated(3, 4)]),
    # linear and shape operations
    "reshape_c": (lambda x: np.reshape(x, (4, -1)) ** 2, [randn(2, 3, 2)]),
    "reshape_f": (lambda x: np.reshape(x, (4, 3), order="F") ** 2, [randn(2, 3, 2)]),
    "ravel_flatten_f": (lambda x: x.ravel(order="F") * x.flatten(), [randn(3, 4)]),
    "transpose": (lambda x: np.transpose(x, (2, 0, 1)) ** 2 + x.T.transpose(0, 2, 1), [randn(2, 3, 4)]),
    "moveaxis": (lambda x: np.moveaxis(x, [0, -1], [-1, 1]) ** 2, [randn(2, 3, 4, 5)]),
    "swapaxes": (lambda x: np.swapaxes(x, 0, -1) ** 2, [randn(2, 3, 4)]),
    "squeeze_expand": (lambda x: np.expand_dims(np.squeeze(x) ** 2, (0, -1)), [randn(1, 3, 1)]),
    "broadcast_to": (lambda x: np.broadcast_to(x, (2, 3, 4)) ** 2, [randn(3, 1)]),
    "sliding_window": (lambda x: sliding_window_view(x, (3, 2), axis=(1, 2)) ** 2, [IMG]),
    "sliding_window_all": (lambda x: sliding_window_view(x, (2, 2)) ** 2, [randn(4, 5)]),
    "pad_constant": (lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=3.0) ** 2, [randn(2, 3)]),
    "pad_edge_reflect": (lambda x: np.pad(x, 1, mode="edge") + np.pad(x, 1, mode="reflect"), [randn(3, 4)]),
    "concatenate": (lambda x, y: np.concatenate([x, y**2, np.ones((1, 3))], axis=0), [randn(2, 3), randn(1, 3)]),
    "concatenate_none": (lambda x: np.concatenate([x, x**2], axis=None), [randn(2, 3)]),
    "stack": (lambda x, y: np.stack([x, y * y], axis=-1), [randn(2, 3), randn(2, 3)]),
    "where": (lambda x, y: np.where(np.arange(12).reshape(3, 4) % 3 == 0, x * x, y), [randn(3, 4), randn(1, 4)]),
    "copy": (lambda x: np.copy(x) * x, [randn(3)]),
    # indexing
    "getitem_basic": (lambda x: x[1:, ::2] * x[0, 0], [randn(3, 4)]),
    "getitem_ellipsis": (lambda x: x[..., 1] + x[0, ..., 2:3].sum(), [randn(2, 3, 4)]),
    "getitem_newaxis": (lambda x: x[None, :, None] ** 2, [randn(3)]),
    "getitem_advanced": (lambda x: x[[0, 2, 2], 1:3] * x[:, [3, 0]][[1, 0, 1]], [randn(3, 4)]),
    "getitem_boolean": (lambda x: x[np.arange(12).reshape(3, 4) % 2 == 0] ** 2, [randn(3, 4)]),
}


@pytest.mark.parametrize("name", list(JVP_CASES))
def test_jvp_against_finite_differences(name):
    f, args = JVP_CASES[name]
    check_jvp(f, *args)
    if len(args) > 1:  # only the first argument a DualArray, the others plain ndarrays
        check_jvp(f, *args, seeded=[0])
        check_jvp(f, *args, seeded=[len(args) - 1])


def small_cnn_loss(x, w_conv, b_conv, w_fc, label):
    """Conv 3x3 (zero-padded) -> ReLU -> 2x2 max pool -> flatten (column-major) -> FC -> softmax loss."""
    patches = sliding_window_view(np.pad(x, 1), (3, 3))  # (6, 6, 3, 3)
    y = np.einsum("ijab,abc->ijc", patches, w_conv) + b_conv  # (6, 6, 2)
    y = np.maximum(y, 0)
    blocks = y.reshape(3, 2, 3, 2, 2).transpose(1, 3, 0, 2, 4).reshape(4, 3, 3, 2, order="F")
    pooled = np.max(blocks, axis=0)  # (3, 3, 2)
    z = w_fc @ pooled.reshape(-1, order="F")
    p = np.exp(z - np.max(z.real))
    return -np.log(p[label] / np.sum(p))


def test_small_cnn_gradient_against_finite_differences():
    rng = np.random.default_rng(5)  # its own seed: no ReLU or pooling kink within the FD steps
    args = [rng.standard_normal((6, 6)), rng.standard_normal((3, 3, 2)), rng.standard_normal(2),
            rng.standard_normal((4, 18)) * 0.3]
    check_jvp(lambda *a: small_cnn_loss(*a, 1), *args, seeded=[1, 2, 3], k=4)


def test_setitem_keeps_tangents_and_zeros_plain_values():
    x = DualArray(randn(3, 4), randn(3, 4, 2))
    buf = np.zeros_like(x)
    assert isinstance(buf, DualArray) and buf.shape == (3, 4) and buf.n_partials == 2
    assert not buf.dual.any() and not np.ones_like(x).dual.any() and np.all(np.ones_like(x).real == 1)  # filled: exact
    buf[1:, ...] = x[:2]
    buf[0, [0, 3]] = 5.0
    buf[..., 2] = x[0, 0]
    expected_real, expected_dual = np.zeros((3, 4)), np.zeros((3, 4, 2))
    expected_real[1:], expected_dual[1:] = x.real[:2], x.dual[:2]
    expected_real[0, [0, 3]], expected_dual[0, [0, 3]] = 5.0, 0.0
    expected_real[:, 2], expected_dual[:, 2] = x.real[0, 0], x.dual[0, 0]
    assert_dual(buf, expected_real, expected_dual)
    buf[2, 1:] = np.array([7.0, 8.0, 9.0])  # plain values over dual ones: their partials become 0
    expected_real[2, 1:], expected_dual[2, 1:] = [7.0, 8.0, 9.0], 0.0
    assert_dual(buf, expected_real, expected_dual)
    mask = x.real > 0
    buf[mask] = x[mask] * 2
    expected_real[mask], expected_dual[mask] = 2 * x.real[mask], 2 * x.dual[mask]
    assert_dual(buf, expected_real, expected_dual)


def test_add_at_scatter_adds_values_and_partials():
    acc = DualArray.constant(np.zeros(4), 2)
    vals = DualArray([1.0, 2.0, 3.0], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    np.add.at(acc, [0, 0, 3], vals)
    assert_dual(acc, [3.0, 0.0, 0.0, 3.0], [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])


# ---- reshape in column-major order, partial slice by partial slice --------------------------------
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("new_shape", [(6, 4), (2, 12), (24,), (4, 3, 2)])
def test_reshape_reshapes_each_partial_like_the_value(order, new_shape):
    x = DualArray(randn(2, 3, 4), randn(2, 3, 4, 3))
    y = x.reshape(new_shape, order=order)
    np.testing.assert_array_equal(y.real, x.real.reshape(new_shape, order=order))  # moved values: exact
    for j in range(3):
        np.testing.assert_array_equal(y.dual[..., j], x.dual[..., j].reshape(new_shape, order=order))
    with pytest.raises(ValueError, match="order"):
        x.reshape(new_shape, order="A")


def test_sliding_window_view_windows_each_partial_like_the_value():
    x = DualArray(IMG, randn(*IMG.shape, 2))
    y = sliding_window_view(x, (3, 2), axis=(-2, -1))
    for j in range(2):
        np.testing.assert_array_equal(y.dual[..., j], sliding_window_view(x.dual[..., j], (3, 2), axis=(1, 2)))  # views: exact


def test_squeeze_never_removes_the_k_axis():
    x = DualArray(randn(1, 3, 1), randn(1, 3, 1, 1))
    assert np.squeeze(x).dual.shape == (3, 1)
    assert np.squeeze(x, axis=0).dual.shape == (3, 1, 1)


# ---- adjoint (HIPS) checks of the linear operations: <u, f(v)> == <f^T(u), v> ---------------------------
def col2im(u, shape, window):
    """The adjoint of sliding_window_view(x, window) for 2-D x: scatter-add every window back."""
    out = np.zeros(shape)
    for i in range(u.shape[0]):
        for j in range(u.shape[1]):
            out[i:i + window[0], j:j + window[1]] += u[i, j]
    return out


ADJOINT_CASES = {
    "reshape_f": (lambda x: x.reshape(6, 4, order="F"), lambda u: u.reshape(2, 3, 4, order="F"), (2, 3, 4)),
    "transpose": (lambda x: np.transpose(x, (1, 2, 0)), lambda u: np.transpose(u, (2, 0, 1)), (2, 3, 4)),
    "pad": (lambda x: np.pad(x, ((1, 0), (2, 3))), lambda u: u[1:, 2:-3], (3, 4)),
    "sum": (lambda x: x.sum(axis=1), lambda u: np.broadcast_to(u[:, None], (3, 4)), (3, 4)),
    "sliding_window": (lambda x: sliding_window_view(x, (2, 3)), lambda u: col2im(u, (4, 5), (2, 3)), (4, 5)),
    "einsum": (lambda x: np.einsum("ij,jk->ik", x, B45), lambda u: u @ B45.T, (3, 4)),
}


@pytest.mark.parametrize("name", list(ADJOINT_CASES))
def test_linear_op_adjoint_identity(name):
    f, f_t, shape = ADJOINT_CASES[name]
    rng = np.random.default_rng(7)
    x, v = rng.standard_normal(shape), rng.standard_normal(shape + (2,))
    y = f(DualArray(x, v))
    u = rng.standard_normal(y.shape)
    for j in range(2):
        lhs, rhs = np.sum(u * y.dual[..., j]), np.sum(f_t(u) * v[..., j])
        # two sums of <= 60 products in other orders: rounding ~n eps of the summed magnitudes
        assert abs(lhs - rhs) <= 1e-13 * np.sum(np.abs(u * y.dual[..., j]))


# ---- never drop a tangent silently -----------------------------------------------------------------
X = DualArray(np.ones((2, 2)), np.ones((2, 2, 1)))


@pytest.mark.parametrize("op, name", [
    (lambda: np.fmod(X, 2.0), "numpy.fmod"),
    (lambda: np.floor(X), "numpy.floor"),
    (lambda: np.fft.fft(X), "numpy.fft.fft"),
    (lambda: np.cumsum(X), "numpy.cumsum"),
    (lambda: np.linalg.norm(X), "numpy.linalg.norm"),
    (lambda: X // 2, "numpy.floor_divide"),
    (lambda: np.add.accumulate(X), "numpy.add.accumulate"),
    (lambda: np.maximum.reduce(X), "numpy.maximum.reduce"),
    (lambda: np.add(X, X, where=np.ones((2, 2), bool)), "numpy.add with"),
    (lambda: np.asarray(X), "drop the dual part"),
    (lambda: np.array([X, X]), "drop the dual part"),
    (lambda: float(d(1.0, 1.0)), "drop the dual part"),
    (lambda: bool(d(1.0, 1.0)), "drop the dual part"),
    (lambda: np.exp(X, out=np.zeros((2, 2))), "drop the dual part"),
    (lambda: np.add.at(np.zeros(2), [0], X[0]), "drop the dual part"),
    (lambda: np.zeros(3).__setitem__(slice(None), DualArray(np.ones(3), np.ones((3, 1)))), "drop the dual part"),
    (lambda: np.pad(X, 1, mode="maximum"), "mode='maximum'"),
    (lambda: np.where(X), "plain condition"),
    (lambda: np.where(X, X, 0), "plain condition"),
    (lambda: np.einsum(X, [0, 1]), "subscripts string"),
    (lambda: np.zeros_like(X, dtype=int), "float64"),
])
def test_unsupported_operations_raise_type_error_naming_them(op, name):
    with pytest.raises(TypeError, match=name.replace(".", r"\.").replace("(", r"\(")):
        op()


def test_writing_a_dual_scalar_into_a_plain_array_fails():
    # numpy's float() fails with our TypeError, then numpy reports it as a bad sequence
    with pytest.raises((TypeError, ValueError)):
        np.zeros(3)[0] = d(1.0, 1.0)


@pytest.mark.parametrize("order", ["K", "A", "C", "F"])
def test_copy_honours_order_and_lays_each_partial_out_like_the_value(order):
    x = DualArray(np.arange(6.0).reshape(2, 3), np.arange(24.0).reshape(2, 3, 4))
    for c in (x.copy(order=order), np.copy(x, order=order)):
        assert np.array_equal(c.real, x.real) and np.array_equal(c.dual, x.dual)
        assert not np.shares_memory(c.dual, x.dual)
        f_order = order == "F"
        assert c.real.flags.f_contiguous == f_order and c.dual[..., 1].flags.f_contiguous == f_order
    with pytest.raises(ValueError, match="order"):
        x.copy(order="Q")


@pytest.mark.parametrize("subscripts", ["ij,jk->ik", "ij,jk", "ii", "i,i", "...ij,...jk", "ba,ca",
                                        "ij, jk -> ki"])
def test_einsum_subscripts_are_read_as_numpy_reads_them(subscripts):
    from dual.einsum_subscripts import free_label, parse_subscripts

    inputs, output = parse_subscripts(subscripts)
    shapes = {"i": 2, "j": 3, "k": 4, "a": 2, "b": 3, "c": 4}
    rng = np.random.default_rng(0)
    operands = [rng.random([2] * (s.count(".") // 3) + [shapes[c] for c in s if c.isalpha()])
                for s in inputs]
    explicit = ",".join(inputs) + "->" + output
    # the same contraction in the same output order: equal up to summation order
    np.testing.assert_allclose(np.einsum(explicit, *operands), np.einsum(subscripts, *operands),
                               rtol=1e-12)
    assert free_label(subscripts) not in subscripts


def test_defjvp_adds_a_rule_by_its_partial_derivatives_and_deljvp_takes_it_away():
    from dual.dual_array import defjvp, deljvp
    from dual.seeding import derivative

    x = DualArray(0.3, [1.0])
    with pytest.raises(TypeError, match="logaddexp"):
        np.logaddexp(x, 1.0)  # no rule yet
    assert defjvp(np.logaddexp, lambda v, a, b: np.exp(a - v),
                  lambda v, a, b: np.exp(b - v)) is np.logaddexp
    try:
        a, b, h = 0.3, -1.2, 1e-6
        central = (np.logaddexp(a + h, b) - np.logaddexp(a - h, b)) / (2 * h)
        # central differences of a smooth function at h = 1e-6: error ~1e-10
        assert derivative(lambda t: np.logaddexp(t, b), a) == pytest.approx(central, abs=1e-8)
        both = np.logaddexp(DualArray([0.3, 2.0], [[1.0], [1.0]]), DualArray([-1.2, 2.0], [[1.0], [1.0]]))
        assert np.allclose(both.dual[:, 0], 1.0)  # d/dt logaddexp(t + a, t + b) = 1
        # nested: the rule, written with numpy calls, gives second derivatives too
        second = (np.logaddexp(a + 1e-4, b) - 2 * np.logaddexp(a, b)
                  + np.logaddexp(a - 1e-4, b)) / 1e-8
        assert derivative(lambda s: derivative(lambda t: np.logaddexp(t, b), s), a) == \
            pytest.approx(second, abs=1e-5)  # second differences at 1e-4: ~1e-8 truncation
    finally:
        deljvp(np.logaddexp)
    with pytest.raises(TypeError, match="logaddexp"):
        np.logaddexp(x, 1.0)


@pytest.mark.parametrize("derivatives, error, words", [
    ((lambda v, x, y: 1.0,), TypeError, "takes 2 arguments: give 2 derivatives, one by each, got 1"),
    ((lambda v, x, y: 1.0, 3.0), TypeError, "by argument 2 is float, not a function of (value, x, y)"),
    ((lambda x, y: 1.0, lambda v, x, y: 1.0), TypeError, "must take (value, x, y)"),
])
def test_a_half_written_rule_is_refused_in_one_line_when_given(derivatives, error, words):
    from dual.dual_array import defjvp

    with pytest.raises(error) as info:
        defjvp(np.logaddexp, *derivatives)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("returned, error, words", [
    (lambda v, x, y: None, TypeError, "by argument 1 returned NoneType, not an array or a number"),
    (lambda v, x, y: np.ones(5), ValueError, "has shape (5,), which does not broadcast"),
])
def test_a_half_written_rule_is_one_line_when_used(returned, error, words):
    from dual.dual_array import defjvp, deljvp

    defjvp(np.logaddexp, returned, lambda v, x, y: np.exp(y - v))
    try:
        with pytest.raises(error) as info:
            np.logaddexp(DualArray([0.3, 0.4], [[1.0], [1.0]]), 1.0)
        assert words in str(info.value) and "logaddexp" in str(info.value)
    finally:
        deljvp(np.logaddexp)


def test_built_in_rules_stay_and_math_exp_is_told_to_use_np_exp():
    import math

    from dual.dual_array import defjvp, deljvp

    with pytest.raises(ValueError, match="has a rule already"):
        defjvp(np.exp, lambda v, x: v)
    with pytest.raises(ValueError, match="built in"):
        deljvp(np.exp)
    with pytest.raises(ValueError, match="no rule from defjvp"):
        deljvp(np.logaddexp)
    with pytest.raises(TypeError, match="not a ufunc"):
        defjvp(math.exp, lambda v, x: v)
    with pytest.raises(TypeError, match=r"np\.exp, not math\.exp"):
        math.exp(DualArray(0.0, [1.0]))


@pytest.mark.parametrize("shape, axis", [((3, 0), 0), ((0, 3), 1), ((2, 0, 3), 0)])
def test_max_and_min_over_an_axis_of_an_empty_array_are_empty(shape, axis):
    a = DualArray(np.zeros(shape), np.zeros(shape + (2,)))
    for reduced in (a.max(axis=axis), a.min(axis=axis, keepdims=True)):
        assert reduced.real.size == 0 and reduced.dual.shape == reduced.real.shape + (2,)
