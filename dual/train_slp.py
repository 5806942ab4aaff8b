"""MATLAB: TrainSLP.m -- the same training, every gradient from dual numbers.

``mode`` "chain" (default): ``slp_forward_backward``, TrainSLP's loop body line for line, each
backward from dual/; "forward": ``forward_mode``, the parameters seeded and the forward pass
run. The training loop is the reference's (as for the CNN, ``dual.train_cnn``).
"""

from dual.fc_backward import fc_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.seeding import gradient
from dual.train_cnn import check_mode
from reference.fc import fc
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from reference.train_slp import train_slp as reference_train_slp
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.training import fc_weight_step
from shared.validate import SLP, boundary


@boundary(SLP, TRUE_DERIVATIVES)
def slp_forward_backward(x, y, w, b, errata="fix"):
    """The body of TrainSLP's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw (10,196), dLdb (10,1)):
    what TrainSLP adds to its accumulators (E3 corrected), summed over the batch.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    y_tilde = fc(x, w, b)
    l, dldy = loss_cross_entropy_softmax(y_tilde, y, errata)
    _, dldw, dldb = fc_backward(dldy, x, w, b, y_tilde)
    dLdw = fc_weight_step(dldw, w.shape, errata)
    dLdb = dldb.T
    return l, dLdw, dLdb


@boundary(SLP, TRUE_DERIVATIVES)
def forward_mode(x, y, w, b, errata="fix", chunk=128):
    """slp_forward_backward's results from the forward pass alone: w and b seeded, ``chunk``
    partials at a time; the dual part of the loss is the gradient."""
    check_errata(errata, TRUE_DERIVATIVES)
    l, grads = gradient(lambda w, b: cross_entropy_softmax(fc(x, w, b), y, errata)[0].sum(),
                        (w, b), chunk=chunk)
    return l, grads[0], grads[1]


GRADIENTS = {"chain": slp_forward_backward, "forward": forward_mode}
"""mode -> the gradient function train_slp injects into the reference's loop."""


def train_slp(mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
    """reference.train_slp.train_slp with dual-number gradients (``mode`` "chain" or
    "forward"): the same arguments and results, a Trained(params, loss)."""
    check_errata(errata, TRUE_DERIVATIVES)
    return reference_train_slp(mini_batch_x, mini_batch_y, errata=errata,
                               forward_backward=GRADIENTS[check_mode(mode)], **kwargs)
