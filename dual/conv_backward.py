"""MATLAB: Conv_backward.m -- conv weight and bias gradients from dual numbers."""

import numpy as np

from dual.seeding import conv_filter_seeds
from reference.conv import conv
from shared.matlab import reshape_f


def conv_backward(dldy, x, w_conv, b_conv, y, forward=conv):
    """dL/dw_conv and dL/db_conv, summed over a batch, in the row shapes MATLAB returns.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w_conv (f,f,1,c2), b_conv (c2,1), y unused
    -> dldw (1, c2*f*f) (channel index fastest), dldb (1, c2).
    The local derivatives dy/dw, dy/db are the dual part of conv run on a seeded filter;
    ``forward`` may be any implementation of it (``conv_loops``: the loop form).
    """
    height, width = x.shape[:2]
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    dydw = forward(x, *conv_filter_seeds(w_conv, b_conv)).dual  # 14x14x1[xB] x (f*f + 1)
    dydw = reshape_f(dydw, (-1, f * f + 1))  # (14*14*B) x (f*f + 1): dy(p,k,b)/dw(q,k), /db(k)
    dldy_reshaped = np.moveaxis(reshape_f(dldy, (height * width, c2, -1)), 1, 0)  # c2 x 196 x B
    # dL/dw(k, q) = sum over positions p and images b of dL/dy(p, k, b) * dy(p, k, b)/dw(q, k)
    dldw_and_b = reshape_f(dldy_reshaped, (c2, -1)) @ dydw  # c2 x (f*f + 1)
    dldw = reshape_f(dldw_and_b[:, :f * f], (1, c2 * f * f))
    dldb = dldw_and_b[:, f * f].reshape(1, c2)
    return dldw, dldb
