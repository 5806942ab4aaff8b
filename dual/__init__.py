"""The dual-number twin of ``reference/``: every gradient read off dual numbers
(``dual.dual_array.DualArray``) instead of derived by hand.

It has a module for each backward function of the original, for Loss_euclidean and for each
Train*.m (TrainSLP_linear, TrainSLP, TrainMLP, TrainCNN), with the
reference's names and signatures, and line for line the reference's code, except where a
hand-derived local derivative becomes a contraction of the upstream gradient with dual parts
(seeded in ``dual.seeding``). The forward layers are not copied: the twin runs the reference's
own forward code (``reference.conv`` ...) on DualArray. It computes true derivatives: it equals
the reference with ``errata="fix"``. ``dual.extensions`` has the twin of ``reference.extensions``.

Dual numbers nest (their tags keep each seeding's partials apart): ``derivative(f, x)``, and,
beyond the original, the CNN's second derivatives in ``dual.curvature``
(``hessian_vector_product``, ``hessian``, ``gauss_newton``).
"""

from dual import (conv_backward, fc_backward, flattening_backward,  # noqa: F401 (modules)
                  loss_cross_entropy_softmax, loss_euclidean, pool2x2_backward, relu_backward,
                  seeding, train_cnn, train_mlp, train_slp, train_slp_linear)
from dual.curvature import gauss_newton, hessian, hessian_vector_product
from dual.dual_array import DualArray
from dual.seeding import derivative
from dual.train_cnn import MODES, forward_backward, forward_mode, forward_mode_gradient

__all__ = ["DualArray", "MODES", "conv_backward", "derivative", "fc_backward",
           "flattening_backward", "forward_backward", "forward_mode", "forward_mode_gradient",
           "gauss_newton", "hessian", "hessian_vector_product",
           "loss_cross_entropy_softmax", "loss_euclidean", "pool2x2_backward", "relu_backward",
           "seeding", "train_cnn", "train_mlp", "train_slp", "train_slp_linear"]
