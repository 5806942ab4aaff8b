"""The faithful port of the original MATLAB repository: one module per MATLAB file (the CNN,
and the perceptrons before it: TrainSLP_linear, TrainSLP, TrainMLP, Loss_euclidean, main_*).

Each module holds the one function of its file under the file's name in snake_case:
``from reference.conv_backward import conv_backward`` is ``Conv_backward.m``. ``errata="keep"``
(the default) reproduces the original, errata E1, E2 and E3 included; ``errata="fix"`` computes
the true gradients (``shared.errata``). What goes beyond the original (other activations and
conv layers) is in ``reference.extensions``.

For convenience the package also gives TrainCNN's loop body and the test half of main_cnn:
``reference.forward_backward``, ``reference.predict``, ``reference.initial_weights``.
"""

from reference import (conv, conv_backward, fc, fc_backward, flattening,  # noqa: F401 (modules)
                       flattening_backward, get_mini_batch, loss_cross_entropy_softmax,
                       loss_euclidean, main_cnn, main_mlp, main_slp, main_slp_linear, pool2x2,
                       pool2x2_backward, relu, relu_backward, soft_max, train_cnn, train_mlp,
                       train_slp, train_slp_linear)
from reference.main_cnn import predict
from reference.train_cnn import forward_backward, initial_weights

__all__ = ["conv", "conv_backward", "fc", "fc_backward", "flattening", "flattening_backward",
           "forward_backward", "get_mini_batch", "initial_weights", "loss_cross_entropy_softmax",
           "loss_euclidean", "main_cnn", "main_mlp", "main_slp", "main_slp_linear", "pool2x2",
           "pool2x2_backward", "predict", "relu", "relu_backward",
           "soft_max", "train_cnn", "train_mlp", "train_slp", "train_slp_linear"]
