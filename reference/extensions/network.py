"""TrainCNN's network with another activation in ReLu's place or another conv layer in Conv's.

Not in the original. The same chain of layers as ``reference.train_cnn.forward_backward``, with
the layer functions taken from a namespace (``network_layers``), so that the dual twin can run
it with its own backward layers (``dual.extensions.network``).
"""

from functools import partial
from types import SimpleNamespace

import numpy as np

from reference.extensions.conv_kinds import CONV_KINDS, check_conv
from reference.extensions.sigmoid import sigmoid
from reference.extensions.sigmoid_backward import sigmoid_backward
from reference.extensions.study_sigmoid import study_sigmoid
from reference.extensions.study_sigmoid_backward import study_sigmoid_backward
from reference.fc import fc
from reference.get_mini_batch import get_mini_batch  # noqa: F401 (main_cnn's, for compare_filters)
from reference.fc_backward import fc_backward
from reference.flattening import flattening
from reference.flattening_backward import flattening_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from reference.soft_max import soft_max
from reference.train_cnn import PARAMETERS, as_images, initial_weights
from reference.train_cnn import train_cnn as train_cnn_loop
from shared.choices import check_choice
from shared.matlab import reshape_f
from shared.training import check_start
from shared.validate import CNN, boundary, cnn_parameters, images, whole_number

ACTIVATIONS = {
    "relu": (relu, relu_backward),  # the original's
    "sigmoid": (sigmoid, sigmoid_backward),
    "study-sigmoid": (study_sigmoid, study_sigmoid_backward),  # the seed study's approximation
}
"""Activation name -> (forward, backward), for the ReLu layer's place."""


def check_activation(activation, activations=ACTIVATIONS):
    """Return ``activation`` if it is a key of ``activations``, else raise a ValueError naming them."""
    return check_choice("activation", activation, activations)


def network_layers(activation="relu", conv="linear", kinds=CONV_KINDS):
    """The layer functions TrainCNN chains, with ``activation`` in ReLu's place and the conv
    layer of kind ``conv`` (a key of ``kinds``)."""
    forward, backward = ACTIVATIONS[check_activation(activation)]
    kind = check_conv(conv, kinds)
    return SimpleNamespace(
        conv=kind.forward, activation=forward, pool2x2=pool2x2, flattening=flattening, fc=fc,
        loss_cross_entropy_softmax=loss_cross_entropy_softmax, fc_backward=fc_backward,
        flattening_backward=flattening_backward, pool2x2_backward=pool2x2_backward,
        activation_backward=backward, conv_gradients=kind.gradients, conv_kind=kind)


def forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *extra):
    """TrainCNN's forward pass with the functions of ``layers``: -> (pred1, ..., pred5)."""
    pred1 = layers.conv(x, w_conv, b_conv, *extra)
    pred2 = layers.activation(pred1)
    pred3 = layers.pool2x2(pred2)
    pred4 = layers.flattening(pred3)
    pred5 = layers.fc(pred4, w_fc, b_fc)
    return pred1, pred2, pred3, pred4, pred5


def backpropagation(layers, x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata="keep"):
    """TrainCNN's loop body with the functions of ``layers``: what forward_backward returns,
    followed by the gradients of the conv kind's extra parameters."""
    x = as_images(x)
    y = reshape_f(y, (10, -1))
    pred1, pred2, pred3, pred4, pred5 = forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *extra)
    l, dldy = layers.loss_cross_entropy_softmax(pred5, y, errata)
    dldx_fc, dldw, dldb = layers.fc_backward(dldy, pred4, w_fc, b_fc, pred5)
    dldx_flat = layers.flattening_backward(dldx_fc, pred3, pred4)
    dldx_pool = layers.pool2x2_backward(dldx_flat, pred2, pred3, errata)
    dldx_act = layers.activation_backward(dldx_pool, pred1, pred2)
    dLdw_conv, dLdb_conv, *dLd_extra = layers.conv_gradients(dldx_act, x, w_conv, b_conv, *extra,
                                                          pred1, errata)
    dLdw = reshape_f(dldw, (w_fc.shape[1], w_fc.shape[0])).T
    return (l, dLdw_conv, dLdb_conv, dLdw, dldb.T, *dLd_extra)


def extra_parameters(kind, given):
    """The conv kind's extra parameters from the dict ``given``, in the kind's order."""
    if set(given) != set(kind.extra):
        raise ValueError(f"this conv layer takes the extra parameters {list(kind.extra)}, "
                         f"got {sorted(given)}")
    return [given[name] for name in kind.extra]


@boundary(CNN)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep", activation="relu",
                     conv="linear", **conv_extra):
    """reference.forward_backward with ``activation`` in ReLu's place and a conv layer of kind
    ``conv``, whose extra parameters come by name (e.g. ``w2_conv=``) and whose gradients follow.
    x, y and the four parameters are checked as reference.forward_backward's."""
    layers = network_layers(activation, conv)
    return backpropagation(layers, x, y, w_conv, b_conv, w_fc, b_fc,
                           *extra_parameters(layers.conv_kind, conv_extra), errata=errata)


def network_initial_weights(rng, kind):
    """TrainCNN's draw, then the kind's own start of its extra parameters (and its filters)."""
    w_conv, b_conv, w_fc, b_fc = initial_weights(rng)
    start = kind.initial(rng, w_conv)
    return (start.pop("w_conv", w_conv), b_conv, w_fc, b_fc), start


def train_cnn(mini_batch_x, mini_batch_y, *, activation="relu", conv="linear", start=None,
              rng=None, layers=None, gradients=None, **kwargs):
    """reference.train_cnn.train_cnn for this network: the same arguments and result (a
    Trained); ``start`` may also hold the conv kind's extra parameters (default: the kind's
    start), which the trained params hold after b_fc.
    ``layers`` and ``gradients`` (the gradient function) are the twin's: the dual twin passes
    its own. The original network (relu, linear) is one such network: the same layers, kind
    and loop as reference.train_cnn.train_cnn, with the same result."""
    layers = network_layers(activation, conv) if layers is None else layers
    kind = layers.conv_kind
    given = check_start(start, (*PARAMETERS, *kind.extra))
    rng = np.random.default_rng(rng)
    drawn, kind_start = network_initial_weights(rng, kind)
    four = {name: value if given.get(name) is None else given[name]
            for name, value in zip(PARAMETERS, drawn)}
    given_extra = {name: given[name] for name in kind.extra if name in given}
    extra = extra_parameters(kind, {**kind_start, **given_extra})
    return train_cnn_loop(mini_batch_x, mini_batch_y, start=four, rng=rng,
                          extra=dict(zip(kind.extra, extra)),
                          forward_backward=gradients or partial(backpropagation, layers), **kwargs)


def predict(im, w_conv, b_conv, w_fc, b_fc, activation="relu", conv="linear", conv_extra=None,
            chunk=1000, layers=None):
    """reference.main_cnn.predict for this network: im (196,N) -> predicted labels (N,) in 0..9
    (main_cnn's test loop: the forward pass, SoftMax, the first maximum, ``chunk`` at a time)."""
    im, _ = images("im", im, "columns")
    w_conv, b_conv, w_fc, b_fc = cnn_parameters(w_conv, b_conv, w_fc, b_fc)
    chunk = whole_number("chunk", chunk, 1)
    layers = network_layers(activation, conv) if layers is None else layers
    extra = extra_parameters(layers.conv_kind, conv_extra or {})
    labels = []
    for start in range(0, im.shape[1], chunk):
        x = as_images(im[:, start:start + chunk])
        scores = forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *extra)[-1]
        labels.append(np.argmax(soft_max(scores), axis=0))
    return np.concatenate(labels)
