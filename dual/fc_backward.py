"""MATLAB: FC_backward.m -- gradients of the fully connected layer, from dual numbers."""

import numpy as np

from dual.seeding import affine_jacobian, fc_row_seeds
from reference.fc import fc


def fc_backward(dldy, x, w, b, y):
    """dldy (1,10) (or (B,10): a row per image), x (147,1) (or (147,B)), w (10,147), b, y unused
    -> dldx (1,147) (or (B,147)), dldw (1,1470) (row-major, as the original's kron lays it
    out), dldb (1,10); parameter gradients summed over B.

    Local derivatives from fc on dual numbers: dy/dx with every input of one image seeded (fc
    is affine in x: the same Jacobian for every image); dy/dw and dy/db with row 0's weights
    and bias seeded (every output is the same function of its own row).
    """
    dydx = affine_jacobian(lambda v: fc(v, w, b), (x.shape[0], 1))  # 10 x 147
    dydw = fc(x, *fc_row_seeds(w, b)).dual[0]  # B x (147 + 1): dy(i,b)/dw(i,j), dy(i,b)/db(i)
    dldx = dldy @ dydx
    dldw_and_b = dldy.T @ dydw  # 10 x (147 + 1): sum over images of dL/dy(b,i) * dy(i,b)/dw(i,j)
    dldw = np.reshape(dldw_and_b[:, :-1], (1, w.size))  # row-major on purpose, as kron lays it out
    dldb = dldw_and_b[:, -1].reshape(1, -1)
    return dldx, dldw, dldb
