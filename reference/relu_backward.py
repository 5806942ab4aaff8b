"""MATLAB: ReLu_backward.m -- gradient through max(0, x)."""

import numpy as np

from shared.matlab import reshape_f


def relu_backward(dldy, x, y):
    """dL/dx = dL/dy .* relu'(x), with relu'(0) = 0.5 (the original's convention at the kink).

    dldy: any array with as many values as x; x (14,14,3[,B]); y unused -> dldx, dldy's shape.
    As in the original, the mask is built on x's layout and applied by linear (column-major)
    index to dldy, whatever dldy's shape (with erratum E1 dldy is in the 4x49x3 block layout).
    """
    derivative = 0.5 * (np.sign(x) + 1)  # 1 where x > 0, 0 where x < 0, 0.5 at x == 0
    return dldy * reshape_f(derivative, dldy.shape)
