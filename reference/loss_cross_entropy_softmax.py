"""MATLAB: Loss_cross_entropy_softmax.m -- softmax followed by cross-entropy."""

import numpy as np

from reference.errata import check_errata


def loss_cross_entropy_softmax(x, y, errata="keep"):
    """x (10,1) scores, y (10,1) one-hot label (or (10,B) each) -> (l, dldy).

    l = -sum(y .* log(y_tilde)), y_tilde = exp(x) / sum(exp(x)); l summed over a batch.
    dldy = (y_tilde - y)' : (1,10), or (B,10) one row per image.
    errata="keep" computes exp(x) as the original does (large scores overflow to NaN);
    errata="fix" subtracts each column's max first (same values, no overflow).
    """
    if check_errata(errata) == "fix":
        x = x - np.max(x, axis=0, keepdims=True)
    e = np.exp(x)
    y_tilde = e / np.sum(e, axis=0, keepdims=True)
    l = -np.sum(y * np.log(y_tilde))
    dldy = (y_tilde - y).T
    return l, dldy
