"""Second-order Volterra convolution (Zoumpourlis et al., ICCV 2017; the seed study's eq. 4.2).

Not in the original: the non-linear filter the study proposes (its chapter 4.2) in place of
Conv.m, built like Conv.m on im2col patches. It runs unchanged on DualArray.
"""

import numpy as np

from shared.data import format_shape
from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import check_filters, check_per_filter, sliding_patches, upper_triangle

# einsum's path search as (strategy, largest intermediate allowed): above its default limit (the
# largest operand), so that three operands are contracted pairwise through BLAS. With dual
# operands the product rule gives one einsum per dual operand, each finding its own best order.
PAIRWISE = ("greedy", 2 ** 27)


def volterra_conv(x, w1, w2, b):
    """Volterra convolution of one image (or a batch): a linear filter plus a quadratic one.

    x (14,14,1[,B]) (14x14 accepted), w1 (f,f,1,c2) = (3,3,1,3) like w_conv, w2 (n,n,c2) =
    (9,9,3) with n = f*f*1, b (c2,1) -> y (14,14,c2[,B]). For the patch x_1..x_n centred on each
    position (zero padding, listed column-major as im2col lists it) and each channel k:
        y = sum_i w1(i,k) x_i + sum_{i<=j} w2(i,j,k) x_i x_j + b(k)
    Only the upper triangle of w2 is read: its entries below the diagonal are ignored.
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = check_volterra_shapes(w1, w2, b)
    x_cols = sliding_patches(x, f)  # (f*f) x (14*14) x B
    y = volterra_patches(x_cols, w1, w2, b)  # (14*14) x c2 x B
    return drop_batch_axis(reshape_f(y, (height, width, c2, x.shape[3])), single)


def volterra_patches(x_cols, w1, w2, b):
    """The Volterra filters applied to each column of patches.

    x_cols (n, P, B), w1 (f,f,1,c2), w2 (n,n,c2), b (c2,1) -> y (P, c2, B); per patch x and
    channel k, y = sum_i w1(i,k) x_i + sum_{i<=j} w2(i,j,k) x_i x_j + b(k) (eq. 4.2): the
    products x_i x_j of the n(n+1)/2 pairs i <= j are features, weighted like the linear ones.
    """
    n, n_patches, n_images = x_cols.shape
    c2 = w2.shape[2]
    x_flat = reshape_f(x_cols, (n, n_patches * n_images))  # the pages side by side
    i, j = upper_triangle(n)  # the pairs i <= j; w2's entries below the diagonal are ignored
    pairs = x_flat[i] * x_flat[j]  # n(n+1)/2 x (P*B): x_i x_j
    y = (reshape_f(w1, (n, c2)).T @ x_flat + w2[i, j].T @ pairs
         + reshape_f(b, (c2, 1)))  # c2 x (P*B)
    return np.moveaxis(reshape_f(y, (c2, n_patches, n_images)), 0, 1)


def check_volterra_shapes(w1, w2, b):
    """w1 (f,f,1,c2) with f odd, w2 (f*f,f*f,c2), b (c2,1) -> (f, c2), or ValueError naming the
    argument, the shape expected and the shape got."""
    f, c2 = check_filters(w1, "w1")
    n = f * f
    if tuple(np.shape(w2)) != (n, n, c2):
        raise ValueError(f"w2 must be {n}x{n}x{c2} (n x n x c2, n = f*f*c1 = {n}, c2 = {c2}), "
                         f"got {format_shape(np.shape(w2))}")
    check_per_filter(b, c2, "b")
    return f, c2
