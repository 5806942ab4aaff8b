"""MATLAB: SoftMax.m -- the Deep Learning Toolbox's ``softmax``, used by main_cnn for testing."""

import numpy as np


def soft_max(x):
    """x (10,1) or (10,B) scores -> probabilities exp(x)/sum(exp(x)) per column (max-shifted:
    the same values without overflow)."""
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
