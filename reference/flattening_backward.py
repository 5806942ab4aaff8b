"""MATLAB: Flattening_backward.m -- reshape the gradient back."""

from shared.matlab import reshape_f


def flattening_backward(dldy, x, y):
    """dLdx = Flattening_backward(dLdy, x, y) = reshape(dLdy, size(x)).

    dldy (1,147) (or (B,147): a row per image), x (7,7,3[,B]), y unused -> dldx, x's shape.
    """
    dldx = reshape_f(dldy.T, x.shape)  # the rows of a batch are its images: transposed first
    return dldx
