"""MATLAB: Conv.m -- 3x3 convolution (cross-correlation), stride 1, zero padding 1."""

from shared.matlab import (drop_batch_axis, im2col_sliding, pad_zeros, page_transpose,
                           pagemtimes, reshape_f, with_batch_axis)


def conv(x, w_conv, b_conv):
    """Convolve one image (or a batch) with c2 filters, as the original does with im2col.

    x (14,14,1[,B]) (14x14 accepted), w_conv (f,f,1,c2) = (3,3,1,3), b_conv (c2,1)
    -> y (14,14,c2[,B]). y(r,c,k) = sum_ij w_conv(i,j,1,k) x_padded(r+i,c+j) + b_conv(k).
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    x_padded = pad_zeros(x[:, :, 0, :], (f - 1) // 2)  # 16 x 16 x B
    x_row_version = im2col_sliding(x_padded, f)  # (f*f) x (14*14) x B
    w_reshaped = reshape_f(w_conv, (f * f, c2))  # (f*f) x c2
    # MATLAB: y = transpose(x_row_version) * w_reshaped + transpose(b_conv), image by image.
    # Computed as the transpose of w_reshaped' * x_row_version: the same numbers, whose pages
    # come out in MATLAB's memory order (14x14 plane by plane).
    y = page_transpose(pagemtimes(w_reshaped.T, x_row_version)) + reshape_f(b_conv, (1, c2, 1))
    y = reshape_f(y, (height, width, c2, x.shape[3]))
    return drop_batch_axis(y, single)
