"""MATLAB: FC_backward.m -- gradients of the fully connected layer."""

import numpy as np


def fc_backward(dldy, x, w, b, y):
    """dldy (1,10) (or (B,10): a row per image), x (147,1) (or (147,B)), w (10,147), b, y unused
    -> dldx (1,147) (or (B,147)), dldw (1,1470), dldb (1,10); parameter gradients summed over B.

    dldw = dLdy * kron(eye(10), x') in the original: the outer product dLdy' * x' read row by
    row (row-major), i.e. dldw(147*i + j) = dL/dw(i, j).
    """
    dldx = (w.T @ dldy.T).T  # dldy * w, computed transposed: its columns (images) stay fastest
    dldw = np.reshape(dldy.T @ x.T, (1, w.size))  # row-major on purpose, as kron lays it out
    dldb = dldy.sum(axis=0, keepdims=True)
    return dldx, dldw, dldb
