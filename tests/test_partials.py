"""dual/partials.py: a product with one-hot seeds is taken as a selection (no multiplication);
it must give what the product gives, exactly, and must not take anything else for a seed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dual import partials
from dual.dual_array import DualArray
from dual.partials import mark_one_hot, matrix_at_partials, partials_at_matrix


def one_hot(n, m, k, first):
    """Entry e (column-major) of an n x m value carries seed first + e, read-only and marked."""
    seeds = np.reshape(np.eye(k)[first:first + n * m], (n, m, k), order="F")
    seeds = DualArray(np.zeros((n, m)), seeds).dual  # laid out as a DualArray holds it
    seeds.flags.writeable = False
    mark_one_hot(seeds, first)
    return seeds


def products(dx, y, x, dy):
    """The two products, each partial multiplied out (no fast path)."""
    left = np.stack([dx[..., k] @ y for k in range(dx.shape[-1])], axis=-1)
    right = np.stack([x @ dy[..., k] for k in range(dy.shape[-1])], axis=-1)
    return left, right


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 5), m=st.integers(1, 5), p=st.integers(1, 4), extra=st.integers(0, 3),
       first=st.integers(0, 3))
def test_a_product_with_one_hot_seeds_is_the_product(n, m, p, extra, first):
    rng = np.random.default_rng(n * 100 + m * 10 + p)
    k = first + n * m + extra
    dx, y = one_hot(n, m, k, first), rng.standard_normal((m, p))
    x, dy = rng.standard_normal((p, n)), one_hot(n, m, k, first)
    left, right = products(dx, y, x, dy)
    # a selection copies y's (x's) entries where the product adds them to exact zeros: equal
    assert np.array_equal(partials_at_matrix(dx, y), left)
    assert np.array_equal(matrix_at_partials(x, dy), right)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 5), m=st.integers(1, 5), p=st.integers(1, 4), data=st.data())
def test_a_product_with_a_window_of_one_hot_seeds_is_the_product(n, m, p, data):
    """Forward mode's chunks: entries low .. high - 1 carry seeds first .., the others none."""
    low = data.draw(st.integers(0, n * m - 1))
    high = data.draw(st.integers(low + 1, n * m))
    first = data.draw(st.integers(0, 3))
    k = first + high - low + data.draw(st.integers(0, 2))
    rng = np.random.default_rng(n * 100 + m * 10 + p)
    seeds = np.zeros((n * m, k))
    seeds[low:high, first:first + high - low] = np.eye(high - low)
    seeds = DualArray(np.zeros((n, m)), np.reshape(seeds, (n, m, k), order="F")).dual
    seeds.flags.writeable = False
    mark_one_hot(seeds, first - low, (low, high))
    y, x = rng.standard_normal((m, p)), rng.standard_normal((p, n))
    left, right = products(seeds, y, x, seeds)
    assert np.array_equal(partials_at_matrix(seeds, y), left)
    assert np.array_equal(matrix_at_partials(x, seeds), right)


@pytest.mark.parametrize("chunk", [7, 128])
def test_forward_modes_chunks_are_taken_as_selections_and_change_nothing(chunk, monkeypatch):
    """dual.seeding.gradient's chunk seeds are one-hot windows: the products with them are
    selections, and the gradient is the same numbers as with the products multiplied out."""
    from dual.train_slp_linear import forward_mode
    x, y, (w, b) = batch("slp", np.random.default_rng(1))
    found, seen = partials._one_hot, []
    monkeypatch.setattr(partials, "_one_hot", lambda t: seen.append(found(t)) or seen[-1])
    fast = forward_mode(x, y, w, b, chunk=chunk)
    assert any(hit is not None and hit[1] is not None for hit in seen)  # a window was taken
    monkeypatch.setattr(partials, "_one_hot", lambda t: None)
    slow = forward_mode(x, y, w, b, chunk=chunk)
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a, b)


def test_a_copy_or_slice_of_a_seed_is_not_taken_for_it():
    seeds = one_hot(3, 4, 12, 0)
    assert partials._one_hot(seeds) == (0, None)
    changed = seeds.copy()
    changed[0, 0, 0] = 2.0
    assert partials._one_hot(changed) is None
    assert partials._one_hot(seeds[:2]) is None
    y = np.arange(8.0).reshape(4, 2)
    assert np.array_equal(partials_at_matrix(changed, y),
                          np.stack([changed[..., k] @ y for k in range(12)], axis=-1))


def batch(model, rng):
    """A random batch of 5 images and model's random parameters, as its gradient takes them."""
    x, y = rng.random((196, 5)), np.eye(10)[:, rng.integers(0, 10, 5)]
    shapes = {"slp": [(10, 196), (10, 1)], "mlp": [(30, 196), (30, 1), (10, 30), (10, 1)],
              "cnn": [(3, 3, 1, 3), (3, 1), (10, 147), (10, 1)]}[model]
    if model == "cnn":
        x = x.reshape(14, 14, 1, 5, order="F")
    return x, y, [0.1 * rng.standard_normal(shape) for shape in shapes]


@pytest.mark.parametrize("model", ["slp", "mlp", "cnn"])
def test_the_twins_gradients_are_those_without_the_selection(model, monkeypatch):
    # The FC layers' seeds are one-hot: the gradients with the selection and with the
    # products multiplied out are the same numbers (the products only add exact zeros).
    from dual.train_cnn import forward_backward
    from dual.train_mlp import mlp_forward_backward
    from dual.train_slp import slp_forward_backward
    gradient = {"slp": slp_forward_backward, "mlp": mlp_forward_backward,
                "cnn": forward_backward}[model]
    x, y, params = batch(model, np.random.default_rng(0))
    found, seen = partials._one_hot, []
    monkeypatch.setattr(partials, "_one_hot", lambda t: seen.append(found(t)) or seen[-1])
    fast = gradient(x, y, *params)
    assert any(first is not None for first in seen)  # the selection was taken
    monkeypatch.setattr(partials, "_one_hot", lambda t: None)
    slow = gradient(x, y, *params)
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a, b)


def test_forward_mode_seeds_a_scalar_parameter():
    """A 0-d parameter (a conv kind's scalar, say) is seeded like any other: d/da sum(a^2 b)
    = 2 a sum(b), d/db = a^2, exact in floating point for these small integers."""
    from dual.seeding import gradient
    value, grads = gradient(lambda a, b: np.sum(a ** 2 * b), (np.array(3.0), np.arange(3.0)))
    assert value == 27.0 and grads[0] == 18.0 and np.array_equal(grads[1], [9.0, 9.0, 9.0])


def test_seeds_reshaped_column_major_or_a_vector_transposed_are_still_seeds():
    """Conv reshapes its filter to a column and transposes it to a row before the product: the
    value's column-major numbering, which the mark is about, is kept, and so is the mark. A
    row-major reshape of a matrix renumbers the entries: no mark."""
    seeds = np.reshape(np.eye(13)[:12], (3, 4, 13), order="F")
    seeds = DualArray(np.zeros((3, 4), order="F"), seeds).dual  # laid out column-major
    seeds.flags.writeable = False
    mark_one_hot(seeds, 0)
    a = DualArray(np.zeros((3, 4), order="F"), seeds)
    column, row, renumbered = a.reshape((12, 1), order="F"), a.reshape((12, 1), order="F").T, a.reshape(4, 3)
    assert partials._one_hot(column.dual) == (0, None) and partials._one_hot(row.dual) == (0, None)
    assert partials._one_hot(renumbered.dual) is None
    rng = np.random.default_rng(4)
    y, x = rng.standard_normal((12, 5)), rng.standard_normal((5, 12))
    left, right = products(row.dual, y, x, column.dual)
    assert np.array_equal(partials_at_matrix(row.dual, y), left)
    assert np.array_equal(matrix_at_partials(x, column.dual), right)


def test_conv_backwards_product_with_the_filter_seeds_is_a_selection(monkeypatch):
    from dual.conv_backward import conv_backward
    x, _, (w_conv, b_conv, *_) = batch("cnn", np.random.default_rng(5))
    dldy = np.random.default_rng(6).standard_normal((14, 14, 3, 5))
    found, seen = partials._one_hot, []
    monkeypatch.setattr(partials, "_one_hot", lambda t: seen.append(found(t)) or seen[-1])
    fast = conv_backward(dldy, x, w_conv, b_conv, None)
    assert seen == [(0, None)]  # the one product, with filter 0's seeds (9 + 1 of them)
    monkeypatch.setattr(partials, "_one_hot", lambda t: None)
    for a, b in zip(fast, conv_backward(dldy, x, w_conv, b_conv, None), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("chunk", [4, 128])
def test_a_row_major_reshape_of_seeds_renumbers_them_and_is_no_selection(chunk):
    """x (2 x 3) seeded, then reshaped row-major to a column: entry e of the column is no longer
    the entry seeded e, so the product must be multiplied out (a selection would pick A's
    columns in the wrong order). Both the identity seeds and forward mode's windows."""
    from dual.seeding import dual_part, gradient, seed_identity
    x, a = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(2, 6) + 1
    seeded = seed_identity(x)
    column = np.reshape(seeded, (6, 1))
    assert partials._one_hot(column.dual) is None
    # d (A @ x.reshape(6, 1))[0] / d x(i, j), x's entries numbered column-major: A[0, 3i + j]
    expected = [a[0, 3 * i + j] for j in range(3) for i in range(2)]
    assert np.array_equal(dual_part(a @ column, seeded)[0, 0], expected)
    _, grads = gradient(lambda w: (w.reshape(6, 1).T @ a.T).sum(), [x], chunk=chunk)
    assert np.array_equal(grads[0], np.reshape(a.sum(axis=0), (2, 3)))  # d/dw(i, j) = sum_r A[r, 3i + j]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 8), batch=st.integers(1, 4), seed=st.integers(0, 1000))
def test_a_permutation_matrix_is_the_product_with_the_dense_matrix(n, batch, seed):
    rng = np.random.default_rng(seed)
    dense = np.eye(n)[:, rng.permutation(n)]
    p = partials.as_permutation(dense)
    assert isinstance(p, partials.PermutationMatrix)
    a = rng.standard_normal((batch, n))
    # each entry of the product is one value times 1 plus exact zeros: the same, exactly
    assert np.array_equal(a @ p, a @ dense)
    assert np.array_equal(p @ a.T, dense @ a.T)
    assert np.array_equal(np.asarray(p), dense) and p.shape == dense.shape


def test_only_a_permutation_matrix_is_taken_for_one():
    # dense; not square; a 2; a repeated row; a fraction; a -1 in place of a 1
    for not_one in (np.ones((3, 3)), np.eye(3)[:2], 2 * np.eye(3), np.eye(3)[[0, 0, 1]],
                    np.array([[0.0, 1], [1, 0.5]]), np.array([[0.0, -1], [1, 0]])):
        assert partials.as_permutation(not_one) is not_one


def test_flattenings_jacobian_is_a_permutation_and_keeps_a_nan_in_its_column():
    from dual.flattening_backward import flattening_backward, flattening_jacobian
    from reference.flattening_backward import flattening_backward as reference_backward
    assert isinstance(flattening_jacobian((7, 7, 3)), partials.PermutationMatrix)
    dldy = np.random.default_rng(0).standard_normal((4, 147))
    dldy[1, 5] = np.nan  # a dense product would spread it over the whole row (nan * 0)
    x = np.zeros((7, 7, 3, 4))
    got = flattening_backward(dldy, x, None)
    assert np.array_equal(got, reference_backward(dldy, x, None), equal_nan=True)
    assert np.isnan(got).sum() == 1


def test_an_fc_layer_whose_weights_are_a_permutation_still_multiplies():
    # affine_jacobian stays dense: FC_backward's dLdx = dLdy * w keeps the reference's NaN, -0
    # and dtype, which a column pick would not (a NaN times 0 is NaN across the row)
    from dual.fc_backward import fc_backward
    from reference.fc_backward import fc_backward as reference_fc_backward
    w, b, x = np.eye(3)[[2, 0, 1]], np.zeros((3, 1)), np.ones((3, 1))
    dldy = np.array([[np.nan, -0.0, 1.0]])
    got, want = fc_backward(dldy, x, w, b, None)[0], reference_fc_backward(dldy, x, w, b, None)[0]
    assert np.array_equal(got, want, equal_nan=True) and np.isnan(got).all()


def test_a_permutation_jacobian_of_a_map_that_is_no_reshape_is_refused():
    from dual.seeding import permutation_jacobian
    with pytest.raises(ValueError, match="not a permutation"):
        permutation_jacobian(lambda v: 2 * v, (3, 1))
