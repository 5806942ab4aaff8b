"""MATLAB: TrainSLP.m -- the single-layer perceptron: FC (10x196), softmax and cross-entropy."""

from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.train_slp_linear import initial_weights
from shared.errata import check_errata
from shared.training import fc_weight_step, perceptron_descent, starting_weights
from shared.validate import SLP, boundary


@boundary(SLP)
def slp_forward_backward(x, y, w, b, errata="keep"):
    """The body of TrainSLP's jImage loop, for one image or a whole batch at once.

    x (196,1) or (196,B) images, y (10,1) or (10,B) one-hot -> (l, dLdw (10,196), dLdb (10,1)):
    what TrainSLP adds to its accumulators, summed over the batch (with errata="keep" the
    scrambled weight step of erratum E3; "fix" also computes the softmax stably).
    """
    check_errata(errata)
    y_tilde = fc(x, w, b)
    l, dldy = loss_cross_entropy_softmax(y_tilde, y, errata)
    _, dldw, dldb = fc_backward(dldy, x, w, b, y_tilde)
    dLdw = fc_weight_step(dldw, w.shape, errata)
    dLdb = dldb.T
    return l, dLdw, dLdb


def train_slp(mini_batch_x, mini_batch_y, *, start=None, iterations=10000, lr=0.5,
              decay=0.5, errata="keep", rng=None, progress=True,
              forward_backward=slp_forward_backward):
    """[w, b] = TrainSLP(mini_batch_x, mini_batch_y), and the loss history.

    As ``reference.train_slp_linear.train_slp_linear`` (the same starting draw, the same loop),
    with TrainSLP's loop body and gamma = ``lr`` (0.5), lambda = ``decay`` (0.5).
    Returns Trained({w (10,196), b (10,1)}, loss (iterations,)).
    """
    return perceptron_descent("TrainSLP", mini_batch_x, mini_batch_y,
                              starting_weights(initial_weights(rng), start), forward_backward,
                              iterations, lr, decay, errata, progress)
