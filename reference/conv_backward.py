"""MATLAB: Conv_backward.m -- gradients of the conv weights and biases (no dL/dx: first layer)."""

import numpy as np

from shared.matlab import im2col_sliding, pad_zeros, pagetranspose, reshape_f, with_batch_axis


def conv_backward(dldy, x, w_conv, b_conv, y):
    """[dLdw, dLdb] = Conv_backward(dLdy, x, w_conv, b_conv, y), summed over a batch.

    dldy (14,14,c2[,B]) -- or anything with 14*14*c2 values per image, read column-major as the
    original does (with erratum E1 it gets the 4x49x3 block layout), x (14,14,1[,B]),
    w_conv (f,f,1,c2), b_conv (c2,1), y unused -> dldw (1, c2*f*f) (channel index fastest),
    dldb (1, c2). dL/dw(k, q) = sum_p dL/dy(p, k) * x_row_version(q, p).
    """
    x, _ = with_batch_axis(x, x.shape[:2] + (1,), "x")
    height, width, _, n_images = x.shape  # height = 14, width = 14
    f, c2 = w_conv.shape[0], w_conv.shape[3]  # f = 3, c2 = 3
    x_reshaped = reshape_f(x, (height, width, n_images))  # 14 x 14 (x B)
    x_padded = pad_zeros(x_reshaped, 1)  # 16 x 16 (x B)
    x_row_version = im2col_sliding(x_padded, f)  # (3x3) x (14x14) (x B)
    dydw = x_row_version  # dy(p, k)/dw(q, k) = x_row_version(q, p), the same for every filter k
    # dLdy_reshaped = transpose(reshape(dLdy, [height*width c2])): 3 x (14x14) (x B)
    dldy_reshaped = pagetranspose(reshape_f(dldy, (height * width, c2, n_images)))
    # dLdw = dLdy_reshaped * transpose(x_row_version), summed over the images: the pages side
    # by side, [d_1 d_2 ...] * [x_1'; x_2'; ...] (any order of the columns, if the same on both)
    dldw = np.reshape(dldy_reshaped, (c2, -1)) @ np.reshape(dydw, (f * f, -1)).T
    dldw = reshape_f(dldw, (1, c2 * f * f))  # 1 x 27
    dldb = np.reshape(dldy_reshaped.sum(axis=(1, 2)), (1, c2))  # transpose(sum(dLdy_reshaped, 2))
    return dldw, dldb
