"""MATLAB: Loss_cross_entropy_softmax.m -- the loss, and its gradient from dual numbers."""

from dual.errata import check_errata
from dual.seeding import seed_rows
from reference.loss_cross_entropy_softmax import cross_entropy_softmax


def loss_cross_entropy_softmax(x, y, errata="fix"):
    """x (10,1) scores, y (10,1) one-hot label (or (10,B) each) -> (l, dldy).

    l: the loss, summed over a batch. dldy (1,10) (or (B,10), a row per image): the dual part of
    each image's loss with the score of class i seeded with partial i.
    """
    check_errata(errata)
    l, _ = cross_entropy_softmax(seed_rows(x), y, errata)  # (1,B) losses with 10 partials
    return l.real.sum(), l.dual[0]
