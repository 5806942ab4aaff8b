"""Gradient through the logistic sigmoid (hand-derived, for the reference)."""

from shared.matlab import reshape_f


def sigmoid_backward(dldy, x, y):
    """dL/dx = dL/dy .* y .* (1 - y), since sigmoid' = sigmoid (1 - sigmoid).

    dldy: as many values as x, x (14,14,3[,B]), y = sigmoid(x) -> dldx, dldy's shape.
    """
    return dldy * reshape_f(y * (1 - y), dldy.shape)
