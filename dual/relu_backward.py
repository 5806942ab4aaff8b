"""MATLAB: ReLu_backward.m -- gradient through max(0, x), relu' read off dual numbers.

Any element-wise activation gets its backward the same way: ``activation_backward`` needs only
the forward function.
"""

from dual.seeding import elementwise_derivative
from reference.relu import relu
from shared.matlab import reshape_f


def activation_backward(activation, dldy, x, y):
    """dL/dx = dL/dy .* activation'(x), the derivative read off dual numbers.

    dldy: any array with as many values as x; x (14,14,3[,B]); y unused -> dldx, dldy's shape.
    """
    derivative = elementwise_derivative(activation, x)  # the dual part of activation(x + 1*eps)
    return dldy * reshape_f(derivative, dldy.shape)


def relu_backward(dldy, x, y):
    """relu' from dual numbers; relu'(0) = 0.5 since np.maximum splits a tie 1/2 : 1/2."""
    return activation_backward(relu, dldy, x, y)
