"""MATLAB: TrainCNN.m -- the same training, every gradient from dual numbers.

Two ways to get the gradients (``mode`` of ``train_cnn``):
- "chain" (default): ``forward_backward``, TrainCNN's loop body line for line, each backward
  layer from dual/ (its local derivatives read off dual numbers), chained as the reference's;
- "forward": ``forward_mode``, no backward pass at all: seed the parameters (in chunks) and
  run the forward pass; the dual part of the loss is the gradient.
The training loop itself is the reference's (``reference.train_cnn.train_cnn``): the gradient
function is the one thing the dual twin changes.
"""

from dual.conv_backward import conv_backward
from dual.fc_backward import fc_backward
from dual.flattening_backward import flattening_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.pool2x2_backward import pool2x2_backward
from dual.relu_backward import relu_backward
from dual.seeding import gradient
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from reference.train_cnn import as_images, forward_pass
from reference.train_cnn import train_cnn as reference_train_cnn
from shared.choices import check_choice
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.matlab import as_column, reshape_f
from shared.training import conv_weight_step
from shared.validate import CNN, boundary

MODES = ("chain", "forward")


@boundary(CNN, TRUE_DERIVATIVES)
def forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix"):
    """The body of TrainCNN's jImage loop, for one image or a whole batch at once.

    x (14,14,1) one image or (14,14,1,B) a batch (14x14 or 196xB columns accepted), y (10,1) or
    (10,B) one-hot -> (l, dLdw_conv (3,3,1,3), dLdb_conv (3,1), dLdw (10,147), dLdb (10,1)):
    what TrainCNN adds to its accumulators, summed over the batch.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    x = as_images(x)
    y = reshape_f(y, (10, -1))
    b_conv, b_fc = as_column(b_conv, w_conv.shape[3], "b_conv"), as_column(b_fc, len(w_fc), "b_fc")
    pred1, pred2, pred3, pred4, pred5 = forward_pass(x, w_conv, b_conv, w_fc, b_fc)
    l, dldy = loss_cross_entropy_softmax(pred5, y, errata)
    dldx_fc, dldw, dldb = fc_backward(dldy, pred4, w_fc, b_fc, pred5)
    dldx_flat = flattening_backward(dldx_fc, pred3, pred4)
    dldx_pool = pool2x2_backward(dldx_flat, pred2, pred3, errata)
    dldx_relu = relu_backward(dldx_pool, pred1, pred2)
    dldw_conv, dldb_conv = conv_backward(dldx_relu, x, w_conv, b_conv, pred1)
    dLdw = reshape_f(dldw, (w_fc.shape[1], w_fc.shape[0])).T  # reshape(dldw, [147 10])'
    dLdb = dldb.T
    dLdw_conv = conv_weight_step(dldw_conv, w_conv.shape, errata)
    dLdb_conv = dldb_conv.T
    return l, dLdw_conv, dLdb_conv, dLdw, dLdb


@boundary(CNN, TRUE_DERIVATIVES)
def forward_mode(x, y, w_conv, b_conv, w_fc, b_fc, *extra, errata="fix", forward=None,
                 chunk=128):
    """forward_backward's results from the forward pass alone: every parameter seeded, ``chunk``
    partials at a time (ForwardDiff.jl's chunks); the dual part of the loss is the gradient.
    ``forward(x, *params) -> scores``: the network (default: TrainCNN's forward pass)."""
    b_conv, b_fc = as_column(b_conv, w_conv.shape[3], "b_conv"), as_column(b_fc, len(w_fc), "b_fc")
    params = (w_conv, b_conv, w_fc, b_fc, *extra)
    loss, grads = forward_mode_gradient.unchecked(x, y, params, range(len(params)), errata,
                                                  forward, chunk)
    return (loss, *(grads[i] for i in range(len(params))))


@boundary(CNN, TRUE_DERIVATIVES)
def forward_mode_gradient(x, y, params, wrt, errata="fix", forward=None, chunk=128):
    """Forward mode: the loss of (x, y) under params = (w_conv, b_conv, w_fc, b_fc[, extra...])
    and its gradient w.r.t. params[i] for i in ``wrt``, from the forward pass alone.
    Returns (loss, {i: gradient shaped like params[i]})."""
    check_errata(errata, TRUE_DERIVATIVES)
    x = as_images(x)
    y = reshape_f(y, (10, -1))
    forward = forward or (lambda x, *params: forward_pass(x, *params)[-1])

    def loss(*params):
        return cross_entropy_softmax(forward(x, *params), y, errata)[0].sum()

    return gradient(loss, params, wrt, chunk)


GRADIENTS = {"chain": forward_backward, "forward": forward_mode}
"""mode -> the gradient function train_cnn injects into the reference's training loop."""


def check_mode(mode):
    """Return ``mode`` if it is "chain" or "forward", else raise a ValueError naming them."""
    return check_choice("mode", mode, MODES)


def train_cnn(mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
    """reference.train_cnn.train_cnn with dual-number gradients (``mode`` "chain" or "forward"):
    the same arguments and results, a Trained(params, loss)."""
    check_errata(errata, TRUE_DERIVATIVES)
    return reference_train_cnn(mini_batch_x, mini_batch_y, errata=errata,
                               forward_backward=GRADIENTS[check_mode(mode)], **kwargs)
