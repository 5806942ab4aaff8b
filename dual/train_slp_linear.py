"""MATLAB: TrainSLP_linear.m -- the same training, every gradient from dual numbers.

``mode`` "chain" (default): ``slp_linear_forward_backward``, TrainSLP_linear's loop body line
for line, each backward from dual/; "forward": ``forward_mode``, the parameters seeded and the
forward pass run. The training loop is the reference's (as for the CNN, ``dual.train_cnn``).
"""

from dual.fc_backward import fc_backward
from dual.loss_euclidean import loss_euclidean
from dual.seeding import gradient
from dual.train_cnn import check_mode
from reference.fc import fc
from reference.loss_euclidean import euclidean
from reference.train_slp_linear import train_slp_linear as reference_train_slp_linear
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.training import fc_weight_step
from shared.validate import SLP, boundary


@boundary(SLP, TRUE_DERIVATIVES)
def slp_linear_forward_backward(x, y, w, b, errata="fix"):
    """The body of TrainSLP_linear's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw (10,196), dLdb (10,1)):
    what TrainSLP_linear adds to its accumulators (E3 corrected), summed over the batch.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    y_tilde = fc(x, w, b)
    l, dldy = loss_euclidean(y_tilde, y)
    _, dldw, dldb = fc_backward(dldy, x, w, b, y_tilde)
    dLdw = fc_weight_step(dldw, w.shape, errata)
    dLdb = dldb.T
    return l, dLdw, dLdb


@boundary(SLP, TRUE_DERIVATIVES)
def forward_mode(x, y, w, b, errata="fix", chunk=128):
    """slp_linear_forward_backward's results from the forward pass alone: w and b seeded,
    ``chunk`` partials at a time; the dual part of the loss is the gradient."""
    check_errata(errata, TRUE_DERIVATIVES)
    l, grads = gradient(lambda w, b: euclidean(fc(x, w, b), y).sum(), (w, b), chunk=chunk)
    return l, grads[0], grads[1]


GRADIENTS = {"chain": slp_linear_forward_backward, "forward": forward_mode}
"""mode -> the gradient function train_slp_linear injects into the reference's loop."""


def train_slp_linear(mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
    """reference.train_slp_linear.train_slp_linear with dual-number gradients (``mode`` "chain"
    or "forward"): the same arguments and results, a Trained(params, loss)."""
    check_errata(errata, TRUE_DERIVATIVES)
    return reference_train_slp_linear(mini_batch_x, mini_batch_y, errata=errata,
                                      forward_backward=GRADIENTS[check_mode(mode)], **kwargs)
