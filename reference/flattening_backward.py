"""MATLAB: Flattening_backward.m -- reshape the gradient back."""

from shared.matlab import reshape_f


def flattening_backward(dldy, x, y):
    """dldy (1,147) (or (B,147): one row per image), x (7,7,3[,B]), y unused -> dldx, x's shape."""
    return reshape_f(dldy.T, x.shape)
