"""What a run measures: accuracy and the row-normalised confusion matrix (the end of
main_cnn.m)."""

import numpy as np

from shared.validate import class_labels


def accuracy(pred, true):
    """Fraction of `pred` equal to `true` (any shapes with the same number of elements)."""
    pred, true = _labels_pair(pred, true)
    return float(np.mean(pred == true))


def confusion_matrix(pred, true, n_classes=10):
    """Row-normalised confusion matrix (n_classes, n_classes), as main_cnn computes it.

    Row i, column j: the fraction of the samples of true class i predicted as class j. Each row
    with samples sums to 1; a class without samples keeps a row of zeros.
    """
    pred, true = _labels_pair(pred, true, n_classes)
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (true, pred), 1)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def _labels_pair(pred, true, n_classes=None):
    """`pred` and `true` flattened to int64 vectors of class labels (whole numbers, below
    `n_classes` when given) of equal length, or ValueError."""
    pred, true = class_labels("pred", pred, n_classes), class_labels("true", true, n_classes)
    if pred.size != true.size:
        raise ValueError(f"pred has {pred.size} labels but true has {true.size}")
    if pred.size == 0:
        raise ValueError("pred and true are empty")
    return pred, true
