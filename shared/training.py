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

Each Train*.m module gives its loop body (its ``forward_backward``) and starting weights.
"""

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from shared.errors import CROSS_ENTROPY_CHANCE, DivergenceWatch
from shared.matlab import reshape_f
from shared.validate import parameter, schedule, unchecked


def normrnd(rng, shape):
    """MATLAB's ``normrnd(0, 1, shape)`` from the numpy Generator ``rng``: standard normal draws
    filling the array in column-major order (the first index fastest), as MATLAB fills it."""
    return reshape_f(rng.standard_normal(int(np.prod(shape))), shape)


def starting_weights(drawn, **given):
    """The starting parameters: ``drawn`` (name -> the Train*.m's own draw) with each
    parameter given (not None) in its place, as float64 in the drawn one's shape (a copy; a
    shape that differs only by axes of length 1 accepted, ``shared.validate.parameter``)."""
    start = dict(drawn)
    for name, value in given.items():
        if value is not None:
            start[name] = np.array(parameter(name, value, drawn[name].shape))
    return start


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

    Watched for divergence (``shared.errors.DivergenceWatch``): a loss that becomes NaN or inf
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
