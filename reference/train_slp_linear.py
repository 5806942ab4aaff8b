"""MATLAB: TrainSLP_linear.m -- the linear single-layer perceptron: FC (10x196), Euclidean loss."""

import numpy as np

from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_euclidean import loss_euclidean
from shared.errata import check_errata
from shared.divergence import EUCLIDEAN_CHANCE
from shared.training import fc_weight_step, normrnd, perceptron_descent, starting_weights
from shared.validate import SLP, boundary


def initial_weights(rng=None):
    """TrainSLP_linear's (and TrainSLP's) start: w = normrnd(0, 1, [10 196]), b = zeros(10, 1),
    drawn from a numpy Generator (or seed) in MATLAB's column-major fill order."""
    return {"w": normrnd(np.random.default_rng(rng), (10, 196)), "b": np.zeros((10, 1))}


@boundary(SLP)
def slp_linear_forward_backward(x, y, w, b, errata="keep"):
    """The body of TrainSLP_linear's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw (10,196), dLdb (10,1)):
    what TrainSLP_linear adds to its accumulators, summed over the batch (with errata="keep"
    the scrambled weight step of erratum E3, ``fc_weight_step``).
    """
    check_errata(errata)
    y_tilde = fc(x, w, b)
    l, dldy = loss_euclidean(y_tilde, y)
    _, dldw, dldb = fc_backward(dldy, x, w, b, y_tilde)
    dLdw = fc_weight_step(dldw, w.shape, errata)
    dLdb = dldb.T
    return l, dLdw, dLdb



def train_slp_linear(mini_batch_x, mini_batch_y, *, start=None, iterations=10000, lr=0.03,
                     decay=0.8, errata="keep", rng=None, progress=True,
                     forward_backward=slp_linear_forward_backward):
    """[w, b] = TrainSLP_linear(mini_batch_x, mini_batch_y), and the loss history.

    mini_batch_x: list of (196,b) image batches, mini_batch_y: list of (10,b) one-hot labels.
    ``start``: {name: array} for any of w, b (the rest TrainSLP_linear's draw,
    ``initial_weights(rng)``, drawn even when given). gamma = ``lr`` (0.03), lambda =
    ``decay`` (0.8): the loop of every Train*.m (``shared.training.mini_batch_descent``,
    through ``perceptron_descent``). ``forward_backward``: the gradient function (the dual
    twin's takes the same arguments). Returns Trained({w (10,196), b (10,1)}, loss
    (iterations,)).
    A diverging run stops (TrainingDiverged, ``shared.divergence.DivergenceWatch``), but as
    written (errata="keep"), where it only warns (TrainingDivergedWarning) unless the loss or
    a weight becomes NaN or inf: erratum E3's scrambled steps make the weights grow without
    bound (to 1e21 in 10,000 iterations, in Octave as here), and the run is the original's.
    """
    return perceptron_descent("TrainSLP_linear", mini_batch_x, mini_batch_y,
                              starting_weights(initial_weights(rng), start), forward_backward,
                              iterations, lr, decay, errata, progress, chance=EUCLIDEAN_CHANCE)
