"""MATLAB: FC_backward.m -- gradients of the fully connected layer."""

import numpy as np


def fc_backward(dldy, x, w, b, y):
    """[dLdx, dLdw, dLdb] = FC_backward(dLdy, x, w, b, y); parameter gradients summed over B.

    dldy (1,n) (or (B,n): a row per image), x (m,1) (or (m,B)), w (n,m), b (n,1), y unused
    -> dldx (1,m) (or (B,m)), dldw (1,n*m), dldb (1,n). dldw(m*i + j) = dL/dw(i, j): row i of
    the gradient after row i-1 (row-major), as dLdy * kron(eye(n), x') lays it out.
    """
    n, m = w.shape
    dydx = w  # y = w*x + b
    # X = kron(eye(n), transpose(x)) is dy/dw, block-diagonal: row i is x' in block i, since
    # y(i) = w(i,:)*x + b(i). Only its block x' is kept (B x m for a batch); dLdy * X is then
    # row i of dLdy' * x' after row i-1.
    dydw = np.transpose(x)
    dldx = dldy @ dydx  # dLdx = dLdy * w
    dldw = np.reshape(dldy.T @ dydw, (1, n * m))  # dLdw = dLdy * X: row-major on purpose
    dldb = dldy.sum(axis=0, keepdims=True)  # dLdb = dLdy
    return dldx, dldw, dldb
