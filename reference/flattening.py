"""MATLAB: Flattening.m -- column-major vectorisation."""

from shared.matlab import reshape_f


def flattening(x):
    """y = Flattening(x): x (7,7,3) -> y (147,1); a batch x (7,7,3,B) -> y (147,B), a column per image."""
    h, w, c = x.shape[:3]
    return reshape_f(x, (h * w * c, -1))
