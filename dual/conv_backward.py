"""MATLAB: Conv_backward.m -- conv weight and bias gradients from dual numbers."""

import numpy as np

from dual.seeding import conv_filter_seeds
from reference.conv import channel_rows, conv
from shared.matlab import reshape_f, with_batch_axis


def conv_backward(dldy, x, w_conv, b_conv, y, forward=conv):
    """dL/dw_conv and dL/db_conv, summed over a batch, in the row shapes MATLAB returns.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w_conv (f,f,1,c2), b_conv (c2,1), y unused
    -> dldw (1, c2*f*f) (channel index fastest), dldb (1, c2).
    The local derivatives dy/dw, dy/db are the dual part of conv run on a seeded filter;
    ``forward`` may be any implementation of it (``conv_loops``: the loop form).
    """
    height, width = x.shape[:2]
    x, _ = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    dydw = forward(x, *conv_filter_seeds(w_conv, b_conv)).dual  # 14x14x1xB x (f*f + 1)
    # rows: dy(p,k,b)/dw(q,k) and /db(k) for partial q; columns: positions p and images b,
    # listed alike for dL/dy (transposes that are views for batches stored image index fastest)
    dydw_rows = channel_rows(np.swapaxes(dydw[:, :, 0], 2, 3))  # (f*f + 1) x (14*14*B)
    dldy_rows = channel_rows(reshape_f(dldy, (height, width, c2, -1)))  # c2 x (14*14*B)
    # dL/dw(k, q) = sum over positions p and images b of dL/dy(p, k, b) * dy(p, k, b)/dw(q, k):
    # one matrix-vector product per filter (as the reference's Conv_backward)
    dldw_and_b = np.array([dydw_rows @ dldy_k for dldy_k in dldy_rows])  # c2 x (f*f + 1)
    dldw = reshape_f(dldw_and_b[:, :f * f], (1, c2 * f * f))
    dldb = dldw_and_b[:, f * f].reshape(1, c2)
    return dldw, dldb
