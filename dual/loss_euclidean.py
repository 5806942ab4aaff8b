"""MATLAB: Loss_euclidean.m -- the loss, and its gradient from dual numbers."""

from dual.seeding import dual_part, seed_rows
from reference.loss_euclidean import euclidean


def loss_euclidean(y_tilde, y):
    """[L, dLdy] = Loss_euclidean(y_tilde, y): y_tilde (10,1) prediction, y (10,1) ground truth
    (or (10,B) each) -> (l, dldy). l: the loss, summed over a batch. dldy (1,10), or (B,10) a
    row per image: the dual part of each image's loss with prediction i seeded with partial i.
    """
    seeded = seed_rows(y_tilde)
    l = euclidean(seeded, y)
    dldy = dual_part(l, seeded)[0]  # 1 x B x 10 partials: d l(b) / d y_tilde(i, b)
    return l.real.sum(), dldy
