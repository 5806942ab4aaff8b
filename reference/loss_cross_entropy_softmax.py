"""MATLAB: Loss_cross_entropy_softmax.m -- softmax followed by cross-entropy."""

import numpy as np

from shared.errata import check_errata


def cross_entropy_softmax(x, y, errata="keep"):
    """The loss half of the original: x (10,1) scores, y (10,1) one-hot (or (10,B) each) ->
    (l, y_tilde): each image's loss l (1,1) (or (1,B)) = -sum(y .* log(y_tilde)),
    y_tilde = exp(x)/sum(exp(x)).

    errata="keep" computes exp(x) as the original does (large scores overflow to NaN);
    errata="fix" computes log(y_tilde) as a log-softmax: the same values without overflow, and
    a finite loss even where y_tilde underflows to 0.
    """
    if check_errata(errata) == "keep":
        y_tilde = np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)  # exp(x) / sum(exp(x))
        log_y_tilde = np.log(y_tilde)
    else:  # shifted by each column's max, which the log-softmax (and its derivative) ignores
        shifted = x - x.max(axis=0, keepdims=True)
        log_y_tilde = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        y_tilde = np.exp(log_y_tilde)
    l = -(y * log_y_tilde).sum(axis=0, keepdims=True)  # L = -sum(y .* log(y_tilde))
    return l, y_tilde


def loss_cross_entropy_softmax(x, y, errata="keep"):
    """[L, dLdy] = Loss_cross_entropy_softmax(x, y): x (10,1) scores, y (10,1) one-hot label (or
    (10,B) each) -> (l, dldy). l: the loss, summed over a batch. dldy (1,10), or (B,10) a row
    per image: dL/dx = y_tilde - y, transposed.
    """
    l, y_tilde = cross_entropy_softmax(x, y, errata)
    dldy = np.transpose(y_tilde - y)  # dLdy = transpose(y_tilde - y)
    return l.sum(), dldy
