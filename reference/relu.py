"""MATLAB: ReLu.m -- rectified linear unit."""

import numpy as np


def relu(x):
    """y = ReLu(x) = max(0, x), element-wise; any shape (e.g. 14x14x3[xB])."""
    return np.maximum(0, x)
