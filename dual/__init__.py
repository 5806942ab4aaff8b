"""The dual-number twin of ``reference/``: the same modules and signatures, every gradient
read off dual numbers (``dual.dual_array.DualArray``) instead of derived by hand.

The forward layers are the reference's own code, run on DualArray. Each ``*_backward`` differs
from its reference twin in one way: the hand-derived local derivative is replaced by a
contraction of the upstream gradient with dual parts (seeded in ``dual.seeding``). The twin
computes true derivatives: it equals the reference with ``errata="fix"``.
"""

from dual.conv import conv
from dual.conv_backward import conv_backward
from dual.conv_layers import CONV_KINDS
from dual.conv_loops import conv_loops
from dual.dual_array import DualArray
from dual.errata import ERRATA_CHOICES, check_errata
from dual.fc import fc
from dual.fc_backward import fc_backward
from dual.flattening import flattening
from dual.flattening_backward import flattening_backward
from dual.gaussian_conv import gaussian_conv
from dual.gaussian_conv_backward import gaussian_conv_backward
from dual.get_mini_batch import get_mini_batch
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.main_cnn import predict
from dual.pool2x2 import pool2x2
from dual.pool2x2_backward import pool2x2_backward
from dual.relu import relu
from dual.relu_backward import activation_backward, relu_backward
from dual.soft_max import soft_max
from dual.train_cnn import (LAYERS, MODES, forward_backward, forward_mode_gradient,
                            network_layers, train_cnn)
from dual.volterra_conv import volterra_conv
from dual.volterra_conv_backward import volterra_conv_backward

__all__ = [
    "CONV_KINDS", "DualArray", "ERRATA_CHOICES", "LAYERS", "MODES", "activation_backward",
    "check_errata", "conv", "conv_backward", "conv_loops", "fc", "fc_backward", "flattening",
    "flattening_backward", "forward_backward", "forward_mode_gradient", "gaussian_conv",
    "gaussian_conv_backward", "get_mini_batch", "loss_cross_entropy_softmax", "network_layers",
    "pool2x2", "pool2x2_backward", "predict", "relu", "relu_backward", "soft_max", "train_cnn",
    "volterra_conv", "volterra_conv_backward",
]
