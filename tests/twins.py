"""The two twins as the tests call them: ``reference.X`` and ``dual.X`` for every function.

The packages hold one module per MATLAB file (``reference.conv`` is the module Conv.m is
ported to), so the tests take the functions from their modules here, once. Where a test asks
for something beyond the original (``activation=``, ``conv=``, a conv kind's extra
parameters), ``forward_backward``, ``train_cnn`` and ``predict`` go to the extensions'
network; otherwise to the port itself (TrainCNN's own loop body, main_cnn's own test loop).
"""

from types import SimpleNamespace

import dual.extensions.network as dual_network
import reference.extensions.network as network
from dual.conv_backward import conv_backward as dual_conv_backward
from dual.dual_array import DualArray
from dual.extensions.conv_kinds import CONV_KINDS as DUAL_CONV_KINDS
from dual.fc_backward import fc_backward as dual_fc_backward
from dual.flattening_backward import flattening_backward as dual_flattening_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax as dual_loss
from dual.pool2x2_backward import pool2x2_backward as dual_pool2x2_backward
from dual.relu_backward import relu_backward as dual_relu_backward
from dual.train_cnn import MODES, check_mode, forward_mode, forward_mode_gradient
from dual.train_cnn import forward_backward as dual_port_forward_backward
from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.extensions.conv_kinds import CONV_KINDS
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.flattening import flattening
from reference.flattening_backward import flattening_backward
from reference.get_mini_batch import get_mini_batch
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.main_cnn import predict as port_predict
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from reference.soft_max import soft_max
from reference.train_cnn import as_images, initial_weights
from reference.train_cnn import forward_backward as port_forward_backward
from shared.errata import ERRATA_CHOICES, TRUE_DERIVATIVES, check_errata
from shared.training import conv_weight_step

ORIGINAL = {"activation": "relu", "conv": "linear"}


def _is_original(kwargs):
    return all(kwargs.get(k, v) == v for k, v in ORIGINAL.items()) and set(kwargs) <= set(ORIGINAL)


def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep", **kwargs):
    if _is_original(kwargs):
        return port_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata)
    return network.forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata, **kwargs)


def train_cnn(mini_batch_x, mini_batch_y, **kwargs):
    return network.train_cnn(mini_batch_x, mini_batch_y, **kwargs)


def predict(im, w_conv, b_conv, w_fc, b_fc, conv_extra=None, **kwargs):
    if _is_original(kwargs) and not conv_extra:
        return port_predict(im, w_conv, b_conv, w_fc, b_fc)
    return network.predict(im, w_conv, b_conv, w_fc, b_fc, conv_extra=conv_extra, **kwargs)


reference = SimpleNamespace(
    conv=conv, conv_backward=conv_backward, fc=fc, fc_backward=fc_backward,
    flattening=flattening, flattening_backward=flattening_backward,
    get_mini_batch=get_mini_batch, loss_cross_entropy_softmax=loss_cross_entropy_softmax,
    pool2x2=pool2x2, pool2x2_backward=pool2x2_backward, relu=relu, relu_backward=relu_backward,
    soft_max=soft_max, as_images=as_images, conv_weight_step=conv_weight_step,
    initial_weights=initial_weights, forward_backward=forward_backward, train_cnn=train_cnn,
    predict=predict, network_layers=network.network_layers, Network=network.Network,
    ACTIVATIONS=network.ACTIVATIONS,
    CONV_KINDS=CONV_KINDS, ERRATA_CHOICES=ERRATA_CHOICES, check_errata=check_errata,
)


def dual_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix", mode="chain", **kwargs):
    if _is_original(kwargs) and check_mode(mode) == "chain":
        return dual_port_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata)
    if _is_original(kwargs):
        return forward_mode(x, y, w_conv, b_conv, w_fc, b_fc, errata=errata)
    return dual_network.forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata, mode=mode,
                                         **kwargs)


def dual_forward_mode_gradient(x, y, params, wrt, errata="fix", activation="relu", conv="linear",
                               chunk=128):
    net = dual_network.DualNetwork(activation, conv)
    return forward_mode_gradient(x, y, params, wrt, errata, chunk=chunk, forward=lambda x, *p:
                                 net.forward_pass(x, *p)[-1])


dual = SimpleNamespace(
    DualArray=DualArray, conv_backward=dual_conv_backward, fc_backward=dual_fc_backward,
    flattening_backward=dual_flattening_backward, loss_cross_entropy_softmax=dual_loss,
    pool2x2_backward=dual_pool2x2_backward, relu_backward=dual_relu_backward,
    forward_backward=dual_forward_backward, forward_mode_gradient=dual_forward_mode_gradient,
    train_cnn=dual_network.train_cnn, predict=dual_network.predict,
    network_layers=dual_network.network_layers, get_mini_batch=get_mini_batch,
    CONV_KINDS=DUAL_CONV_KINDS, ERRATA_CHOICES=TRUE_DERIVATIVES, MODES=MODES,
    check_errata=lambda errata: check_errata(errata, TRUE_DERIVATIVES),
)
