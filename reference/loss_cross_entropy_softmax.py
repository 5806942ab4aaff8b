"""MATLAB: Loss_cross_entropy_softmax.m -- softmax followed by cross-entropy."""

import numpy as np

from reference.errata import check_errata


def cross_entropy_softmax(x, y, errata="keep"):
    """The forward half: x (10,1) scores, y (10,1) one-hot (or (10,B) each) -> (l, y_tilde):
    each image's loss l (1,1) (or (1,B)) = -sum(y .* log(y_tilde)), y_tilde = exp(x)/sum(exp(x)).

    errata="keep" computes exp(x) as the original does (large scores overflow to NaN);
    errata="fix" computes log(y_tilde) as a log-softmax: the same values without overflow,
    and a finite loss even where y_tilde underflows to 0.
    """
    if check_errata(errata) == "fix":
        # shifted by each column's max: a constant (.real: on dual numbers its tangent is not
        # carried), since the log-softmax, and so its derivative, is the same for any shift
        shifted = x - x.real.max(axis=0, keepdims=True)
        log_y_tilde = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        y_tilde = np.exp(log_y_tilde)
    else:
        e = np.exp(x)
        y_tilde = e / e.sum(axis=0, keepdims=True)
        log_y_tilde = np.log(y_tilde)
    return -(y * log_y_tilde).sum(axis=0, keepdims=True), y_tilde


def loss_cross_entropy_softmax(x, y, errata="keep"):
    """x (10,1) scores, y (10,1) one-hot label (or (10,B) each) -> (l, dldy).

    l: the loss, summed over a batch. dldy = (y_tilde - y)' : (1,10), or (B,10) a row per image.
    """
    l, y_tilde = cross_entropy_softmax(x, y, errata)
    dldy = (y_tilde - y).T
    return l.sum(), dldy
