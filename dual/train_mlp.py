"""MATLAB: TrainMLP.m -- the same training, every gradient from dual numbers.

``mode`` "chain" (default): ``mlp_forward_backward``, TrainMLP's loop body line for line, each
backward from dual/; "forward": ``forward_mode``, the parameters seeded and the forward pass
run. The training loop is the reference's (as for the CNN, ``dual.train_cnn``).
"""

from dual.fc_backward import fc_backward
from dual.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from dual.relu_backward import relu_backward
from dual.seeding import gradient
from dual.train_cnn import check_mode
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from reference.train_mlp import forward_pass
from reference.train_mlp import train_mlp as reference_train_mlp
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.training import fc_weight_step
from shared.validate import MLP, boundary


@boundary(MLP, TRUE_DERIVATIVES)
def mlp_forward_backward(x, y, w1, b1, w2, b2, errata="fix"):
    """The body of TrainMLP's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw1 (30,196), dLdb1 (30,1),
    dLdw2 (10,30), dLdb2 (10,1)): what TrainMLP adds to its accumulators (E3 corrected), summed
    over the batch.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    a1, f1, a2 = forward_pass(x, w1, b1, w2, b2)
    l, dlda2 = loss_cross_entropy_softmax(a2, y, errata)
    dldf1, dldw2, dldb2 = fc_backward(dlda2, f1, w2, b2, a2)
    # a1' and f1': a row per image, as dldf1 has them (for one image the same linear index)
    dlda1 = relu_backward(dldf1, a1.T, f1.T)
    _, dldw1, dldb1 = fc_backward(dlda1, x, w1, b1, a1)
    dLdw2 = fc_weight_step(dldw2, w2.shape, errata)
    dLdb2 = dldb2.T
    dLdw1 = fc_weight_step(dldw1, w1.shape, errata)
    dLdb1 = dldb1.T
    return l, dLdw1, dLdb1, dLdw2, dLdb2


@boundary(MLP, TRUE_DERIVATIVES)
def forward_mode(x, y, w1, b1, w2, b2, errata="fix", chunk=128):
    """mlp_forward_backward's results from the forward pass alone: every parameter seeded,
    ``chunk`` partials at a time; the dual part of the loss is the gradient."""
    check_errata(errata, TRUE_DERIVATIVES)

    def loss(*params):
        return cross_entropy_softmax(forward_pass(x, *params)[-1], y, errata)[0].sum()

    l, grads = gradient(loss, (w1, b1, w2, b2), chunk=chunk)
    return (l, *(grads[i] for i in range(4)))


GRADIENTS = {"chain": mlp_forward_backward, "forward": forward_mode}
"""mode -> the gradient function train_mlp injects into the reference's loop."""


def train_mlp(mini_batch_x, mini_batch_y, *, errata="fix", mode="chain", **kwargs):
    """reference.train_mlp.train_mlp with dual-number gradients (``mode`` "chain" or
    "forward"): the same arguments and results, a Trained(params, loss)."""
    check_errata(errata, TRUE_DERIVATIVES)
    return reference_train_mlp(mini_batch_x, mini_batch_y, errata=errata,
                               forward_backward=GRADIENTS[check_mode(mode)], **kwargs)
