"""The checker's own layer functions for a Python trainer under check (``python_box``'s
``checker`` mode): the reference port's (``reference/``, errata fixed), on the student's
arguments read in the assignment's layout, and their results given back in the layout of the
student's own results (as ``octave/cnn_dual_layer.m`` and ``cnn_dual_like.m`` do for MATLAB).

The Python homework's common layout: x (m,1) columns, w (n,m), b (n,1); conv x (14,14,1),
w_conv (3,3,1,3), b_conv (3,1); each gradient in the shape of what it is the gradient of
(dl_dy of FC (n,1), dl_dw (n,m), ...). Runs inside the box: numpy and the reference only.
"""

import numpy as np

from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.loss_euclidean import loss_euclidean
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from shared.matlab import reshape_f


def column(value):
    return np.reshape(np.asarray(value, dtype=float), (-1, 1))


def row(value):
    return np.reshape(np.asarray(value, dtype=float), (1, -1))


def image(value, channels=-1, side=14):
    """An image-like argument (any layout with side*side values per channel, column-major)."""
    return reshape_f(np.asarray(value, dtype=float), (side, side, channels))


def conv_weights(w_conv):
    return reshape_f(np.asarray(w_conv, dtype=float), (3, 3, 1, -1))


def conv_gradient(dldw):
    """Conv_backward's 1 x 27 row (channel fastest) as w_conv's (3,3,1,c2) array."""
    c2 = dldw.size // 9
    return reshape_f(reshape_f(dldw, (c2, 9)).T, (3, 3, 1, c2))


def _fc_backward(dldy, x, w, b, y):
    w = np.asarray(w, dtype=float)
    dldx, dldw, dldb = fc_backward(row(dldy), column(x), w, column(b), None)
    return [dldx.T, np.reshape(dldw, w.shape), dldb.T]


def _conv_backward(dldy, x, w_conv, b_conv, y):
    dldw, dldb = conv_backward(image(dldy), image(x, 1), conv_weights(w_conv), column(b_conv),
                               None)
    return [conv_gradient(dldw), dldb.T]


def _relu_backward(dldy, x, y):
    dldy = np.asarray(dldy, dtype=float)
    return [relu_backward(dldy, np.asarray(x, dtype=float), None)]


def _flattening(x, order):
    return [np.reshape(np.asarray(x, dtype=float), (-1, 1), order=order)]


def _flattening_backward(dldy, x, y, order):
    return [np.reshape(np.asarray(dldy, dtype=float), np.shape(x), order=order)]


def _loss(port):
    def loss(x, y):
        l, dldy = port(column(x), column(y))
        return [float(l), dldy.T]
    return loss


LAYERS = {  # MATLAB name -> the checker's layer on the student's arguments, common layout
    "FC": lambda x, w, b, *rest: [fc(column(x), np.asarray(w, dtype=float), column(b))],
    "FC_backward": _fc_backward,
    "Conv": lambda x, w_conv, b_conv, *rest: [conv(image(x, 1), conv_weights(w_conv),
                                                   column(b_conv))],
    "Conv_backward": _conv_backward,
    "ReLu": lambda x, *rest: [relu(np.asarray(x, dtype=float))],
    "ReLu_backward": _relu_backward,
    "Pool2x2": lambda x, *rest: [pool2x2(image(x))],
    "Pool2x2_backward": lambda dldy, x, *rest: [pool2x2_backward(
        image(dldy, side=7), image(x), None, errata="fix")],
    "Loss_cross_entropy_softmax": _loss(
        lambda x, y: loss_cross_entropy_softmax(x, y, errata="fix")),
    "Loss_euclidean": _loss(loss_euclidean),
}


def checker_layer(name, args, like, settings):
    """The checker's ``name`` on the student's ``args``: its results, each in the layout of
    the student's own (``like``: their results for the same call, or None)."""
    order = settings.get("flatten_order", "F")
    if name == "Flattening":
        out = _flattening(args[0], order)
    elif name == "Flattening_backward":
        out = _flattening_backward(*(list(args) + [None])[:3], order)
    else:
        if len(args) == len(LAYER_ARGUMENTS[name]) - 1 and LAYER_ARGUMENTS[name][-1] == "y":
            args = list(args) + [None]  # the 2023 signature, without y
        out = LAYERS[name](*args)
    return [as_theirs(have, want) for have, want in zip(out, like or [None] * len(out))] \
        + out[len(like or out):]


LAYER_ARGUMENTS = {
    "FC": ("x", "w", "b"), "FC_backward": ("dl_dy", "x", "w", "b", "y"),
    "Conv": ("x", "w_conv", "b_conv"), "Conv_backward": ("dl_dy", "x", "w_conv", "b_conv", "y"),
    "ReLu": ("x",), "ReLu_backward": ("dl_dy", "x", "y"), "Pool2x2": ("x",),
    "Pool2x2_backward": ("dl_dy", "x", "y"), "Flattening": ("x",),
    "Flattening_backward": ("dl_dy", "x", "y"), "Loss_cross_entropy_softmax": ("x", "y"),
    "Loss_euclidean": ("y_tilde", "y"),
}


def as_theirs(have, want):
    """``have`` (the common layout) in the layout of ``want`` (the student's result for the
    same call): the same shape, a matrix's transpose, a weight gradient flattened row after
    row, anything else reshaped in column-major order; a scalar as a float."""
    if want is None:
        return have
    try:
        want = np.asarray(want)
    except (TypeError, ValueError):
        return have
    have = np.asarray(have, dtype=float)
    if want.dtype.kind not in "biuf" or want.size != have.size or want.shape == have.shape:
        return float(have.item()) if have.size == 1 and want.ndim == 0 else have
    if have.ndim == 2 and min(have.shape) > 1:
        if want.shape == have.T.shape:
            return have.T
        return np.reshape(have, want.shape)  # a weight gradient: row after row
    return reshape_f(have, want.shape)
