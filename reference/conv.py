"""MATLAB: Conv.m -- 3x3 convolution (cross-correlation), stride 1, zero padding 1."""

import numpy as np

from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import sliding_patches


def conv(x, w_conv, b_conv):
    """Convolve one image (or a batch) with c2 filters, as the original does with im2col.

    x (14,14,1[,B]) (14x14 accepted), w_conv (f,f,1,c2) = (3,3,1,3), b_conv (c2,1)
    -> y (14,14,c2[,B]). y(r,c,k) = sum_ij w_conv(i,j,1,k) x_padded(r+i,c+j) + b_conv(k).
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    x_row_version = sliding_patches(x, f)  # (f*f) x (14*14) x B: x_padded, then im2col
    w_reshaped = reshape_f(w_conv, (f * f, c2))  # (f*f) x c2
    # MATLAB: y = transpose(x_row_version) * w_reshaped + transpose(b_conv), image by image.
    # Computed as w_reshaped' * [patches of every image]: the same numbers, transposed, in one
    # product for the batch; column p*B + b of the c2 rows is position p of image b.
    y = w_reshaped.T @ np.reshape(x_row_version, (f * f, -1)) + b_conv  # c2 x (14*14*B)
    y = np.transpose(np.reshape(y, (c2, width, height, x.shape[3])), (2, 1, 0, 3))
    return drop_batch_axis(y, single)


def channel_rows(a):
    """a (H,W,c,B) -> c x (H*W*B): row k is channel k, column p*B + b position p of image b,
    the layout of conv's product above (a view for a batch stored image index fastest)."""
    return np.reshape(np.transpose(a, (2, 1, 0, 3)), (a.shape[2], -1))
