"""MATLAB: Loss_cross_entropy_softmax.m -- the loss, and its gradient from dual numbers."""

from dual.seeding import dual_part, seed_rows
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from shared.errata import TRUE_DERIVATIVES, check_errata


def loss_cross_entropy_softmax(x, y, errata="fix"):
    """[L, dLdy] = Loss_cross_entropy_softmax(x, y): x (10,1) scores, y (10,1) one-hot label (or
    (10,B) each) -> (l, dldy). l: the loss, summed over a batch. dldy (1,10), or (B,10) a row
    per image: the dual part of each image's loss with score i seeded with partial i.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    seeded = seed_rows(x)
    l, y_tilde = cross_entropy_softmax(seeded, y, errata)
    dldy = dual_part(l, seeded)[0]  # 1 x B x 10 partials: d l(b) / d x(i, b)
    return l.real.sum(), dldy
