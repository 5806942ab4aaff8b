"""The loop every Train*.m of the original runs: mini-batch gradient descent.

MATLAB: the body of TrainSLP_linear.m, TrainSLP.m, TrainMLP.m and TrainCNN.m outside their
jImage loops, which is the same in all four:

    for iIter = 1:10000
        if mod(iIter, 1000) == 0, gamma = lambda * gamma; end
        dLdw = zeros(...); ...                        % the accumulators
        currBatch = mini_batch_x{kBatchNo}; ...
        for jImage = 1:currBatchSize ... end          % forward_backward, the whole batch at once
        w = w - gamma/currBatchSize * dLdw; ...       % every parameter
        kBatchNo = kBatchNo + 1; if kBatchNo > nBatches, kBatchNo = 1; end
    end

Each Train*.m module gives its loop body (its ``forward_backward``) and starting weights; the
loop, and how each Train*.m adds a backward layer's row to its accumulator (``fc_weight_step``,
``conv_weight_step``: where errata E2 and E3 live), are here, shared by all four and their twins.
"""

from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from shared.errata import check_errata
from shared.divergence import CROSS_ENTROPY_CHANCE, DivergenceWatch
from shared.matlab import reshape_f
from shared.validate import mini_batches, parameter, schedule, unchecked


def normrnd(rng, shape):
    """MATLAB's ``normrnd(0, 1, shape)`` from the numpy Generator ``rng``: standard normal draws
    filling the array in column-major order (the first index fastest), as MATLAB fills it."""
    return reshape_f(rng.standard_normal(int(np.prod(shape))), shape)


class Trained(NamedTuple):
    """What every train_* function returns (reference and dual, all four models, the
    extensions): ``params`` the trained parameters, name -> array, in the order the gradient
    function takes them; ``loss`` (iterations,) each iteration's summed loss."""

    params: dict
    loss: np.ndarray


def starting_weights(drawn, start=None):
    """The starting parameters: ``drawn`` (name -> the Train*.m's own draw) with each
    parameter of ``start`` (a mapping, or None: all drawn) that is not None in its place, as
    float64 in the drawn one's shape (a copy; a shape that differs only by axes of length 1
    accepted, ``shared.validate.parameter``). A name ``drawn`` lacks is a ValueError."""
    params = dict(drawn)
    for name, value in check_start(start, drawn).items():
        if value is not None:
            params[name] = np.array(parameter(name, value, drawn[name].shape))
    return params


def check_start(start, names):
    """``start`` as a dict (None: empty), refusing a name not among ``names``."""
    if start is None:
        return {}
    if not hasattr(start, "items"):
        raise TypeError(f"start must be a mapping of parameter names to arrays, or None, got "
                        f"{type(start).__name__}")
    unknown = [name for name in start if name not in names]
    if unknown:
        raise ValueError(f"start has no parameter {unknown[0]!r}: the parameters are "
                         f"{', '.join(names)}")
    return dict(start)


def one_blas_thread():
    """Within: BLAS (OpenBLAS, MKL) runs one thread. A training step multiplies matrices of a
    few hundred to a few thousand entries; BLAS's threads, one per core, cost more than they
    save there and spin against whatever else runs (another training, the machine's other
    work). Measured per iteration on real batches of 30, two cores busy with other work:
    the dual twin's slp 7.9 -> 0.45 ms, mlp 22 -> 0.8 ms, slp_linear 1.3 -> 0.28 ms; the
    reference alike within the noise (scripts/benchmark.py prints the table)."""
    return threadpool_limits(limits=1, user_api="blas")


def mini_batch_descent(images, labels, params, forward_backward, *, iterations=10000, lr=0.03,
                       decay=1.0, errata="keep", progress=True, name="Train",
                       chance=CROSS_ENTROPY_CHANCE, stop_on_divergence=True):
    """Train*.m's loop: ``iterations`` steps of mini-batch gradient descent from ``params``.

    images, labels: the mini-batches (lists of arrays, one batch each, labels (10,b) one-hot);
    params: the starting parameters, in the order ``forward_backward`` takes them after
    (x, y); ``forward_backward(x, y, *params, errata=errata) -> (l, *gradients)``: the jImage
    loop for a whole batch, each gradient what the accumulator of that parameter sums.
    Iteration k (1-based) uses batch mod(k-1, nBatches)+1; gamma (``lr``) is multiplied by
    lambda (``decay``) at every 1000th iteration, before that iteration's step; then every
    parameter takes ``-= gamma/currBatchSize * gradient``. ``name``: the progress bar's label.
    Returns (params, loss): the trained parameters (a list, in order) and loss (iterations,),
    each iteration's summed loss.

    Watched for divergence (``shared.divergence.DivergenceWatch``): a loss that becomes NaN or inf
    raises TrainingDiverged (at iteration 1, NonFiniteStart: the starting weights' fault), and
    so do weights grown far beyond what training reaches and a loss that stays far above
    ``chance`` (the loss per image of a guess: CROSS_ENTROPY_CHANCE, or EUCLIDEAN_CHANCE for
    the linear SLP); with ``stop_on_divergence=False`` (the original as written, reproduced)
    those two only warn (TrainingDivergedWarning) and the run goes on.
    The settings are checked here (``shared.validate.schedule``), the batches and parameters
    by the Train*.m's function; the loop calls ``forward_backward``'s unchecked body
    (``shared.validate.boundary``): no check per iteration.
    """
    iterations, lr, decay = schedule(iterations, lr, decay)
    forward_backward = unchecked(forward_backward)
    n_batches = len(images)
    gamma, lambda_ = lr, decay
    params = list(params)
    k_batch_no = 0
    loss = np.zeros(iterations)
    with one_blas_thread(), DivergenceWatch(params, chance, stop_on_divergence) as watch:
        for i_iter in tqdm(range(1, iterations + 1), disable=not progress, desc=name, unit="it"):
            if i_iter % 1000 == 0:
                gamma = lambda_ * gamma
            curr_batch, curr_labels = images[k_batch_no], labels[k_batch_no]
            curr_batch_size = curr_labels.shape[1]
            # for jImage = 1:currBatchSize ... end: every image of the batch at once, summed
            l, *gradients = forward_backward(curr_batch, curr_labels, *params, errata=errata)
            loss[i_iter - 1] = watch.check(i_iter, l, curr_batch_size)
            params = [p - gamma / curr_batch_size * d for p, d in zip(params, gradients)]
            watch.check_parameters(i_iter, params)
            k_batch_no = (k_batch_no + 1) % n_batches
    return params, loss


def perceptron_descent(name, mini_batch_x, mini_batch_y, start, forward_backward, iterations,
                       lr, decay, errata, progress, chance=CROSS_ENTROPY_CHANCE):
    """The loop of TrainSLP_linear, TrainSLP and TrainMLP (``name``): mini_batch_descent from
    ``start`` (name -> parameter, in forward_backward's order), watched for divergence as
    train_slp_linear says (as written, E3's steps are no descent: the perceptrons' divergence
    is the original's); ``chance``: the loss per image of a guess, for the watch. Returns (the
    trained parameters by name; loss), a Trained. The batches are checked once
    (``shared.validate.mini_batches``), the settings by mini_batch_descent."""
    mini_batch_x, mini_batch_y = mini_batches(mini_batch_x, mini_batch_y, "columns")
    params, loss = mini_batch_descent(mini_batch_x, mini_batch_y, start.values(), forward_backward,
                              iterations=iterations, lr=lr, decay=decay, errata=errata,
                              progress=progress, name=name, chance=chance,
                              stop_on_divergence=errata != "keep")
    return Trained(dict(zip(start, params)), loss)


def fc_weight_step(dldw, w_shape, errata="keep"):
    """How TrainSLP_linear, TrainSLP and TrainMLP add FC_backward's 1 x n*m row (row-major: row
    i of the gradient after row i-1) to their n x m accumulator.

    keep (E3): ``reshape(dldw, [n m])``, reading the row-major row column-major: a scrambled
    step; fix: ``reshape(dldw, [m n])'``, as TrainCNN reads it.
    """
    n, m = w_shape
    if check_errata(errata) == "keep":
        return reshape_f(dldw, (n, m))
    return reshape_f(dldw, (m, n)).T


def conv_weight_step(dldw_conv, w_shape, errata="keep"):
    """How TrainCNN adds Conv_backward's 1x27 row to its 3x3x1x3 accumulator.

    keep (E2): ``reshape(dldw_conv, [f f c1 c2])``, reading the channel-fastest row as if the
    kernel row ran fastest; fix: ``reshape(transpose(reshape(dldw_conv, [c2 f*f*c1])), [f f c1 c2])``.
    """
    f, _, c1, c2 = w_shape
    if check_errata(errata) == "keep":
        return reshape_f(dldw_conv, w_shape)
    return reshape_f(reshape_f(dldw_conv, (c2, f * f * c1)).T, w_shape)
