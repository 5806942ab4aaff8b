"""TrainCNN's network as an object, with another activation in ReLu's place or another conv
layer in Conv's: ``Network``.

Not in the original. The same chain of layers as ``reference.train_cnn.forward_backward``, with
the layer functions taken from a namespace (``network_layers``), so that the dual twin can run
it with its own backward layers (``dual.extensions.network.DualNetwork``). The original network
is one instance, ``Network("relu", "linear")``: the same layers, loop and results as
``reference.train_cnn``.
"""

from math import prod
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
from shared.errors import WeightsError
from shared.validate import CNN, boundary, cnn_parameters, images, whole_number
from shared.weights import WEIGHT_NAMES, cnn_shapes, load_cnn_mat, save_cnn_mat

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


class Network:
    """TrainCNN's network: Conv (of kind ``conv``), ``activation`` in ReLu's place, Pool2x2,
    Flattening, FC, the softmax cross-entropy; its layers' functions (``layers``: each forward
    and each backward, hand-derived here, from dual numbers in ``DualNetwork``) and its
    parameters: their names (``parameters``), their start (``initial_weights``), their MATLAB
    shapes (``shapes``) and how they go to and from cnn.mat (``load``, ``save``).

    ``Network()`` is the original network, relu and linear: the same layers, loop and results
    as ``reference.train_cnn``. An unknown activation or conv kind is a ValueError naming the
    choices."""

    kinds = CONV_KINDS
    """The conv kinds this variant has (the twin's has one more, the Gaussian kervolution)."""

    def __init__(self, activation="relu", conv="linear"):
        self.activation, self.conv = check_activation(activation), conv
        self.layers = self.network_layers()
        self.kind = self.layers.conv_kind

    def network_layers(self):
        """The functions this network chains (``network_layers``)."""
        return network_layers(self.activation, self.conv, self.kinds)

    @property
    def parameters(self):
        """The parameters' names, in the order the gradient functions take them: TrainCNN's
        four, then the conv kind's extra ones."""
        return (*PARAMETERS, *self.kind.extra)

    def shapes(self, n_filters=3):
        """name -> the parameter's MATLAB shape as cnn.mat holds it (``cnn_shapes``, then
        the conv kind's entries)."""
        entries = self.kind.file_entries(n_filters)
        return {**cnn_shapes(n_filters), **{name: shape for name, (shape, _) in entries.items()}}

    @property
    def size(self):
        """How many numbers its parameters hold (the original's 1,510): the parameters' own
        shapes (a kind's file-only entries, as the Gaussian's gamma_conv, not counted; all of
        Volterra's w2_conv, of which the upper triangle is used)."""
        shapes = self.shapes()
        return sum(prod(shapes[name]) for name in self.parameters)

    def forward_pass(self, x, w_conv, b_conv, w_fc, b_fc, *extra):
        """TrainCNN's forward pass with this network's layers: -> (pred1, ..., pred5)."""
        layers = self.layers
        pred1 = layers.conv(x, w_conv, b_conv, *extra)
        pred2 = layers.activation(pred1)
        pred3 = layers.pool2x2(pred2)
        pred4 = layers.flattening(pred3)
        pred5 = layers.fc(pred4, w_fc, b_fc)
        return pred1, pred2, pred3, pred4, pred5

    def forward_backward(self, x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata="keep"):
        """TrainCNN's loop body with this network's layers, unchecked (the training loop calls
        it every iteration): what reference.train_cnn.forward_backward returns, followed by the
        gradients of the conv kind's extra parameters."""
        layers = self.layers
        x = as_images(x)
        y = reshape_f(y, (10, -1))
        pred1, pred2, pred3, pred4, pred5 = self.forward_pass(x, w_conv, b_conv, w_fc, b_fc, *extra)
        l, dldy = layers.loss_cross_entropy_softmax(pred5, y, errata)
        dldx_fc, dldw, dldb = layers.fc_backward(dldy, pred4, w_fc, b_fc, pred5)
        dldx_flat = layers.flattening_backward(dldx_fc, pred3, pred4)
        dldx_pool = layers.pool2x2_backward(dldx_flat, pred2, pred3, errata)
        dldx_act = layers.activation_backward(dldx_pool, pred1, pred2)
        dLdw_conv, dLdb_conv, *dLd_extra = layers.conv_gradients(
            dldx_act, x, w_conv, b_conv, *extra, pred1, errata)
        dLdw = reshape_f(dldw, (w_fc.shape[1], w_fc.shape[0])).T
        return (l, dLdw_conv, dLdb_conv, dLdw, dldb.T, *dLd_extra)

    def gradient_function(self, mode=None):
        """The gradient function training injects into TrainCNN's loop: ``forward_backward``
        (the reference has one way to get its gradients; ``mode`` is the twin's)."""
        if mode is not None:
            raise ValueError(f"mode is the dual variant's (chain or forward), got {mode!r}")
        return self.forward_backward

    def extra_parameters(self, given):
        """The conv kind's extra parameters from the mapping ``given``, in the kind's order."""
        if set(given) != set(self.kind.extra):
            raise ValueError(f"this conv layer takes the extra parameters {list(self.kind.extra)}, "
                             f"got {sorted(given)}")
        return [given[name] for name in self.kind.extra]

    def initial_weights(self, rng):
        """TrainCNN's draw (``reference.train_cnn.initial_weights``), then the kind's own start of
        its extra parameters (and its filters, when it starts them otherwise): name -> array."""
        drawn = initial_weights(rng)
        start = self.kind.initial(rng, drawn["w_conv"])
        return {**drawn, **start}

    def train(self, mini_batch_x, mini_batch_y, *, start=None, rng=None, mode=None, **kwargs):
        """reference.train_cnn.train_cnn for this network: the same arguments and result (a
        Trained, params by name); ``start`` may also hold the conv kind's extra parameters
        (default: the kind's start), which the trained params hold after b_fc. ``mode``: the
        dual twin's way to get the gradients (``gradient_function``)."""
        gradients = self.gradient_function(mode)
        given = check_start(start, self.parameters)
        rng = np.random.default_rng(rng)
        drawn = self.initial_weights(rng)
        params = {name: drawn[name] if given.get(name) is None else given[name]
                  for name in self.parameters}
        return train_cnn_loop(mini_batch_x, mini_batch_y, rng=rng,
                              start={name: params[name] for name in PARAMETERS},
                              extra={name: params[name] for name in self.kind.extra},
                              forward_backward=gradients, **kwargs)

    def predict(self, im, params, chunk=1000):
        """reference.main_cnn.predict for this network: im (196,N) and ``params`` (name ->
        array: the four and the kind's extra ones) -> predicted labels (N,) in 0..9 (main_cnn's
        test loop: the forward pass, SoftMax, the first maximum, ``chunk`` at a time)."""
        im, _ = images("im", im, "columns")
        four = cnn_parameters(*(params[name] for name in PARAMETERS))
        extra = self.extra_parameters({name: params[name] for name in params
                                       if name not in PARAMETERS})
        chunk = whole_number("chunk", chunk, 1)
        labels = []
        for start in range(0, im.shape[1], chunk):
            x = as_images(im[:, start:start + chunk])
            scores = self.forward_pass(x, *four, *extra)[-1]
            labels.append(np.argmax(soft_max(scores), axis=0))
        return np.concatenate(labels)

    def load(self, path):
        """A cnn.mat (main_cnn's, or ``save``'s) -> start (name -> array) for this network,
        checked (``shared.weights.load_cnn_mat``, with the conv kind's entries); a
        WeightsError when the file lacks a parameter the kind needs."""
        loaded = self.kind.from_file(load_cnn_mat(path, extra=self.kind.file_entries(3)))
        missing = [name for name in self.kind.extra if name not in loaded]
        if missing:
            raise WeightsError(f"{path}: a '{self.conv}' conv layer needs "
                               f"{', '.join(missing)}, which the file does not have")
        return {name: loaded[name] for name in self.parameters}

    def save(self, path, params):
        """Write ``params`` (name -> array) as main_cnn.m saves its weights, the conv kind's
        extra parameters as the kind writes them."""
        extra = {name: params[name] for name in self.kind.extra}
        save_cnn_mat(path, *(params[name] for name in WEIGHT_NAMES),
                     **(self.kind.to_file(extra) or {}))


@boundary(CNN)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep", activation="relu",
                     conv="linear", **conv_extra):
    """reference.forward_backward with ``activation`` in ReLu's place and a conv layer of kind
    ``conv``, whose extra parameters come by name (e.g. ``w2_conv=``) and whose gradients follow.
    x, y and the four parameters are checked as reference.forward_backward's."""
    network = Network(activation, conv)
    return network.forward_backward(x, y, w_conv, b_conv, w_fc, b_fc,
                                    *network.extra_parameters(conv_extra), errata=errata)


def train_cnn(mini_batch_x, mini_batch_y, *, activation="relu", conv="linear", **kwargs):
    """``Network(activation, conv).train``: reference.train_cnn.train_cnn for this network."""
    return Network(activation, conv).train(mini_batch_x, mini_batch_y, **kwargs)


def predict(im, w_conv, b_conv, w_fc, b_fc, activation="relu", conv="linear", conv_extra=None,
            chunk=1000, network=Network):
    """``network(activation, conv).predict`` with the parameters one by one (conv_extra: the
    kind's extra ones by name); ``network`` the class (the twin's DualNetwork knows the
    Gaussian kervolution too)."""
    conv_extra = dict(conv_extra or {})
    if set(conv_extra) & set(PARAMETERS):
        raise ValueError(f"conv_extra holds the conv kind's extra parameters, not "
                         f"{sorted(set(conv_extra) & set(PARAMETERS))[0]}")
    params = {"w_conv": w_conv, "b_conv": b_conv, "w_fc": w_fc, "b_fc": b_fc, **conv_extra}
    return network(activation, conv).predict(im, params, chunk)
