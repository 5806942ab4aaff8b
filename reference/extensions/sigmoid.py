"""The logistic sigmoid, an alternative activation to ReLu (not in the original)."""

import numpy as np


def sigmoid(x):
    """y = 1 / (1 + exp(-x)), element-wise; any shape (e.g. 14x14x3[xB])."""
    return 1 / (1 + np.exp(-x))
