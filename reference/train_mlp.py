"""MATLAB: TrainMLP.m -- the two-layer perceptron: FC (30x196), ReLu, FC (10x30), softmax and
cross-entropy."""

import numpy as np

from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.relu import relu
from reference.relu_backward import relu_backward
from shared.errata import check_errata
from shared.training import fc_weight_step, normrnd, perceptron_descent, starting_weights
from shared.validate import MLP, boundary


def initial_weights(rng=None, hidden=30):
    """TrainMLP's start: w1 = normrnd(0, 1, [30 196]), b1 = zeros(30, 1), then
    w2 = normrnd(0, 1, [10 30]), b2 = zeros(10, 1), from a numpy Generator (or seed) in MATLAB's
    column-major fill order, w1 drawn first."""
    rng = np.random.default_rng(rng)
    w1 = normrnd(rng, (hidden, 196))
    w2 = normrnd(rng, (10, hidden))
    return {"w1": w1, "b1": np.zeros((hidden, 1)), "w2": w2, "b2": np.zeros((10, 1))}


def forward_pass(x, w1, b1, w2, b2):
    """TrainMLP's forward pass: x (196,1) or (196,B) -> a1, f1 (30,B), a2 (10,B) the scores."""
    a1 = fc(x, w1, b1)
    f1 = relu(a1)
    a2 = fc(f1, w2, b2)
    return a1, f1, a2


@boundary(MLP)
def mlp_forward_backward(x, y, w1, b1, w2, b2, errata="keep"):
    """The body of TrainMLP's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw1 (30,196), dLdb1 (30,1),
    dLdw2 (10,30), dLdb2 (10,1)): what TrainMLP adds to its accumulators, summed over the batch
    (with errata="keep" the scrambled weight steps of erratum E3, both layers).
    """
    check_errata(errata)
    a1, f1, a2 = forward_pass(x, w1, b1, w2, b2)
    l, dlda2 = loss_cross_entropy_softmax(a2, y, errata)
    dldf1, dldw2, dldb2 = fc_backward(dlda2, f1, w2, b2, a2)
    # a1' and f1': a row per image, as dldf1 has them (for one image the same linear index)
    dlda1 = relu_backward(dldf1, a1.T, f1.T)
    _, dldw1, dldb1 = fc_backward(dlda1, x, w1, b1, a1)
    dLdw2 = fc_weight_step(dldw2, w2.shape, errata)
    dLdb2 = dldb2.T
    dLdw1 = fc_weight_step(dldw1, w1.shape, errata)
    dLdb1 = dldb1.T
    return l, dLdw1, dLdb1, dLdw2, dLdb2


def train_mlp(mini_batch_x, mini_batch_y, *, start=None, hidden=30, iterations=10000, lr=1.0,
              decay=0.75, errata="keep", rng=None, progress=True,
              forward_backward=mlp_forward_backward):
    """[w1, b1, w2, b2] = TrainMLP(mini_batch_x, mini_batch_y), and the loss history.

    ``start``: {name: array} for any of w1, b1, w2, b2 (the rest TrainMLP's draw,
    ``initial_weights(rng, hidden)``, drawn even when given). gamma = ``lr`` (1.0), lambda =
    ``decay`` (0.75): the loop of every Train*.m (``shared.training.mini_batch_descent``,
    through ``perceptron_descent``). ``forward_backward``: the gradient function. Divergence is
    watched as in train_slp_linear. Returns Trained({w1 (30,196), b1 (30,1), w2 (10,30),
    b2 (10,1)}, loss (iterations,)).
    """
    return perceptron_descent("TrainMLP", mini_batch_x, mini_batch_y,
                              starting_weights(initial_weights(rng, hidden), start),
                              forward_backward, iterations, lr, decay, errata, progress)
