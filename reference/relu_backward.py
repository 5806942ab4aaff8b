"""MATLAB: ReLu_backward.m -- gradient through max(0, x)."""

import numpy as np

from shared.matlab import reshape_f


def relu_backward(dldy, x, y):
    """dLdx = ReLu_backward(dLdy, x, y) = dLdy .* dydx, with relu'(0) = 0.5 (the original's
    convention at the kink).

    dldy: any array with as many values as x; x (14,14,3[,B]); y unused -> dldx, dldy's shape.
    As in the original, dydx is built on x's layout and applied by linear (column-major) index
    to dldy, whatever dldy's shape (with erratum E1 dldy is in the 4x49x3 block layout).
    """
    dydx = 0.5 * (np.sign(x) + 1)  # dydx(x > 0) = 1; dydx(x < 0) = 0; dydx(x == 0) = 0.5
    dldx = dldy * reshape_f(dydx, dldy.shape)
    return dldx
