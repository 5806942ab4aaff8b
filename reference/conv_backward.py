"""MATLAB: Conv_backward.m -- gradients of the conv weights and biases (no dL/dx: first layer)."""

import numpy as np

from reference.conv import channel_rows
from shared.matlab import reshape_f, with_batch_axis
from shared.patches import sliding_patches


def conv_backward(dldy, x, w_conv, b_conv, y):
    """dL/dw_conv and dL/db_conv, summed over a batch, in the row shapes MATLAB returns.

    dldy (14,14,c2[,B]) -- or anything with 14*14*c2 values per image, read column-major as
    the original does (with erratum E1 it receives the 4x49x3 block layout), x (14,14,1[,B]),
    w_conv (f,f,1,c2), b_conv (c2,1), y unused -> dldw (1, c2*f*f) (channel index fastest),
    dldb (1, c2). dL/dw(k, q) = sum_p dL/dy(p, k) * x_row_version(q, p).
    """
    height, width = x.shape[:2]
    x, _ = with_batch_axis(x, (height, width, 1), "x")
    f, c2, n_images = w_conv.shape[0], w_conv.shape[3], x.shape[3]
    x_row_version = sliding_patches(x, f)  # (f*f) x (14*14) x B, as Conv made them
    # dLdy_reshaped = reshape(dLdy, [14*14 c2])': c2 x 196 per image; its columns for the whole
    # batch laid out as conv's product gives them (column p*B + b: position p of image b)
    dldy_reshaped = channel_rows(reshape_f(dldy, (height, width, c2, n_images)))  # c2 x (196*B)
    # dLdw = dLdy_reshaped * transpose(x_row_version), summed over the images of a batch: the
    # pages laid side by side, [d_1 d_2 ...] * [x_1'; x_2'; ...], computed row by row (one
    # matrix-vector product per filter reads the patches at memory speed; BLAS runs this
    # c2-row product slower)
    x_rows = np.reshape(x_row_version, (f * f, -1))  # (f*f) x (196*B)
    dldw = np.array([x_rows @ dldy_k for dldy_k in dldy_reshaped])  # c2 x (f*f)
    dldw = reshape_f(dldw, (1, c2 * f * f))
    dldb = dldy_reshaped.sum(axis=1).reshape(1, c2)
    return dldw, dldb
