"""MATLAB: Conv_backward.m -- gradients of the conv weights and biases (no dL/dx: first layer)."""

import numpy as np

from shared.matlab import im2col_sliding, pad_zeros, page_transpose, reshape_f, with_batch_axis


def conv_backward(dldy, x, w_conv, b_conv, y):
    """dL/dw_conv and dL/db_conv, summed over a batch, in the row shapes MATLAB returns.

    dldy (14,14,c2[,B]) -- or anything with 14*14*c2 values per image, read column-major as
    the original does (with erratum E1 it receives the 4x49x3 block layout), x (14,14,1[,B]),
    w_conv (f,f,1,c2), b_conv (c2,1), y unused -> dldw (1, c2*f*f) (channel index fastest),
    dldb (1, c2). dL/dw(k, q) = sum_p dL/dy(p, k) * x_row_version(q, p).
    """
    height, width = x.shape[:2]
    x, _ = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    x_padded = pad_zeros(x[:, :, 0, :], (f - 1) // 2)
    x_row_version = im2col_sliding(x_padded, f)  # (f*f) x (14*14) x B
    dldy_reshaped = page_transpose(reshape_f(dldy, (height * width, c2, x.shape[3])))  # c2 x 196 x B
    # dLdw = dLdy_reshaped * transpose(x_row_version), summed over the images of a batch: one
    # product of the pages laid side by side, [d_1 d_2 ...] * [x_1'; x_2'; ...]
    n_columns = height * width * x.shape[3]
    dldw = reshape_f(dldy_reshaped, (c2, n_columns)) @ reshape_f(x_row_version, (f * f, n_columns)).T
    dldw = reshape_f(dldw, (1, c2 * f * f))
    dldb = np.sum(dldy_reshaped, axis=(1, 2)).reshape(1, c2)
    return dldw, dldb
