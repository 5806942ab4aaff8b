"""reference.extensions.network with every backward layer from dual numbers (not in the original):
``DualNetwork``.

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


class DualNetwork(reference_network.Network):
    """reference.extensions.network.Network with every backward layer from dual numbers, and
    two ways to get its gradients (``mode``): "chain", its backward layers chained as the
    reference chains its own, or "forward", the parameters seeded in the forward pass alone.
    Its errata are ``fix`` only (dual numbers give true derivatives)."""

    kinds = CONV_KINDS

    def network_layers(self):
        return network_layers(self.activation, self.conv)

    def gradient_function(self, mode="chain"):
        """The gradient function for ``mode`` "chain" or "forward" (None: chain); arguments
        (x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata), unchecked: its callers check them
        once (the training loop calls it every iteration)."""
        if check_mode(mode or "chain") == "chain":
            return self.forward_backward
        return partial(forward_mode.unchecked, forward=lambda x, *params:
                       self.forward_pass(x, *params)[-1])

    def train(self, mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
        check_errata(errata, TRUE_DERIVATIVES)
        return super().train(mini_batch_x, mini_batch_y, errata=errata, mode=mode, **kwargs)


@boundary(CNN, TRUE_DERIVATIVES)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix", activation="relu",
                     conv="linear", mode="chain", **conv_extra):
    """reference.extensions.network.forward_backward with dual-number gradients."""
    check_errata(errata, TRUE_DERIVATIVES)
    network = DualNetwork(activation, conv)
    extra = network.extra_parameters(conv_extra)
    return network.gradient_function(mode)(x, y, w_conv, b_conv, w_fc, b_fc, *extra,
                                           errata=errata)


def train_cnn(mini_batch_x, mini_batch_y, *, activation="relu", conv="linear", **kwargs):
    """``DualNetwork(activation, conv).train``: reference.extensions.network.train_cnn with
    dual-number gradients (``mode``)."""
    return DualNetwork(activation, conv).train(mini_batch_x, mini_batch_y, **kwargs)


predict = partial(reference_network.predict, network=DualNetwork)
"""reference.extensions.network.predict with the twin's network, which knows the Gaussian
kervolution too (the forward pass is the reference's)."""
