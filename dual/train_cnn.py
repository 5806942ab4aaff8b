"""MATLAB: TrainCNN.m -- the same training, every gradient from dual numbers.

Two ways to get the gradients (``mode``):
- "chain" (default): TrainCNN's backward pass, each layer's local derivatives read off dual
  numbers (dual/*_backward.py), chained by the same loop body as the reference's;
- "forward": no backward pass at all: seed the parameters (in chunks) and run the forward pass;
  the dual part of the loss is the gradient.
"""

from functools import partial

from dual.conv_layers import CONV_KINDS
from dual.errata import check_errata
from dual.fc_backward import fc_backward
from dual.flattening_backward import flattening_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.pool2x2_backward import pool2x2_backward
from dual.relu_backward import activation_backward
from dual.seeding import gradient
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from reference.train_cnn import (as_images, backpropagation, check_activation, extra_parameters,
                                 forward_pass)
from reference.train_cnn import network_layers as reference_network_layers
from reference.train_cnn import train_cnn as reference_train_cnn


def network_layers(activation="relu", conv="linear"):
    """The layer functions TrainCNN chains: the reference's forward layers, every backward one
    from dual/. Any activation's backward comes from its forward alone."""
    layers = reference_network_layers(activation, conv, CONV_KINDS)
    layers.activation_backward = partial(activation_backward, layers.activation)
    layers.loss_cross_entropy_softmax = loss_cross_entropy_softmax
    layers.fc_backward = fc_backward
    layers.flattening_backward = flattening_backward
    layers.pool2x2_backward = pool2x2_backward
    return layers


LAYERS = network_layers("relu")
MODES = ("chain", "forward")


def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix", activation="relu",
                     conv="linear", mode="chain", **conv_extra):
    """One forward and backward pass with dual-number gradients; reference.forward_backward's
    interface: x (14,14,1[,B]) (or 196xB), y (10,1) or (10,B) -> (loss, dLdw_conv (3,3,1,3),
    dLdb_conv (3,1), dLdw_fc (10,147), dLdb_fc (10,1), then the steps of the conv kind's extra
    parameters), summed over the batch."""
    check_errata(errata)
    layers = LAYERS if (activation, conv) == ("relu", "linear") else network_layers(activation, conv)
    extra = extra_parameters(layers.conv_kind, conv_extra)
    if mode == "chain":
        return backpropagation(layers, x, y, w_conv, b_conv, w_fc, b_fc, errata, *extra)
    if mode == "forward":
        params = (w_conv, b_conv, w_fc, b_fc, *extra)
        loss, grads = forward_mode_gradient(x, y, params, range(len(params)), errata, activation,
                                            conv)
        return (loss, *(grads[i] for i in range(len(params))))
    raise ValueError(f"mode must be 'chain' or 'forward', got {mode!r}")


def forward_mode_gradient(x, y, params, wrt, errata="fix", activation="relu", conv="linear",
                          chunk=128):
    """Forward mode: the loss of (x, y) under params = (w_conv, b_conv, w_fc, b_fc, *conv extra)
    and its gradient w.r.t. params[i] for i in ``wrt``, from the forward pass alone.
    Returns (loss, {i: gradient shaped like params[i]})."""
    check_errata(errata)
    layers = network_layers(activation, conv)
    x = as_images(x)
    y = y.reshape(10, -1)

    def loss(w_conv, b_conv, w_fc, b_fc, *conv_extra):
        scores = forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *conv_extra)[-1]
        return cross_entropy_softmax(scores, y, errata)[0].sum()

    return gradient(loss, params, wrt, chunk)


def train_cnn(mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
    """reference.train_cnn with dual-number gradients (``mode`` "chain" or "forward"); the same
    arguments and results: (w_conv, b_conv, w_fc, b_fc, loss[, extra parameters]). Every conv
    kind of dual.conv_layers.CONV_KINDS, the Gaussian kervolution included."""
    check_errata(errata)
    check_activation(kwargs.get("activation", "relu"))
    if mode not in MODES:
        raise ValueError(f"mode must be 'chain' or 'forward', got {mode!r}")
    return reference_train_cnn(mini_batch_x, mini_batch_y, errata=errata,
                               forward_backward=partial(forward_backward, mode=mode),
                               conv_kinds=CONV_KINDS, **kwargs)
