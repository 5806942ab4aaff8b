"""The checks of GetMiniBatch (by its properties) and of the four Train*.m (by their weights).

A Train*.m hard-codes its 10,000 iterations and draws its starting weights with normrnd. The
checker runs it on a tiny data set (two mini-batches, of 2 images and 1), beside the
checker's own layer functions (``solution/``: the function is judged in isolation), with
``normrnd`` shadowed to hand out starting weights the checker knows (``octave/stubs``). Its
final weights are compared with the port's training from those weights with true gradients
(errata fixed); a run that matches the original's known mistake instead is named.
"""

import inspect
import math

import numpy as np

from checker.judging import (TRAINING_TOLERANCE, Judgement, matlab_shape, numeric,
                             shape_text)
from reference.train_cnn import forward_backward as cnn_forward_backward
from reference.train_cnn import train_cnn
from reference.train_mlp import train_mlp
from reference.train_slp import train_slp
from reference.train_slp_linear import train_slp_linear
from shared.errors import TrainingDiverged
from shared.matlab import reshape_f

E2 = ("the conv weight step reshapes Conv_backward's channel-fastest 1x27 row straight to "
      "3x3x1x3 (reshape(dldw_conv, [f f c1 c2])): erratum E2 of the original")
E3 = ("the weight step is a column-major reshape of FC_backward's row-major gradient "
      "(reshape(dldw, [n m]) where reshape(dldw, [m n])' reads it): erratum E3 of the original")
NOT_TRAINED = "returns its starting weights: no step was taken"
DIVERGED = "its weights are not finite: the steps diverged"

STARTING_SIZES = ((3, 3, 1, 3), (10, 147), (10, 196), (30, 196), (10, 30))
"""The sizes the assignment's Train*.m draw normrnd(0, 1, size) weights of."""


def loss_unwatched(forward_backward):
    """``forward_backward`` with a non-finite loss reported as 0: the loss is only watched,
    never stepped on, and the original's runs carry on past a NaN loss (0 log 0, once a softmax
    saturates) where the port's watch would stop them."""

    def body(x, y, *params, errata):
        l, *gradients = forward_backward(x, y, *params, errata=errata)
        return (l if np.isfinite(l) else 0.0, *gradients)

    return body


def e2_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix"):
    """TrainCNN's loop body with true layer gradients but erratum E2's conv weight step: the
    true step read back into Conv_backward's 1x27 row (channel fastest), then reshaped
    straight to 3x3x1x3."""
    l, dldw_conv, dldb_conv, dldw, dldb = cnn_forward_backward(x, y, w_conv, b_conv, w_fc,
                                                               b_fc, errata=errata)
    c2 = w_conv.shape[3]
    row = reshape_f(reshape_f(dldw_conv, (-1, c2)).T, (1, -1))
    return l, reshape_f(row, w_conv.shape), dldb_conv, dldw, dldb


TRAININGS = {  # MATLAB name -> (the port's training, its results in TrainX's order)
    "TrainCNN": (train_cnn, ("w_conv", "b_conv", "w_fc", "b_fc")),
    "TrainSLP_linear": (train_slp_linear, ("w", "b")),
    "TrainSLP": (train_slp, ("w", "b")),
    "TrainMLP": (train_mlp, ("w1", "b1", "w2", "b2")),
}
SCHEDULES = {  # what a Train*.m is held to besides its gradients: the original's settings
    "TrainCNN": "gamma 0.03, lambda 1, zero biases",
    "TrainSLP_linear": "gamma 0.03, lambda 0.8 every 1000 iterations, zero biases",
    "TrainSLP": "gamma 0.5, lambda 0.5 every 1000 iterations, zero biases",
    "TrainMLP": "gamma 1, lambda 0.75 every 1000 iterations, zero biases",
}
RESULT_SHAPES = {
    "w_conv": (3, 3, 1, 3), "b_conv": (3, 1), "w_fc": (10, 147), "b_fc": (10, 1),
    "w": (10, 196), "b": (10, 1), "w1": (30, 196), "b1": (30, 1), "w2": (10, 30), "b2": (10, 1),
}
KNOWN_MISTAKES = {  # MATLAB name -> [(description, settings of the port's training)]
    "TrainCNN": [(E2, {"forward_backward": e2_forward_backward, "errata": "fix"})],
    "TrainSLP_linear": [(E3, {"errata": "keep"})],
    "TrainSLP": [(E3, {"errata": "keep"})],
    "TrainMLP": [(E3, {"errata": "keep"})],
}


def size_key(shape):
    """The field of the normrnd stub's table for a size: (3, 3, 1, 3) -> 's3x3x1x3'."""
    return "s" + "x".join(map(str, shape))


def normrnd_table(rng):
    """The starting weights handed out, one standard normal draw per size."""
    return {size_key(shape): rng.standard_normal(shape) for shape in STARTING_SIZES}


def tiny_data(rng):
    """Two mini-batches: 2 images and 1, with one-hot labels. Like MNIST's, three quarters of
    an image's values are 0, the others in (0, 1]: small enough steps for TrainSLP_linear's
    gamma (a squared norm of about 16; above 33, its first steps would diverge)."""
    images = [rng.uniform(0.0, 1.0, (196, n)) * (rng.random((196, n)) < 0.25) for n in (2, 1)]
    labels = []
    for batch in images:
        y = np.zeros((10, batch.shape[1]))
        y[rng.integers(10, size=batch.shape[1]), np.arange(batch.shape[1])] = 1.0
        labels.append(y)
    return images, labels


def training_cases(rng):
    images, labels = tiny_data(rng)
    return [[images, labels]]


def training_judge(name):
    """The judge of Train*.m ``name``."""

    def judge(cases, results, rng, table):
        (images, labels), got = cases[0], results[0]
        want = port_training(name, images, labels, table)
        verdict = compare_weights(name, got, want)
        if verdict.status == "wrong":
            verdict.note = (explain(name, got, images, labels, table)
                            or f"{verdict.note}, against the port's {name} with true gradients "
                               f"and the original's schedule ({SCHEDULES[name]}) from the "
                               "starting weights normrnd(0, 1, ...) handed out")
        return verdict

    return judge


def starting_point(name, table):
    """The port's starting weights for ``name``: what normrnd handed out, zeros elsewhere."""
    _, results = TRAININGS[name]
    return {r: table.get(size_key(RESULT_SHAPES[r]), np.zeros(RESULT_SHAPES[r])) for r in results}


def port_training(name, images, labels, table, **settings):
    """The port's final weights for ``name`` from the checker's start (true gradients unless
    ``settings`` say otherwise), in TrainX's order."""
    train, results = TRAININGS[name]
    settings = {"errata": "fix", **settings}
    if settings["errata"] == "keep":  # a known mistake of the original: run as Octave runs it
        default = inspect.signature(train).parameters["forward_backward"].default
        settings["forward_backward"] = loss_unwatched(settings.get("forward_backward", default))
    trained = train(images, labels, **starting_point(name, table), progress=False, **settings)
    return list(trained[:len(results)])


def compare_weights(name, got, want):
    judgement = Judgement(TRAINING_TOLERANCE)
    for result, value, expected in zip(TRAININGS[name][1], got, want):
        judgement.compare(result, value, expected)
    return judgement.verdict()


def explain(name, got, images, labels, table):
    """A description of what went wrong, where the results show one the checker knows."""
    values = [numeric(value) for value in got]
    if any(v is None for v in values):
        return None
    if any(not np.all(np.isfinite(v)) for v in values):
        return DIVERGED
    start = starting_point(name, table).values()
    if all(matlab_shape(v) == matlab_shape(s) and np.array_equal(v.reshape(s.shape), s)
           for v, s in zip(values, start)):
        return NOT_TRAINED
    for description, settings in KNOWN_MISTAKES[name]:
        try:
            mistaken = port_training(name, images, labels, table, **settings)
        except TrainingDiverged:
            continue
        if compare_weights(name, got, mistaken).status == "correct":
            return description
    return None


def get_mini_batch_cases(rng):
    """100 distinct images (so that each can be found again) with labels 0..9, in batches of
    30: three full batches and a last one of 10."""
    return [[rng.uniform(0.0, 1.0, (196, 100)), rng.integers(10, size=(1, 100)).astype(float),
             30.0]]


def get_mini_batch_judge(cases, results, rng):
    """Every image once, in batches of batch_size (the last one shorter), each label one-hot
    and in its image's column."""
    (im_train, label_train, batch_size), (batches_x, batches_y) = cases[0], results[0]
    judgement = Judgement()
    n = im_train.shape[1]
    n_cells = math.ceil(n / batch_size)
    sizes = [int(batch_size)] * (n_cells - 1) + [n - int(batch_size) * (n_cells - 1)]
    for what, cells, rows in (("mini_batch_x", batches_x, 196), ("mini_batch_y", batches_y, 10)):
        cells = np.asarray(cells, dtype=object)
        if cells.dtype != object or cells.size != n_cells or any(
                numeric(c) is None for c in cells.ravel()):
            judgement.fault(f"{what} is not a cell array of {n_cells} batches "
                            f"(ceil({n}/{int(batch_size)}))")
            return judgement.verdict()
        if cells.shape != (n_cells, 1):  # Train*.m count the batches with size(mini_batch_x, 1)
            judgement.fault(f"{what} is a {shape_text(cells.shape)} cell array; Train*.m read "
                            f"size({what}, 1): expected {n_cells}x1")
            return judgement.verdict()
        shapes = [matlab_shape(c) for c in cells.ravel()]
        if shapes != [(rows, s) for s in sizes]:
            judgement.fault(f"{what}'s batches are {', '.join('x'.join(map(str, s)) for s in shapes)}"
                            f"; expected {', '.join(f'{rows}x{s}' for s in sizes)}")
            return judgement.verdict()
    images = np.hstack([numeric(c) for c in np.asarray(batches_x, dtype=object).ravel()])
    labels = np.hstack([numeric(c) for c in np.asarray(batches_y, dtype=object).ravel()])
    found = [np.flatnonzero((im_train == images[:, [j]]).all(axis=0)) for j in range(n)]
    if sorted(int(f[0]) for f in found if f.size) != list(range(n)):
        judgement.fault("the batches do not hold every image exactly once")
        return judgement.verdict()
    if not (np.isin(labels, (0, 1)).all() and (labels.sum(axis=0) == 1).all()):
        judgement.fault("the labels are not one-hot columns (one 1 each, zeros elsewhere)")
        return judgement.verdict()
    digits = label_train[0, [int(f[0]) for f in found]]
    if not (labels.argmax(axis=0) == digits).all():
        judgement.fault("the labels are not aligned with their images (shuffled apart?)")
    elif (np.array([int(f[0]) for f in found]) == np.arange(n)).all():
        judgement.note("the images are not shuffled")
    return judgement.verdict()

