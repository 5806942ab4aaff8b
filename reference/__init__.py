"""The faithful port of the original MATLAB CNN: one module per MATLAB file.

``errata="keep"`` (default) reproduces the original, errata E1 and E2 included;
``errata="fix"`` computes the true gradients (see ``reference.errata``).
"""

from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.errata import ERRATA_CHOICES, check_errata
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.flattening import flattening
from reference.flattening_backward import flattening_backward
from reference.get_mini_batch import get_mini_batch
from reference.loss_cross_entropy_softmax import cross_entropy_softmax, loss_cross_entropy_softmax
from reference.main_cnn import predict
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from reference.sigmoid import sigmoid
from reference.sigmoid_backward import sigmoid_backward
from reference.soft_max import soft_max
from reference.study_sigmoid import study_sigmoid
from reference.study_sigmoid_backward import study_sigmoid_backward
from reference.train_cnn import (ACTIVATIONS, LAYERS, as_images, backpropagation,
                                 check_activation, forward_backward, forward_pass,
                                 initial_weights, network_layers, train_cnn)
from reference.conv_layers import CONV_KINDS, ConvKind, check_conv, conv_weight_step
from reference.conv_loops import conv_loops
from reference.volterra_conv import volterra_conv
from reference.volterra_conv_backward import volterra_conv_backward

__all__ = [
    "ACTIVATIONS", "CONV_KINDS", "ConvKind", "ERRATA_CHOICES", "LAYERS", "as_images",
    "backpropagation", "check_activation", "check_conv", "check_errata", "conv", "conv_backward",
    "conv_loops", "conv_weight_step", "cross_entropy_softmax", "fc", "fc_backward", "flattening",
    "flattening_backward", "forward_backward", "forward_pass", "get_mini_batch",
    "initial_weights", "loss_cross_entropy_softmax", "network_layers", "pool2x2",
    "pool2x2_backward", "predict", "relu", "relu_backward", "sigmoid", "sigmoid_backward",
    "soft_max", "study_sigmoid", "study_sigmoid_backward", "train_cnn", "volterra_conv",
    "volterra_conv_backward",
]
