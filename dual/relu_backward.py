"""MATLAB: ReLu_backward.m -- gradient through max(0, x), relu' read off dual numbers."""

from dual.seeding import elementwise_derivative
from reference.relu import relu
from shared.matlab import reshape_f


def relu_backward(dldy, x, y):
    """dLdx = ReLu_backward(dLdy, x, y) = dLdy .* dydx, with relu'(0) = 0.5 (the original's
    convention at the kink).

    dldy: any array with as many values as x; x (14,14,3[,B]); y unused -> dldx, dldy's shape.
    dydx: the dual part of ReLu(x + 1 eps); 0.5 at x == 0, where np.maximum splits a tie.
    """
    dydx = elementwise_derivative(relu, x)  # dydx(x > 0) = 1; dydx(x < 0) = 0; dydx(x == 0) = 0.5
    dldx = dldy * reshape_f(dydx, dldy.shape)
    return dldx
