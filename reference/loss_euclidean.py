"""MATLAB: Loss_euclidean.m -- the squared Euclidean distance of the linear perceptron."""

import numpy as np


def euclidean(y_tilde, y):
    """The loss half of the original: y_tilde (10,1) prediction, y (10,1) ground truth (or
    (10,B) each) -> each image's loss l (1,1) (or (1,B)) = sum((y - y_tilde) .^ 2)."""
    return ((y - y_tilde) ** 2).sum(axis=0, keepdims=True)  # L = sum((y - y_tilde) .^ 2)


def loss_euclidean(y_tilde, y):
    """[L, dLdy] = Loss_euclidean(y_tilde, y): y_tilde (10,1) prediction, y (10,1) ground truth
    (or (10,B) each) -> (l, dldy). l: the loss, summed over a batch. dldy (1,10), or (B,10) a
    row per image: -2 (y - y_tilde), transposed.
    """
    l = euclidean(y_tilde, y)
    dldy = np.transpose(-2 * (y - y_tilde))  # dLdy = transpose(-2 * (y - y_tilde))
    return l.sum(), dldy
