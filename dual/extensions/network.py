"""reference.extensions.network with every backward layer from dual numbers (not in the original).

Any element-wise activation's backward comes from its forward alone (``activation_backward``);
the conv kinds are dual.extensions.conv_kinds' (the Gaussian kervolution included).
"""

from functools import partial

from dual.extensions.conv_kinds import CONV_KINDS
from dual.fc_backward import fc_backward
from dual.flattening_backward import flattening_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.pool2x2_backward import pool2x2_backward
from dual.seeding import elementwise_derivative
from dual.train_cnn import check_mode, forward_mode
from reference.get_mini_batch import get_mini_batch  # noqa: F401 (main_cnn's, for compare_filters)
from reference.extensions import network as reference_network
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.matlab import reshape_f
from shared.validate import CNN, boundary


def activation_backward(activation, dldy, x, y):
    """dL/dx = dL/dy .* activation'(x), the derivative read off dual numbers (any element-wise
    activation). dldy: as many values as x; x (14,14,3[,B]); y unused -> dldx, dldy's shape."""
    dydx = elementwise_derivative(activation, x)  # the dual part of activation(x + 1 eps)
    return dldy * reshape_f(dydx, dldy.shape)


def network_layers(activation="relu", conv="linear"):
    """The layer functions TrainCNN chains: the reference's forward layers, every backward one
    from dual/."""
    layers = reference_network.network_layers(activation, conv, CONV_KINDS)
    layers.activation_backward = partial(activation_backward, layers.activation)
    layers.loss_cross_entropy_softmax = loss_cross_entropy_softmax
    layers.fc_backward = fc_backward
    layers.flattening_backward = flattening_backward
    layers.pool2x2_backward = pool2x2_backward
    return layers


def gradient_function(layers, mode="chain"):
    """The gradient function of this network for ``mode`` "chain" or "forward"; arguments
    (x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata), unchecked: its callers check them once
    (the training loop calls it every iteration)."""
    if check_mode(mode) == "chain":
        return partial(reference_network.backpropagation, layers)
    return partial(forward_mode.unchecked, forward=lambda x, *params:
                   reference_network.forward_pass(layers, x, *params)[-1])


@boundary(CNN, TRUE_DERIVATIVES)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix", activation="relu",
                     conv="linear", mode="chain", **conv_extra):
    """reference.extensions.network.forward_backward with dual-number gradients."""
    check_errata(errata, TRUE_DERIVATIVES)
    layers = network_layers(activation, conv)
    extra = reference_network.extra_parameters(layers.conv_kind, conv_extra)
    return gradient_function(layers, mode)(x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata=errata)


def train_cnn(mini_batch_x, mini_batch_y, *, activation="relu", conv="linear", mode="chain",
              errata="fix", **kwargs):
    """reference.extensions.network.train_cnn with dual-number gradients (``mode``); for the
    original network (relu, linear) the layers of dual.train_cnn, and its result."""
    check_errata(errata, TRUE_DERIVATIVES)
    layers = network_layers(activation, conv)
    return reference_network.train_cnn(
        mini_batch_x, mini_batch_y, activation=activation, conv=conv, layers=layers,
        gradients=gradient_function(layers, mode), errata=errata, **kwargs)


def predict(im, w_conv, b_conv, w_fc, b_fc, activation="relu", conv="linear", conv_extra=None,
            chunk=1000):
    """reference.extensions.network.predict, knowing the Gaussian kervolution too (the forward
    pass is the reference's)."""
    return reference_network.predict(im, w_conv, b_conv, w_fc, b_fc, conv_extra=conv_extra,
                                     chunk=chunk, layers=network_layers(activation, conv))
