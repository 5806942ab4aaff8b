"""MATLAB: SoftMax.m -- the Deep Learning Toolbox's ``softmax``, used by main_cnn for testing."""

import numpy as np


def soft_max(x):
    """x (10,1) or (10,B) scores -> probabilities exp(x)/sum(exp(x)) per column (max-shifted:
    the same values without overflow)."""
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
