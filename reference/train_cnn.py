"""MATLAB: TrainCNN.m -- mini-batch gradient descent on the whole network."""

import numpy as np

from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.flattening import flattening
from reference.flattening_backward import flattening_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from shared.errata import check_errata
from shared.matlab import as_column, reshape_f
from shared.training import Trained, check_start, conv_weight_step, mini_batch_descent, normrnd
from shared.validate import CNN, boundary, cnn_parameters, mini_batches


PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")
"""TrainCNN's parameters, in the order forward_backward takes them."""


def initial_weights(rng=None, n_filters=3):
    """TrainCNN's start, by name (PARAMETERS' order): w_conv = normrnd(0,1,[3 3 1 3]),
    b_conv = zeros(3,1), w_fc = normrnd(0,1,[10 147]), b_fc = zeros(10,1). The values are
    drawn from a numpy Generator (or seed) in MATLAB's column-major fill order."""
    rng = np.random.default_rng(rng)
    w_conv = normrnd(rng, (3, 3, 1, n_filters))
    w_fc = normrnd(rng, (10, 7 * 7 * n_filters))
    return {"w_conv": w_conv, "b_conv": np.zeros((n_filters, 1)), "w_fc": w_fc,
            "b_fc": np.zeros((10, 1))}


def as_images(x):
    """``x = reshape(currBatch(:, jImage), [14 14 1])`` for every column at once: 196xB images
    -> 14x14x1xB. Anything else is returned as it is."""
    if x.ndim == 2 and x.shape[0] == 196:
        return reshape_f(x, (14, 14, 1, x.shape[1]))
    return x


def forward_pass(x, w_conv, b_conv, w_fc, b_fc):
    """TrainCNN's forward pass: x (14,14,1[,B]) -> pred1, ..., pred5, pred5 the (10,B) scores."""
    pred1 = conv(x, w_conv, b_conv)
    pred2 = relu(pred1)
    pred3 = pool2x2(pred2)
    pred4 = flattening(pred3)
    pred5 = fc(pred4, w_fc, b_fc)
    return pred1, pred2, pred3, pred4, pred5


@boundary(CNN)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep"):
    """The body of TrainCNN's jImage loop, for one image or a whole batch at once.

    x (14,14,1) one image or (14,14,1,B) a batch (14x14 or 196xB columns accepted), y (10,1) or
    (10,B) one-hot -> (l, dLdw_conv (3,3,1,3), dLdb_conv (3,1), dLdw (10,147), dLdb (10,1)):
    what TrainCNN adds to its accumulators, summed over the batch. The arguments are checked
    once per call (``shared.validate.CNN``; lists accepted, w_conv 3x3x3 too).
    """
    check_errata(errata)
    x = as_images(x)
    y = reshape_f(y, (10, -1))
    b_conv, b_fc = as_column(b_conv, w_conv.shape[3], "b_conv"), as_column(b_fc, len(w_fc), "b_fc")
    pred1, pred2, pred3, pred4, pred5 = forward_pass(x, w_conv, b_conv, w_fc, b_fc)
    l, dldy = loss_cross_entropy_softmax(pred5, y, errata)
    dldx_fc, dldw, dldb = fc_backward(dldy, pred4, w_fc, b_fc, pred5)
    dldx_flat = flattening_backward(dldx_fc, pred3, pred4)
    dldx_pool = pool2x2_backward(dldx_flat, pred2, pred3, errata)
    dldx_relu = relu_backward(dldx_pool, pred1, pred2)
    dldw_conv, dldb_conv = conv_backward(dldx_relu, x, w_conv, b_conv, pred1)
    dLdw = reshape_f(dldw, (w_fc.shape[1], w_fc.shape[0])).T  # reshape(dldw, [147 10])'
    dLdb = dldb.T
    dLdw_conv = conv_weight_step(dldw_conv, w_conv.shape, errata)
    dLdb_conv = dldb_conv.T
    return l, dLdw_conv, dLdb_conv, dLdw, dLdb



def train_cnn(mini_batch_x, mini_batch_y, *, start=None, iterations=10000, lr=0.03, decay=1.0,
              errata="keep", rng=None, progress=True, forward_backward=forward_backward,
              extra=None):
    """[w_conv, b_conv, w_fc, b_fc] = TrainCNN(mini_batch_x, mini_batch_y), and the loss history.

    mini_batch_x: list of (196,b) image batches, mini_batch_y: list of (10,b) one-hot labels.
    ``start``: {name: array} for any of w_conv, b_conv, w_fc, b_fc; the rest TrainCNN's draw
    (``initial_weights(rng)``, drawn even when given). Iteration k
    (1-based) uses batch mod(k-1, nBatches)+1, all its images at once; then every parameter
    takes ``-= gamma/currBatchSize * gradient``. Every 1000 iterations gamma (``lr``) is
    multiplied by lambda (``decay``; the original's 1 is a no-op). Returns
    Trained(params {w_conv, b_conv, w_fc, b_fc[, extra...]}, loss (iterations,) each
    iteration's summed loss).

    ``forward_backward`` is the gradient function (the dual twin's, or an extension's, which
    take the same arguments); ``extra``: {name: array}, parameters beyond the original's four
    (an extension's conv layer), passed after b_fc in that order and stepped alike.
    The loop is the one all Train*.m share (``shared.training.mini_batch_descent``).
    The arguments are checked once (``shared.validate``: batches, parameters, settings), and a
    wrong one is a ValueError or TypeError naming it; lists are accepted, w_conv 3x3x3 too.
    Raises TrainingDiverged (shared.errors) when the loss becomes non-finite or the weights
    explode (``shared.divergence.DivergenceWatch``).
    """
    drawn = initial_weights(rng)  # (drawn even when given: the same rng stream either way)
    given = check_start(start, PARAMETERS)
    params = dict(zip(PARAMETERS, (np.array(p) for p in cnn_parameters(
        *(drawn[name] if given.get(name) is None else given[name] for name in PARAMETERS)))))
    params.update({name: np.array(p, dtype=float) for name, p in (extra or {}).items()})
    images, labels = mini_batches(mini_batch_x, mini_batch_y, "cnn")
    images = [as_images(x) for x in images]
    trained, loss = mini_batch_descent(
        images, labels, params.values(), forward_backward, iterations=iterations, lr=lr,
        decay=decay, errata=errata, progress=progress, name="TrainCNN")
    return Trained(dict(zip(params, trained)), loss)
