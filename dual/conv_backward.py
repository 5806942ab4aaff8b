"""MATLAB: Conv_backward.m -- conv weight and bias gradients from dual numbers."""

import numpy as np

from dual.seeding import conv_weight_seeds
from reference.conv import conv
from shared.matlab import reshape_f


def conv_backward(dldy, x, w_conv, b_conv, y):
    """dL/dw_conv and dL/db_conv, summed over a batch, in the row shapes MATLAB returns.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w_conv (f,f,1,c2), b_conv (c2,1), y unused
    -> dldw (1, c2*f*f) (channel index fastest), dldb (1, c2).
    The local derivatives dy/dw, dy/db are the dual part of conv run on seeded weights.
    """
    height, width = x.shape[:2]
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    n_seeds = f * f + 1
    dydw = conv(x, *conv_weight_seeds(w_conv, b_conv)).dual  # 14x14xc2[xB] x (f*f + 1)
    dydw = reshape_f(dydw, (height * width, c2, -1, n_seeds))
    dldy_reshaped = reshape_f(dldy, (height * width, c2, dydw.shape[2]))
    # dL/dw(k, q) = sum over positions p and images b of dL/dy(p, k, b) * dy(p, k, b)/dw(q, k)
    dldw_and_b = np.einsum("pkb,pkbq->kq", dldy_reshaped, dydw)  # c2 x (f*f + 1)
    dldw = reshape_f(dldw_and_b[:, :f * f], (1, c2 * f * f))
    dldb = dldw_and_b[:, f * f].reshape(1, c2)
    return dldw, dldb
