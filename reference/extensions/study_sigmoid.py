"""MATLAB: Sigmoid.m of the seed study -- its approximated sigmoid (study chapter 5)."""

import numpy as np


def study_sigmoid(x):
    """y = (x / (|x| + 1) + 0.5) * 0.5, element-wise: a sigmoid-shaped curve from 0 to 1 without
    exp (the study's DualArray had no exp); any shape."""
    return (x / (np.abs(x) + 1) + 0.5) * 0.5
