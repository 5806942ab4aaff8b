"""MATLAB's reshape and im2col on arrays in any memory layout, and the opt-in speed work
(speed/: the allocator setting, the fused numpy floor). Each must give exactly what the plain
computation gives."""

import numpy as np
import pytest

from twins import reference
from dual.dual_array import DualArray
from shared.matlab import col2im_distinct, im2col_distinct, im2col_sliding, pad_zeros, reshape_f
from speed.memory import keep_freed_memory


def batch_fastest(shape, rng):
    """An array of ``shape`` stored image index (last axis) fastest, then column-major."""
    values = rng.standard_normal(shape)
    stored = np.asfortranarray(np.moveaxis(values, -1, 0))  # (B, ...) column-major
    a = np.moveaxis(stored, 0, -1)
    assert a.strides[-1] == a.itemsize and np.array_equal(a, values)
    return a


@pytest.mark.parametrize("shape, new_shape", [
    ((14, 14, 3, 5), (4, 49, 3, 5)), ((4, 49, 3, 5), (14, 14, 3, 5)), ((7, 7, 3, 5), (147, 5)),
    ((147, 5), (7, 7, 3, 5)), ((14, 14, 3, 5), (196, 3, 5)), ((2, 3, 4), (6, 4)),
])
# np.array_equal below: these helpers move values (copies, pads, reshapes, windows), which is exact

def test_reshape_f_of_a_batch_fastest_array_is_matlabs_reshape(shape, new_shape):
    rng = np.random.default_rng(0)
    a = batch_fastest(shape, rng)
    expected = np.reshape(np.array(a, order="C"), new_shape, order="F")
    got = reshape_f(a, new_shape)
    assert np.array_equal(got, expected)  # (exact: a reshape only moves values)


def test_reshape_f_on_a_dual_array_reshapes_values_and_partials_alike():
    rng = np.random.default_rng(1)
    real = batch_fastest((14, 14, 3, 4), rng)
    dual = rng.standard_normal((14, 14, 3, 4, 2))
    got = reshape_f(DualArray(real, dual), (4, 49, 3, 4))
    assert np.array_equal(got.real, np.reshape(real, (4, 49, 3, 4), order="F"))
    assert np.array_equal(got.dual, np.reshape(dual, (4, 49, 3, 4, 2), order="F"))


def test_im2col_helpers_give_matlabs_columns_for_a_batch():
    rng = np.random.default_rng(2)
    x = batch_fastest((14, 14, 3, 2), rng)
    blocks = im2col_distinct(x, 2)
    # block (br, bc) of channel k, image b: column br + 7*bc, positions listed column-major
    assert np.array_equal(blocks[:, 3 + 7 * 5, 1, 1], x[6:8, 10:12, 1, 1].reshape(-1, order="F"))
    padded = pad_zeros(x[:, :, 0, :], 1)
    assert padded.shape == (16, 16, 2) and np.array_equal(padded[1:15, 1:15], x[:, :, 0, :])
    assert not padded[0].any() and not padded[:, 15].any()
    patches = im2col_sliding(padded, 3)  # patch (r, c) = column r + 14*c
    assert np.array_equal(patches[:, 4 + 14 * 9, 1], padded[4:7, 9:12, 1].reshape(-1, order="F"))
    # col2im 'distinct' puts every block back where im2col took it from (values only move)
    assert np.array_equal(col2im_distinct(blocks, 2, 14, 14), x)


def test_keep_freed_memory_is_idempotent():
    assert keep_freed_memory() is keep_freed_memory()


def test_the_fused_numpy_floor_computes_the_reference_iteration_with_errata_fixed():
    # the benchmark's floor must time the same arithmetic: same loss and gradients, same shapes
    from speed.fused_numpy import fused_forward_backward

    rng = np.random.default_rng(5)
    x = reference.as_images(np.ascontiguousarray(rng.integers(0, 3, (196, 30)) / 2))  # ties
    y = np.eye(10)[:, rng.integers(0, 10, 30)]
    w_conv, _, w_fc, _ = reference.initial_weights(rng).values()
    b_conv, b_fc = rng.standard_normal((3, 1)), rng.standard_normal((10, 1))
    expected = reference.forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix")
    got = fused_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc)
    for e, g in zip(expected, got):
        assert np.shape(g) == np.shape(e)
        # one function against the layered port: other summation orders, rounding ~1e-15
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.max(np.abs(e)))
    with pytest.raises(ValueError, match="errata fixed"):
        fused_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep")


@pytest.mark.parametrize("model", ["slp_linear", "slp", "mlp"])
def test_the_perceptrons_numpy_floors_compute_their_reference_iteration(model):
    import importlib

    from speed.fused_numpy import FUSED

    module = importlib.import_module(f"reference.train_{model}")
    gradient = getattr(module, f"{model}_forward_backward")
    rng = np.random.default_rng(6)
    x = rng.integers(0, 3, (196, 30)) / 2
    x[:, 0] = 0.0  # a blank image
    y = np.eye(10)[:, rng.integers(0, 10, 30)]
    shapes = [(30, 196), (30, 1), (10, 30), (10, 1)] if model == "mlp" else [(10, 196), (10, 1)]
    params = [0.1 * rng.standard_normal(shape) for shape in shapes]
    if model == "mlp":
        params[1][:3] = 0.0  # 3 hidden units at exactly 0 on the blank image: relu'(0) = 0.5
    expected = gradient(x, y, *params, errata="fix")
    got = FUSED[model](x, y, *params)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert np.shape(g) == np.shape(e)
        # one function against the layered port: other summation orders, rounding ~1e-15
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.max(np.abs(e)))
    with pytest.raises(ValueError, match="errata fixed"):
        FUSED[model](x, y, *params, errata="keep")


@pytest.mark.parametrize("n", [1, 2, 4, 8, 9, 10])  # up to 8 rows one formula, above np.argmax
def test_max_with_index_picks_the_first_maximum_of_each_column(n):
    """MATLAB's [m, i] = max(a): ties (small integers make many) go to the first; a column with
    NaN has a NaN maximum and index 0, on either side of the formula's length."""
    from shared.matlab import max_with_index, min_with_index
    rng = np.random.default_rng(n)
    a = rng.integers(0, 3, (n, 7, 5)).astype(float)
    a[:, 2, 3] = np.nan if n > 1 else a[:, 2, 3]
    a[n // 2, 4, 1] = np.nan
    for pick, reduce in ((max_with_index, np.max), (min_with_index, np.min)):
        m, index = pick(a)
        expected = np.zeros(m.shape, dtype=np.intp)
        for position in np.ndindex(m.shape):
            column = a[(slice(None),) + position]
            equal = np.flatnonzero(column == reduce(column))
            expected[position] = equal[0] if len(equal) else 0
        assert index.dtype == np.intp and np.array_equal(index, expected)
        assert np.array_equal(m, reduce(a, axis=0), equal_nan=True)


@pytest.mark.parametrize("order", ["C", "F"])
def test_im2col_sliding_gives_the_same_patches_in_any_layout_and_on_dual_numbers(order):
    rng = np.random.default_rng(3)
    padded = np.array(rng.standard_normal((16, 16, 3)), order=order)
    patches = im2col_sliding(padded, 3)
    for r, c in [(0, 0), (4, 9), (13, 13)]:  # patch (r, c) = column r + 14*c
        assert np.array_equal(patches[:, r + 14 * c], padded[r:r + 3, c:c + 3].reshape(9, 3, order="F"))
    dual = DualArray(padded, rng.standard_normal((16, 16, 3, 2)))
    got = im2col_sliding(dual, 3)
    assert np.array_equal(got.real, patches)
    for k in range(2):
        assert np.array_equal(got.dual[..., k], im2col_sliding(dual.dual[..., k], 3))


def test_col2im_distinct_puts_blocks_back_on_plain_and_dual_numbers_alike():
    """Plain arrays go through one strided view, dual numbers block by block: the same places."""
    rng = np.random.default_rng(7)
    x = batch_fastest((14, 14, 3, 2), rng)
    cols = im2col_distinct(x, 2)
    assert np.array_equal(col2im_distinct(cols, 2, 14, 14, out=np.zeros_like(x)), x)
    dual = DualArray(cols, rng.standard_normal(cols.shape + (2,)))
    got = col2im_distinct(dual, 2, 14, 14)
    assert np.array_equal(got.real, x)
    for k in range(2):
        assert np.array_equal(got.dual[..., k], col2im_distinct(dual.dual[..., k], 2, 14, 14))
