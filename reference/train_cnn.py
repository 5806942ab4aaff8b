"""MATLAB: TrainCNN.m -- mini-batch gradient descent on the whole network."""

import math
from types import SimpleNamespace

import numpy as np
from tqdm.auto import tqdm

from reference.conv_layers import CONV_KINDS, check_conv, conv_weight_step  # noqa: F401 (E2)
from reference.errata import check_errata
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.flattening import flattening
from reference.flattening_backward import flattening_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from reference.sigmoid import sigmoid
from reference.sigmoid_backward import sigmoid_backward
from reference.study_sigmoid import study_sigmoid
from reference.study_sigmoid_backward import study_sigmoid_backward
from shared.errors import TrainingDiverged
from shared.memory import keep_freed_memory
from shared.matlab import reshape_f

N_FILTERS = 3
FILTER_SIZE = 3
N_CLASSES = 10


def as_images(x):
    """Images as the conv layer takes them: 196xB columns (mini_batch_x) -> 14x14x1xB."""
    if x.ndim == 2 and x.shape[0] == 196:
        return reshape_f(x, (14, 14, 1, x.shape[1]))
    return x


ACTIVATIONS = {
    "relu": (relu, relu_backward),  # the original's
    "sigmoid": (sigmoid, sigmoid_backward),
    "study-sigmoid": (study_sigmoid, study_sigmoid_backward),  # the seed study's approximation
}
"""Activation name -> (forward, backward), for the ReLu layer's place."""


def check_activation(activation):
    """Return ``activation`` if it is a key of ACTIVATIONS, else raise a ValueError naming them."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return activation


def network_layers(activation="relu", conv="linear", conv_kinds=CONV_KINDS):
    """The layer functions TrainCNN chains, with ``activation`` in ReLu's place and the conv
    layer of kind ``conv`` (a key of ``conv_kinds``)."""
    forward, backward = ACTIVATIONS[check_activation(activation)]
    kind = check_conv(conv, conv_kinds)
    return SimpleNamespace(
        conv=kind.forward, activation=forward, pool2x2=pool2x2, flattening=flattening, fc=fc,
        loss_cross_entropy_softmax=loss_cross_entropy_softmax, fc_backward=fc_backward,
        flattening_backward=flattening_backward, pool2x2_backward=pool2x2_backward,
        activation_backward=backward, conv_steps=kind.steps, conv_kind=kind,
    )


LAYERS = network_layers("relu")
"""The original network's layer functions; ``dual`` has its own set with the same names."""


def forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *conv_extra):
    """TrainCNN's FORWARD PASS: x (14,14,1[,B]) -> (pred1, ..., pred5), pred5 the (10,B) scores.
    ``conv_extra``: the conv kind's parameters beyond w_conv, b_conv (none for the original)."""
    pred1 = layers.conv(x, w_conv, b_conv, *conv_extra)
    pred2 = layers.activation(pred1)
    pred3 = layers.pool2x2(pred2)
    pred4 = layers.flattening(pred3)
    pred5 = layers.fc(pred4, w_fc, b_fc)
    return pred1, pred2, pred3, pred4, pred5


def backpropagation(layers, x, y, w_conv, b_conv, w_fc, b_fc, errata, *conv_extra):
    """TrainCNN's loop body with the functions of ``layers``: forward pass, loss, BACKWARD PASS
    (FC_backward -> Flattening_backward -> Pool2x2_backward -> ReLu_backward -> Conv_backward)
    and the reshapes with which TrainCNN accumulates. Returns what forward_backward returns,
    followed by the steps of the conv kind's extra parameters."""
    x = as_images(x)
    y = y.reshape(N_CLASSES, -1)
    pred1, pred2, pred3, pred4, pred5 = forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc,
                                                     *conv_extra)
    loss, dldy = layers.loss_cross_entropy_softmax(pred5, y, errata)
    dldx_fc, dldw, dldb = layers.fc_backward(dldy, pred4, w_fc, b_fc, pred5)
    dldx_flat = layers.flattening_backward(dldx_fc, pred3, pred4)
    dldx_pool = layers.pool2x2_backward(dldx_flat, pred2, pred3, errata)
    dldx_relu = layers.activation_backward(dldx_pool, pred1, pred2)
    # Conv_backward, and what TrainCNN accumulates
    dLdw_conv, dLdb_conv, *dLd_extra = layers.conv_steps(dldx_relu, x, w_conv, b_conv, *conv_extra,
                                                          pred1, errata)
    dLdw_fc = reshape_f(dldw, (w_fc.shape[1], w_fc.shape[0])).T
    dLdb_fc = dldb.T
    return (loss, dLdw_conv, dLdb_conv, dLdw_fc, dLdb_fc, *dLd_extra)


def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep", activation="relu",
                     conv="linear", **conv_extra):
    """One forward and backward pass, as TrainCNN's inner loop does it for each image.

    x (14,14,1) one image or (14,14,1,B) a batch (14x14 or 196xB columns accepted), y (10,1) or
    (10,B) one-hot -> (loss, dLdw_conv (3,3,1,3), dLdb_conv (3,1), dLdw_fc (10,147),
    dLdb_fc (10,1)): what TrainCNN adds to its accumulators, summed over the batch.
    ``activation`` replaces ReLu by another key of ACTIVATIONS; ``conv`` picks the conv layer's
    kind (reference.conv_layers), whose extra parameters come by name (e.g. ``w2_conv=``) and
    whose steps follow in the same order.
    """
    check_errata(errata)
    layers = LAYERS if (activation, conv) == ("relu", "linear") else network_layers(activation, conv)
    return backpropagation(layers, x, y, w_conv, b_conv, w_fc, b_fc, errata,
                           *extra_parameters(layers.conv_kind, conv_extra))


def extra_parameters(kind, given):
    """The conv kind's extra parameters from the dict ``given``, in the kind's order."""
    if set(given) != set(kind.extra):
        raise ValueError(f"this conv layer takes the extra parameters {list(kind.extra)}, "
                         f"got {sorted(given)}")
    return [given[name] for name in kind.extra]


def initial_weights(rng=None, n_filters=N_FILTERS):
    """TrainCNN's start: w_conv = normrnd(0,1,[3 3 1 3]), b_conv = 0, w_fc = normrnd(0,1,[10 147]),
    b_fc = 0. Values are drawn in MATLAB's column-major fill order from a numpy Generator."""
    rng = np.random.default_rng(rng)
    w_conv = reshape_f(rng.standard_normal(FILTER_SIZE * FILTER_SIZE * n_filters),
                       (FILTER_SIZE, FILTER_SIZE, 1, n_filters))
    n_features = 7 * 7 * n_filters
    w_fc = reshape_f(rng.standard_normal(N_CLASSES * n_features), (N_CLASSES, n_features))
    return w_conv, np.zeros((n_filters, 1)), w_fc, np.zeros((N_CLASSES, 1))


def train_cnn(mini_batch_x, mini_batch_y, *, w_conv=None, w_fc=None, b_conv=None, b_fc=None,
              iterations=10000, lr=0.03, decay=1.0, errata="keep", activation="relu",
              conv="linear", conv_extra=None, rng=None, progress=True,
              forward_backward=forward_backward, conv_kinds=CONV_KINDS):
    """Train by mini-batch gradient descent; returns (w_conv, b_conv, w_fc, b_fc, loss), and for
    a conv kind with extra parameters a sixth element: {name: trained value}.

    mini_batch_x: list of (196,b) image batches, mini_batch_y: list of (10,b) one-hot labels.
    Starting weights default to TrainCNN's N(0,1) draw (``rng``); biases to zero; a conv kind's
    extra parameters to its own start, or ``conv_extra`` ({name: value}).
    Iteration k (1-based) uses batch mod(k-1, nBatches)+1; after the batch every parameter
    takes ``-= lr/b * gradient``. Every 1000 iterations lr is multiplied by ``decay`` (the
    original's lambda = 1: a no-op). ``loss`` (iterations,) is each iteration's summed loss.
    ``activation`` replaces ReLu, ``conv`` the conv layer (reference.conv_layers);
    ``forward_backward`` is the gradient function and ``conv_kinds`` the conv kinds it knows
    (the dual twin passes its own).
    Raises TrainingDiverged if a loss becomes NaN or inf.
    """
    check_errata(errata)
    check_activation(activation)
    kind = check_conv(conv, conv_kinds)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    rng = np.random.default_rng(rng)
    drawn = initial_weights(rng)
    kind_start = kind.initial(rng, drawn[0])
    w_conv = kind_start.pop("w_conv", drawn[0]) if w_conv is None else np.array(w_conv, dtype=float)
    b_conv = drawn[1] if b_conv is None else np.array(b_conv, dtype=float).reshape(-1, 1)
    w_fc = drawn[2] if w_fc is None else np.array(w_fc, dtype=float)
    b_fc = drawn[3] if b_fc is None else np.array(b_fc, dtype=float).reshape(-1, 1)
    kind_start.pop("w_conv", None)
    extra = {**kind_start, **(conv_extra or {})}
    extra_names = list(kind.extra)
    extra_values = [np.array(v, dtype=float) for v in extra_parameters(kind, extra)]
    # each batch stored image index fastest (a 196xB array, C-ordered): see shared.matlab
    images = [as_images(np.ascontiguousarray(x, dtype=float)) for x in mini_batch_x]
    labels = [np.asarray(y, dtype=float) for y in mini_batch_y]
    options = {} if conv == "linear" else {"conv": conv}

    keep_freed_memory()  # (shared.memory: fresh arrays each iteration without page faults)
    loss = np.zeros(iterations)
    # A diverging run overflows silently, as in MATLAB; the loss check reports it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in tqdm(range(iterations), disable=not progress, desc="TrainCNN", unit="it"):
            if (i + 1) % 1000 == 0:
                lr = lr * decay
            k = i % len(images)
            batch_loss, dw_conv, db_conv, dw_fc, db_fc, *d_extra = forward_backward(
                images[k], labels[k], w_conv, b_conv, w_fc, b_fc, errata=errata,
                activation=activation, **options, **dict(zip(extra_names, extra_values)))
            if not math.isfinite(batch_loss):
                raise TrainingDiverged(i + 1, batch_loss)
            loss[i] = batch_loss
            step = lr / labels[k].shape[1]
            w_conv = w_conv - step * dw_conv
            b_conv = b_conv - step * db_conv
            w_fc = w_fc - step * dw_fc
            b_fc = b_fc - step * db_fc
            extra_values = [v - step * d for v, d in zip(extra_values, d_extra)]
    if not extra_names:
        return w_conv, b_conv, w_fc, b_fc, loss
    return w_conv, b_conv, w_fc, b_fc, loss, dict(zip(extra_names, extra_values))

