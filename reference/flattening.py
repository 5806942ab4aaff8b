"""MATLAB: Flattening.m -- column-major vectorisation."""

from shared.matlab import reshape_f


def flattening(x):
    """x (7,7,3) -> y (147,1); a batch x (7,7,3,B) -> y (147,B) (one column per image)."""
    n_values = x.shape[0] * x.shape[1] * x.shape[2]
    return reshape_f(x, (n_values, -1))
