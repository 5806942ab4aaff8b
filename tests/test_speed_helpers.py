"""The helpers behind the speed work: the batch-fastest reshape, the kept patches and blocks,
the allocator setting. Each must give exactly what the plain computation gives."""

import numpy as np
import pytest

import reference
from dual.dual_array import DualArray
from reference.pool2x2 import blocks_and_max
from shared.matlab import im2col_distinct, im2col_sliding, pad_zeros, reshape_f
from shared.memo import keep_last
from shared.memory import keep_freed_memory
from shared.patches import sliding_patches


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
    assert np.array_equal(got, expected)
    assert got.strides[-1] == got.itemsize  # the batch stays fastest


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


def test_kept_patches_are_reused_only_for_the_same_unchanged_array():
    rng = np.random.default_rng(3)
    x = rng.random((14, 14, 1, 3))
    first = sliding_patches(x, 3)
    assert sliding_patches(x, 3) is first  # the backward asks again: the same patches
    assert not first.flags.writeable
    x[5, 5, 0, 1] += 1.0  # changed in place: built afresh
    changed = sliding_patches(x, 3)
    assert changed is not first
    assert np.array_equal(changed, im2col_sliding(pad_zeros(x[:, :, 0, :], 1), 3))
    other = x.copy()  # equal values, another array: built afresh (equal)
    assert sliding_patches(other, 3) is not changed


def test_keep_last_recomputes_for_dual_arrays_and_keys_on_arguments():
    calls = []

    @keep_last
    def double(x, factor):
        calls.append(factor)
        return x * factor

    x = np.ones((2, 2))
    double(x, 2), double(x, 2), double(x, 3)
    assert calls == [2, 3]
    d = DualArray(np.ones(2), np.ones((2, 1)))
    double(d, 2), double(d, 2)
    assert calls == [2, 3, 2, 2]


def test_pooling_backward_with_kept_blocks_equals_a_fresh_computation():
    rng = np.random.default_rng(4)
    x = np.maximum(0, rng.standard_normal((14, 14, 3, 4)))  # zeros: four-way ties
    y = reference.pool2x2(x)
    dldy = rng.standard_normal((7, 7, 3, 4))
    y[0, 0, 0, 0] = 123.0  # the pooled output is the caller's to change: not the kept maxima
    kept = reference.pool2x2_backward(dldy, x, y, "fix")
    blocks_and_max(rng.random((14, 14, 3, 4)))  # another array: the kept blocks are replaced
    fresh = reference.pool2x2_backward(dldy, x.copy(), y, "fix")
    assert np.array_equal(kept, fresh)


def test_keep_freed_memory_is_idempotent():
    assert keep_freed_memory() is keep_freed_memory()


def test_the_fused_numpy_floor_computes_the_reference_iteration_with_errata_fixed():
    # the benchmark's floor must time the same arithmetic: same loss and gradients, same shapes
    from shared.fused_numpy import fused_forward_backward

    rng = np.random.default_rng(5)
    x = reference.as_images(np.ascontiguousarray(rng.integers(0, 3, (196, 30)) / 2))  # ties
    y = np.eye(10)[:, rng.integers(0, 10, 30)]
    w_conv, _, w_fc, _ = reference.initial_weights(rng)
    b_conv, b_fc = rng.standard_normal((3, 1)), rng.standard_normal((10, 1))
    expected = reference.forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix")
    got = fused_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc)
    for e, g in zip(expected, got):
        assert np.shape(g) == np.shape(e)
        # one function against the layered port: other summation orders, rounding ~1e-15
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.max(np.abs(e)))
    with pytest.raises(ValueError, match="errata fixed"):
        fused_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep")


def test_destinations_of_a_permutation_jacobian_move_the_gradient_like_the_product():
    from dual.seeding import destinations

    rng = np.random.default_rng(6)
    order = rng.permutation(12)
    jacobian = np.eye(12)[order].T  # output order[j] <- ... : column j holds a single 1
    dldy = rng.standard_normal((5, 12))
    destination = destinations(jacobian)
    assert np.array_equal(dldy.T[destination], (dldy @ jacobian).T)  # products by 0 and 1: exact
    jacobian[3, 4] = 0.5  # no longer a map that only moves values
    with pytest.raises(ValueError, match="only move values"):
        destinations(jacobian)
