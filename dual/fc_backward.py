"""MATLAB: FC_backward.m -- gradients of the fully connected layer, from dual numbers."""

import numpy as np

from dual.seeding import affine_jacobian, dual_part, fc_row_seeds
from reference.fc import fc


def fc_backward(dldy, x, w, b, y):
    """[dLdx, dLdw, dLdb] = FC_backward(dLdy, x, w, b, y); parameter gradients summed over B.

    dldy (1,n) (or (B,n): a row per image), x (m,1) (or (m,B)), w (n,m), b (n,1), y unused
    -> dldx (1,m) (or (B,m)), dldw (1,n*m), dldb (1,n). dldw(m*i + j) = dL/dw(i, j): row i of
    the gradient after row i-1 (row-major), as the original's dLdy * X lays it out.
    """
    n, m = w.shape
    dydx = affine_jacobian(lambda v: fc(v, w, b), (m, 1))  # n x m: FC on one image seeded
    # dy(i)/dw(i, j) and dy(i)/db(i), the same for every row i: FC run on row 1 of (w, b)
    # seeded (m + 1 seeds), for each image: B x (m + 1)
    seeded = fc_row_seeds(w, b)
    dydw_and_b = dual_part(fc(x, *seeded), seeded[0])[0]
    dydw, dydb = dydw_and_b[:, :m], dydw_and_b[:, m]
    dldx = dldy @ dydx  # dLdx = dLdy * w
    dldw = np.reshape(dldy.T @ dydw, (1, n * m))  # dLdw = dLdy * X: row-major on purpose
    dldb = np.reshape(dldy.T @ dydb, (1, n))  # dLdb = dLdy
    return dldx, dldw, dldb
