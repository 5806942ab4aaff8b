"""The checks of the layer functions: forward ones against the port, backward ones against the
true local gradients (dual numbers, confirmed by central differences).

Each check is a pair: ``<name>_cases(rng)`` (the argument lists to call the function with, one
image as the training loops pass it, values away from kinks and ties unless a case is there
for a convention) and ``<name>_judge(cases, results, rng)`` (a Verdict). The true gradient of a
backward function is that of ``sum(dLdy .* forward(...))`` with respect to each argument.
"""

import numpy as np

import dual.conv_backward
import dual.fc_backward
import dual.flattening_backward
import dual.loss_cross_entropy_softmax
import dual.loss_euclidean
import dual.pool2x2_backward
import dual.relu_backward
from checker.judging import (TOLERANCE, Judgement, confirm_by_differences, generic_layouts,
                             matlab_shape, numeric, shape_text)
from reference.conv import conv
from reference.fc import fc
from reference.flattening import flattening
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.loss_euclidean import loss_euclidean
from reference.pool2x2 import pool2x2
from reference.relu import relu
from shared.mistakes import E1, FC_TRANSPOSE, NO_FACTOR_2  # the catalogue shared with the lessons
from shared.matlab import im2col_distinct, reshape_f

CORRELATION = ("computes a convolution (the kernel flipped); the original's Conv, through "
               "im2col and a product, computes a correlation")
CONV_W_ORDER = ("in w_conv's own column-major order; the assignment's 1x27 row runs channel "
                "fastest, the 3x9 product dLdy_reshaped * x_row_version' read column-major, "
                "as TrainCNN reads it")
CONV_W_SHAPE = "w_conv's own shape, a layout the assignment leaves free"
FC_COLUMNS = ("dL/dw column after column; the assignment's FC_backward (kron(eye(n), x') in "
              "the original) lists it row after row, as Train*.m read it")
FC_MATRIX = "w's own shape; the assignment's is a row, row after row"
NO_BIAS = "a missing bias: y lacks {}"
LEAKY = "a leaky ReLU"
NOT_LEAKY_SLOPE = 1.0
"""A slope below 0 under this is a leaky ReLU (the common ones are 0.01 to 0.2; real students'
code has 0.9); 1 would be no activation at all."""
SAFETY_TOLERANCE = 1e-6
"""How far a loss may be off when it adds a small constant for numerical safety (log(p +
1e-10), a softmax over sum + 1e-10: off by about 1e-10 / p, 1e-9 for the smallest p met); a
wrong formula is off by order one."""
SAFETY = ("off by {:.2g} (relative): a small constant added for numerical safety (as in "
          "log(p + 1e-10)), allowed")


def away_from_zero(rng, shape, low=0.05):
    """Random values of either sign with |value| >= low: no ReLU kink, no pooling tie."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, 1.0, size=shape)


def one_hot(rng, n=10):
    y = np.zeros((n, 1))
    y[rng.integers(n)] = 1.0
    return y


def opposite_sign(what, want):
    """The known mistake of a result with the opposite sign."""
    return (f"{what} has the opposite sign", -np.asarray(want))


def conv_arguments(rng):
    x = rng.uniform(0.05, 1.0, size=(14, 14, 1))
    return x, rng.standard_normal((3, 3, 1, 3)), away_from_zero(rng, (3, 1))


def forward_judge(port):
    """The judge of a forward function: its one result against the port's, ``port(*args)``."""

    def judge(cases, results, rng):
        judgement = Judgement()
        judgement.compare("y", results[0][0], port(*cases[0]))
        return judgement.verdict()

    return judge


# ---- Conv, Conv_backward ------------------------------------------------------------------

def conv_cases(rng):
    return [list(conv_arguments(rng))]


def conv_judge(cases, results, rng):
    (x, w_conv, b_conv), (y,) = cases[0], results[0]
    judgement = Judgement()
    judgement.compare("y", y, conv(x, w_conv, b_conv),
                      [(CORRELATION, conv(x, w_conv[::-1, ::-1], b_conv)),
                       (NO_BIAS.format("b_conv"), conv(x, w_conv, 0 * b_conv))])
    return judgement.verdict()


def conv_backward_cases(rng):
    x, w_conv, b_conv = conv_arguments(rng)
    return [[rng.standard_normal((14, 14, 3)), x, w_conv, b_conv, conv(x, w_conv, b_conv)]]


def conv_backward_judge(cases, results, rng):
    (dldy, x, w_conv, b_conv, y), (dldw, dldb) = cases[0], results[0]
    true_w, true_b = dual.conv_backward.conv_backward(dldy, x, w_conv, b_conv, y)
    c2, f = w_conv.shape[3], w_conv.shape[0]
    as_w = reshape_f(reshape_f(true_w, (c2, f * f)).T, w_conv.shape)  # dL/dw_conv, 3x3x1x3
    confirm_by_differences(lambda w: np.sum(dldy * conv(x, w, b_conv)), w_conv, as_w, rng)
    confirm_by_differences(lambda b: np.sum(dldy * conv(x, w_conv, b)), b_conv, true_b.T, rng)
    judgement = Judgement()
    judgement.compare("dLdw", dldw, true_w, [opposite_sign("dLdw", true_w)],
                      layouts=[(CONV_W_ORDER, reshape_f(as_w, shape))
                               for shape in ((1, as_w.size), (as_w.size, 1))],
                      free=[(CONV_W_SHAPE, as_w), (CONV_W_SHAPE, as_w[:, :, 0, :])])
    judgement.compare("dLdb", dldb, true_b, [opposite_sign("dLdb", true_b)],
                      free=[("b_conv's own shape, a layout the assignment leaves free",
                             true_b.T)])
    return judgement.verdict()


# ---- ReLu, ReLu_backward ------------------------------------------------------------------

def relu_cases(rng):
    x = rng.standard_normal((14, 14, 3))
    x[rng.random(x.shape) < 0.1] = 0.0
    return [[x]]


def relu_judge(cases, results, rng):
    """ReLU; a leaky ReLU (slope a below 0, 0 < a < NOT_LEAKY_SLOPE) is allowed, noted."""
    (x,), (y,) = cases[0], results[0]
    judgement = Judgement()
    got = numeric(y)
    negative = x < 0
    if got is not None and got.shape == x.shape and negative.any():
        slopes = got[negative] / x[negative]
        slope = float(np.median(slopes))
        if 0 < slope < NOT_LEAKY_SLOPE and np.allclose(slopes, slope, rtol=1e-12, atol=0):
            judgement.compare("y", y, np.where(negative, slope * x, x))
            judgement.note(f"{LEAKY} (slope {slope:g} below 0), allowed; the original's is "
                           "max(0, x)")
            return judgement.verdict()
    judgement.compare("y", y, relu(x))
    return judgement.verdict()


def relu_backward_cases(rng):
    """14x14x3 away from the kink; then as TrainMLP calls it, a 1x30 dLdy with a 30x1 x, three
    of whose values are exactly 0 (for the convention at the kink)."""
    x = away_from_zero(rng, (14, 14, 3))
    column = away_from_zero(rng, (30, 1))
    column[[3, 11, 20]] = 0.0
    return [[rng.standard_normal(x.shape), x, relu(x)],
            [away_from_zero(rng, (1, 30)), column, relu(column)]]


def relu_backward_judge(cases, results, rng):
    judgement = Judgement()
    (dldy, x, y), (dldx,) = cases[0], results[0]
    true = dual.relu_backward.relu_backward(dldy, x, y)
    confirm_by_differences(lambda z: np.sum(dldy * relu(z)), x, true, rng)
    judgement.compare("dLdx", dldx, true, [opposite_sign("dLdx", true)])
    (dldy, x, y), (dldx,) = cases[1], results[1]
    kink = reshape_f(x, dldy.shape) == 0
    true = dual.relu_backward.relu_backward(dldy, reshape_f(x, dldy.shape), y)
    got = numeric(dldx)
    if got is not None and got.size == dldy.size:  # at the kink, a convention: not judged
        got = reshape_f(got, dldy.shape)  # (a column for the row: its layout, judged below)
        true = np.where(kink, got, true)
    if judgement.compare("dLdx (a 1x30 dLdy, a 30x1 x)", dldx, true):
        slope = np.unique(np.round(got[kink] / dldy[kink], 12))
        fault = relu_kink_fault(slope)
        judgement.fault(fault) if fault else judgement.note(relu_kink_note(slope))
    return judgement.verdict()


def relu_kink_fault(slope):
    """A ReLU'(0) outside [0, 1] is no derivative of ReLU at all (not a subgradient)."""
    if slope.size and (slope.min() < 0 or slope.max() > 1):
        return (f"ReLU'(0) = {', '.join(f'{s:g}' for s in slope)}: not between the one-sided "
                "derivatives 0 and 1")
    return None


def relu_kink_note(slope):
    """What a function's ReLU'(0) is, beside the original's convention."""
    if slope.size != 1:
        return f"ReLU'(0) is not one value: {', '.join(f'{s:g}' for s in slope)}"
    if slope[0] == 0.5:
        return "ReLU'(0) = 0.5, the original's convention"
    who = {0.0: " (PyTorch's convention)", 1.0: ""}.get(slope[0], "")
    return f"ReLU'(0) = {slope[0]:g}{who}; the original takes 0.5"


# ---- Pool2x2, Pool2x2_backward ------------------------------------------------------------

def pool2x2_cases(rng):
    return [[rng.standard_normal((14, 14, 3))]]


pool2x2_judge = forward_judge(pool2x2)


TIED_BLOCKS = {  # block (row, column, channel) of a tie case -> its values, column-major
    (0, 0, 0): (0.7, 0.7, 0.7, 0.7),  # all four tied
    (3, 2, 1): (0.1, 0.9, 0.9, 0.2),  # (2,1) and (1,2): first column-major, not first row-major
}


def pool2x2_backward_cases(rng):
    x = rng.standard_normal((14, 14, 3))
    ties = rng.standard_normal((14, 14, 3))
    for (r, s, k), values in TIED_BLOCKS.items():
        ties[2 * r:2 * r + 2, 2 * s:2 * s + 2, k] = reshape_f(np.array(values), (2, 2))
    return [[away_from_zero(rng, (7, 7, 3)), x, pool2x2(x)],
            [away_from_zero(rng, (7, 7, 3)), ties, pool2x2(ties)]]


def pool2x2_backward_judge(cases, results, rng):
    (dldy, x, y), (dldx,) = cases[0], results[0]
    true = dual.pool2x2_backward.pool2x2_backward(dldy, x, y)
    confirm_by_differences(lambda z: np.sum(dldy * pool2x2(z)), x, true, rng)
    judgement = Judgement()
    if judgement.compare("dLdx", dldx, true, [(E1, im2col_distinct(true, 2)),
                                               opposite_sign("dLdx", true)]):
        (dldy, ties, _), (dldx,) = cases[1], results[1]
        tied = numeric(dldx)
        if tied is None or tied.size != ties.size:
            judgement.fault(f"on tied blocks dLdx is {shape_text(matlab_shape(np.asarray(dldx)))}, "
                            f"expected {shape_text(matlab_shape(ties))}")
        else:
            note, subgradient = pool_tie_note(reshape_f(tied, ties.shape), dldy)
            judgement.note(note) if subgradient else judgement.fault(note)
    return judgement.verdict()


def pool_tie_note(dldx, dldy):
    """Where a function sends a tied block's gradient (the TIED_BLOCKS of the tie case), and
    whether that is a derivative of max at a tie at all: shares of the tied maxima only, that
    sum to 1 (a subgradient). -> (note, is a subgradient)."""
    shares = [np.round(reshape_f(dldx[2 * r:2 * r + 2, 2 * s:2 * s + 2, k], 4) / dldy[r, s, k], 12)
              for (r, s, k) in TIED_BLOCKS]  # each block's shares, in column-major order
    return _pool_tie_description(*shares), _subgradient(shares)


def _subgradient(shares):
    for block, values in zip(shares, TIED_BLOCKS.values()):
        maxima = np.array(values) == max(values)
        if np.any(block < -1e-12) or np.any(np.abs(block[~maxima]) > 1e-12) \
                or abs(block.sum() - 1) > 1e-12:
            return False
    return True


def _pool_tie_description(all_four, two):
    if all_four.tolist() == [1, 0, 0, 0] and two.tolist() == [0, 1, 0, 0]:
        return ("a tied pooling block passes its gradient to its first maximum in column-major "
                "order, the original's convention")
    if all_four.tolist() == [1, 0, 0, 0] and two.tolist() == [0, 0, 1, 0]:
        return ("a tied pooling block passes its gradient to its first maximum in row-major "
                "order (PyTorch's convention); the original takes the first in column-major order")
    if all_four.tolist() == [0, 0, 0, 1] and two.tolist() == [0, 0, 1, 0]:
        return ("a tied pooling block passes its gradient to its last maximum; the original "
                "takes the first in column-major order")
    if np.allclose(all_four, 0.25) and np.allclose(two, [0, 0.5, 0.5, 0]):
        return ("a tied pooling block splits its gradient equally among its maxima; the "
                "original gives it to the first in column-major order")
    if all_four.tolist() == [1, 1, 1, 1] and two.tolist() == [0, 1, 1, 0]:
        return ("a tied pooling block passes its whole gradient to every maximum (counting it "
                "more than once); the original gives it to the first in column-major order")
    return (f"a tied pooling block's gradient goes to its values in the shares "
            f"{all_four.tolist()} (all four tied) and {two.tolist()} (the 2nd and 3rd tied)")


# ---- Flattening, Flattening_backward ------------------------------------------------------

def flattening_cases(rng):
    return [[rng.standard_normal((7, 7, 3))]]


flattening_judge = forward_judge(flattening)


def flattening_backward_cases(rng):
    x = rng.standard_normal((7, 7, 3))
    return [[rng.standard_normal((1, 147)), x, flattening(x)]]


def flattening_backward_judge(cases, results, rng):
    (dldy, x, y), (dldx,) = cases[0], results[0]
    true = dual.flattening_backward.flattening_backward(dldy, x, y)
    confirm_by_differences(lambda z: (dldy @ flattening(z)).item(), x, true, rng)
    judgement = Judgement()
    judgement.compare("dLdx", dldx, true, [opposite_sign("dLdx", true)])
    return judgement.verdict()


# ---- FC, FC_backward ----------------------------------------------------------------------

def fc_arguments(rng):
    return rng.standard_normal((147, 1)), rng.standard_normal((10, 147)), away_from_zero(rng, (10, 1))


def fc_cases(rng):
    return [list(fc_arguments(rng))]


def fc_judge(cases, results, rng):
    (x, w, b), (y,) = cases[0], results[0]
    judgement = Judgement()
    judgement.compare("y", y, fc(x, w, b), [(NO_BIAS.format("b"), fc(x, w, 0 * b))])
    return judgement.verdict()


def fc_backward_cases(rng):
    x, w, b = fc_arguments(rng)
    return [[rng.standard_normal((1, 10)), x, w, b, fc(x, w, b)]]


def fc_backward_judge(cases, results, rng):
    (dldy, x, w, b, y), (dldx, dldw, dldb) = cases[0], results[0]
    true_x, true_w, true_b = dual.fc_backward.fc_backward(dldy, x, w, b, y)
    as_w = reshape_f(true_w, (w.shape[1], w.shape[0])).T  # dL/dw, n x m
    confirm_by_differences(lambda z: (dldy @ fc(z, w, b)).item(), x, true_x.T, rng)
    confirm_by_differences(lambda z: (dldy @ fc(x, z, b)).item(), w, as_w, rng)
    confirm_by_differences(lambda z: (dldy @ fc(x, w, z)).item(), b, true_b.T, rng)
    judgement = Judgement()
    judgement.compare("dLdx", dldx, true_x, [opposite_sign("dLdx", true_x)])
    judgement.compare("dLdw", dldw, true_w, [opposite_sign("dLdw", true_w)],
                      layouts=[*generic_layouts(true_w), (FC_MATRIX, as_w), (FC_MATRIX, as_w[np.newaxis]),
                               (FC_TRANSPOSE, as_w.T), (FC_COLUMNS, reshape_f(as_w, (1, -1))),
                               (FC_COLUMNS, reshape_f(as_w, (-1, 1)))])
    judgement.compare("dLdb", dldb, true_b, [opposite_sign("dLdb", true_b)])
    return judgement.verdict()


# ---- the losses ---------------------------------------------------------------------------

def loss_cases(rng):
    return [[2.0 * rng.standard_normal((10, 1)), one_hot(rng)]]


def loss_judge(port, twin, known_mistakes):
    """The judge of a loss ``[L, dLdy] = Loss(x, y)``: L against the port's, dLdy against the
    twin's (the true gradient), and ``known_mistakes(true)`` -> (description, result) pairs."""

    def judge(cases, results, rng):
        (x, y), (l, dldy) = cases[0], results[0]
        _, true = twin(x, y)
        confirm_by_differences(lambda z: port(z, y)[0], x, true.T, rng)
        verdicts = []
        for tolerance in (TOLERANCE, SAFETY_TOLERANCE):
            judgement = Judgement(tolerance)
            judgement.compare("L", l, port(x, y)[0], [opposite_sign("L", port(x, y)[0])])
            judgement.compare("dLdy", dldy, true, [*known_mistakes(true),
                                                   opposite_sign("dLdy", true)])
            verdicts.append(judgement.verdict())
        if verdicts[0].status == "wrong" and verdicts[1].status in ("correct", "layout"):
            verdicts[1].note = "; ".join(n for n in (SAFETY.format(verdicts[1].max_rel_error),
                                                     verdicts[1].note) if n)
            return verdicts[1]
        return verdicts[0]

    return judge


loss_cross_entropy_softmax_judge = loss_judge(
    loss_cross_entropy_softmax, dual.loss_cross_entropy_softmax.loss_cross_entropy_softmax,
    lambda true: ())
loss_euclidean_judge = loss_judge(loss_euclidean, dual.loss_euclidean.loss_euclidean,
                                  lambda true: [(NO_FACTOR_2, true / 2)])
