"""MATLAB: Conv_backward.m -- gradients of the conv weights and biases, from dual numbers."""

import numpy as np

from dual.seeding import conv_filter_seeds, dual_part
from reference.conv import conv
from shared.matlab import pagetranspose, reshape_f, with_batch_axis


def conv_backward(dldy, x, w_conv, b_conv, y):
    """[dLdw, dLdb] = Conv_backward(dLdy, x, w_conv, b_conv, y), summed over a batch.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w_conv (f,f,1,c2), b_conv (c2,1), y unused
    -> dldw (1, c2*f*f) (channel index fastest), dldb (1, c2).
    dy/dw and dy/db: the dual part of Conv run on filter 0 seeded (f*f + 1 seeds); filter k
    is the same linear function of its weights as filter 0, so these serve every filter.
    """
    x, _ = with_batch_axis(x, x.shape[:2] + (1,), "x")
    height, width, _, n_images = x.shape  # height = 14, width = 14
    f, c2 = w_conv.shape[0], w_conv.shape[3]  # f = 3, c2 = 3
    seeded = conv_filter_seeds(w_conv, b_conv)
    dydw_and_b = dual_part(conv(x, *seeded), seeded[0])[:, :, 0]  # 14x14xBx(3x3 + 1)
    dydw_and_b = np.moveaxis(reshape_f(dydw_and_b, (height * width, n_images, -1)), -1, 0)
    dydw, dydb = dydw_and_b[:f * f], dydw_and_b[f * f]  # (3x3) x (14x14) x B, (14x14) x B
    # dLdy_reshaped = transpose(reshape(dLdy, [height*width c2])): 3 x (14x14) (x B)
    dldy_reshaped = pagetranspose(reshape_f(dldy, (height * width, c2, n_images)))
    # dLdw = dLdy_reshaped * transpose(x_row_version), summed over the images: the pages side
    # by side, [d_1 d_2 ...] * [x_1'; x_2'; ...] (any order of the columns, if the same on both)
    dldw = np.reshape(dldy_reshaped, (c2, -1)) @ np.reshape(dydw, (f * f, -1)).T
    dldw = reshape_f(dldw, (1, c2 * f * f))  # 1 x 27
    dldb = np.reshape(np.reshape(dldy_reshaped, (c2, -1)) @ np.reshape(dydb, -1), (1, c2))
    return dldw, dldb
