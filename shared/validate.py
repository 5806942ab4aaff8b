"""What the Python API accepts: one check per kind of argument, one wording for every refusal.

The public functions (the ``train_*`` functions, the loop bodies ``forward_backward`` and the
twin's ``forward_mode``, ``dual.derivative``, ``hessian_vector_product``, ``hessian``,
``gauss_newton``, ``DualArray``, ``get_mini_batch``, the ``predict`` functions) check their
arguments here, once per call, before any work; ``class_labels`` is the check of the metrics'
labels too. A refusal is a ValueError (a wrong shape or value) or a
TypeError (not real numbers) that names the argument, what it got and what was expected::

    w_fc must be 10x147 (10 classes x 7*7 pooled values of each of 3 filters), got 147x10

What a user evidently means is accepted instead: plain Python lists wherever arrays go
(converted once, as ``np.asarray``), and a shape that differs from the expected one only by
axes of length 1 (MATLAB drops trailing ones: its 3x3x1x3 ``w_conv`` loads as 3x3x3; a bias
may be 3x1, 1x3 or flat), as the .mat loaders of ``shared.weights`` accept them.

A loop that calls a checked function again and again (the training loop, a block Hessian's
columns) checks once and then calls its ``.unchecked`` body (``boundary``).
"""

import functools
import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shared.data import N_CLASSES, N_PIXELS, format_shape
from shared.errata import ERRATA_CHOICES, check_errata

IMAGE = (14, 14)  # N_PIXELS = 196 pixels, as MATLAB's reshape(x, [14 14 1]) reads a column
FILTER = (3, 3)  # Conv.m pads by 1: its filters are 3x3
POOLED = 7 * 7  # the 14x14 image after 2x2 pooling, per filter

MEANINGS = {  # parameter name -> what its shape means, for the messages
    "w_conv": "3x3 filters over the image's one channel; 3x3xC accepted",
    "b_conv": "one value per filter",
    "b_fc": "one value per class",
    "w": f"{N_CLASSES} classes x {N_PIXELS} pixels",
    "b": "one value per class",
    "w1": f"hidden units x {N_PIXELS} pixels",
    "b1": "one value per hidden unit",
    "w2": f"{N_CLASSES} classes x hidden units",
    "b2": "one value per class",
}


KINDS = {"c": "complex", "U": "text", "S": "text", "O": "object", "M": "date", "m": "time"}
"""numpy's dtype kinds that are not real numbers -> how a refusal names them."""


def invalid(name, expected, got, error=ValueError, verb="be"):
    """The one wording of a refusal: ``error("<name> must be <expected>, got <got>")`` (or
    "must hold", ``verb``)."""
    return error(f"{name} must {verb} {expected}, got {got}")


# ---- numbers and arrays ---------------------------------------------------------------------

def real_array(name, value):
    """``value`` as a float64 array: a list or an integer or boolean array converted, a float64
    array as it is; an array of numpy's protocols that is not an ndarray (a DualArray) as it is.
    TypeError naming ``name`` for complex values, strings, objects or a ragged list."""
    if not isinstance(value, np.ndarray) and hasattr(type(value), "__array_function__"):
        return value  # a DualArray: float64 by construction
    try:
        array = np.asarray(value)
    except ValueError:  # numpy: "setting an array element with a sequence ... inhomogeneous"
        raise invalid(name, "a real numeric array", "a ragged sequence (rows of different "
                      "lengths)", TypeError) from None
    if array.dtype.kind not in "biuf":
        kind = KINDS.get(array.dtype.kind, str(array.dtype))
        raise invalid(name, "a real numeric array", f"{kind} values ({format_shape(array.shape)})",
                      TypeError)
    return array.astype(np.float64, copy=False)


def _real_number(name, value, expected):
    """``value`` as a float if it is a real number (not a bool), else TypeError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid(name, expected, repr(value), TypeError)
    return float(value)


def positive_number(name, value):
    """``value`` (a learning rate, a decay factor): a finite real number > 0, as a float."""
    expected = "a positive finite number"
    number = _real_number(name, value, expected)
    if not (np.isfinite(number) and number > 0):
        raise invalid(name, expected, repr(value))
    return number


def whole_number(name, value, minimum):
    """``value`` (a count, a chunk size): a whole number >= ``minimum`` (1e4 and 10000.0 as
    much as 10000), as an int."""
    expected = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
    number = _real_number(name, value, expected)
    if not (np.isfinite(number) and number == int(number) and number >= minimum):
        raise invalid(name, expected, repr(value))
    return int(number)


def schedule(iterations, lr, decay):
    """Train*.m's loop settings: (iterations >= 0, lr > 0, decay > 0), lr and decay finite."""
    return (whole_number("iterations", iterations, 0), positive_number("lr", lr),
            positive_number("decay", decay))


# ---- parameters -----------------------------------------------------------------------------

def squeezed(shape):
    """The shape without its axes of length 1: (3,3,1,3) -> (3,3,3)."""
    return tuple(n for n in shape if n != 1)


def parameter(name, value, shape, meaning=None):
    """``value`` as a real array of ``shape`` (MATLAB's), accepting a shape that differs only
    by axes of length 1 (reshaped); else ValueError naming ``name`` and both shapes."""
    value = real_array(name, value)
    if tuple(value.shape) == tuple(shape):
        return value
    if squeezed(value.shape) != squeezed(shape):
        meaning = meaning or MEANINGS.get(name)
        expected = format_shape(shape) + (f" ({meaning})" if meaning else "")
        raise invalid(name, expected, format_shape(value.shape))
    return np.reshape(value, shape)


def cnn_parameters(w_conv, b_conv, w_fc, b_fc):
    """TrainCNN's parameters, checked: w_conv 3x3x1xC (3x3xC, MATLAB's squeezed form, too),
    b_conv Cx1, w_fc 10x(49*C), b_fc 10x1, C filters -> the four as real arrays in those shapes."""
    w_conv = real_array("w_conv", w_conv)
    shape = tuple(w_conv.shape)
    if shape[:2] != FILTER or len(shape) > 4:
        raise invalid("w_conv", f"3x3x1xC ({MEANINGS['w_conv']}; 3x3x1x3 in TrainCNN)",
                      format_shape(shape))
    filters = shape[-1] if len(shape) > 2 else 1
    if filters < 1:
        raise invalid("w_conv", "at least one 3x3 filter", format_shape(shape))
    w_conv = parameter("w_conv", w_conv, FILTER + (1, filters))
    features = POOLED * filters
    return (w_conv, parameter("b_conv", b_conv, (filters, 1),
                              f"one value per filter; w_conv has {filters}"),
            parameter("w_fc", w_fc, (N_CLASSES, features),
                      f"{N_CLASSES} classes x 7*7 pooled values of each of {filters} filters"),
            parameter("b_fc", b_fc, (N_CLASSES, 1)))


def slp_parameters(w, b):
    """TrainSLP_linear's and TrainSLP's parameters, checked: w 10x196, b 10x1."""
    return parameter("w", w, (N_CLASSES, N_PIXELS)), parameter("b", b, (N_CLASSES, 1))


def mlp_parameters(w1, b1, w2, b2):
    """TrainMLP's parameters, checked: w1 Hx196, b1 Hx1, w2 10xH, b2 10x1, H hidden units."""
    w1 = real_array("w1", w1)
    if np.ndim(w1) != 2 or np.shape(w1)[1] != N_PIXELS:
        raise invalid("w1", f"Hx{N_PIXELS} ({MEANINGS['w1']}; 30x196 in TrainMLP)",
                      format_shape(np.shape(w1)))
    hidden = np.shape(w1)[0]
    return (w1, parameter("b1", b1, (hidden, 1)), parameter("w2", w2, (N_CLASSES, hidden)),
            parameter("b2", b2, (N_CLASSES, 1)))


def directions(name, v, params, names):
    """``v``: a direction for each of ``params`` (named ``names``), each shaped like its
    parameter or None (zero) -> a tuple; ValueError naming the direction and both shapes."""
    n = len(names)
    if not isinstance(v, (list, tuple)) or len(v) != n:
        got = f"{len(v)} arrays" if isinstance(v, (list, tuple)) else type(v).__name__
        raise invalid(name, f"{n} directions, one per parameter ({', '.join(names)}; None for "
                      "zero)", got, TypeError, "hold")
    return tuple(None if d is None else
                 parameter(f"{name}[{i}] (the direction of {names[i]})", d, np.shape(p),
                           f"the shape of {names[i]}")
                 for i, (d, p) in enumerate(zip(v, params)))


def indices(name, value, names):
    """``value``: one index or several, distinct, of the parameters ``names`` -> a tuple."""
    listed = ", ".join(f"{i} {n}" for i, n in enumerate(names))
    expected = f"indices of parameters, 0..{len(names) - 1} ({listed}), each at most once"
    chosen = tuple(value) if np.iterable(value) else (value,)
    valid = all(isinstance(i, numbers.Integral) and not isinstance(i, bool)
                and 0 <= i < len(names) for i in chosen)
    if not chosen or not valid or len(set(chosen)) != len(chosen):
        raise invalid(name, expected, repr(value))
    return tuple(int(i) for i in chosen)


# ---- images and labels ----------------------------------------------------------------------

def images(name, x, layout):
    """``x`` a batch of images -> (x as a real array, the number of images B).

    layout "columns" (the perceptrons): 196xB, an image per column, as the .mat files hold
    them (or 196 values, one image -> 196x1); "cnn": those, or 14x14x1xB (14x14 and 14x14x1:
    one image). ValueError naming ``name`` otherwise, and saying so when the images are rows.
    """
    x = real_array(name, x)
    shape = tuple(x.shape)
    if shape == (N_PIXELS,):
        return np.reshape(x, (N_PIXELS, 1)), 1
    if len(shape) == 2 and shape[0] == N_PIXELS:
        return x, shape[1]
    if layout == "cnn" and shape in (IMAGE, IMAGE + (1,)):
        return x, 1
    if layout == "cnn" and len(shape) == 4 and shape[:3] == IMAGE + (1,):
        return x, shape[3]
    expected = f"{N_PIXELS}xB (a 14x14 image per column)"
    expected += ", 14x14x1xB or 14x14 (one image)" if layout == "cnn" else ""
    rows = len(shape) == 2 and shape[1] == N_PIXELS
    got = format_shape(shape) + (" (an image per row: pass its transpose)" if rows else "")
    raise invalid(name, expected, got)


def one_hot(name, y, n_images, x_name):
    """``y``: labels for ``n_images`` images, a one-hot column each, 10xB (10 values for one
    image) -> 10xB. ValueError naming ``name`` otherwise (a Bx10 y too)."""
    y = real_array(name, y)
    shape = (N_CLASSES, n_images)
    if tuple(y.shape) == shape:
        return y
    if np.ndim(y) <= 2 and squeezed(y.shape) == squeezed(shape):
        return np.reshape(y, shape)
    raise invalid(name, f"{format_shape(shape)} (a one-hot column for each of {x_name}'s "
                  f"{n_images} images)", format_shape(y.shape))


def batch(x, y, layout, names=("x", "y")):
    """A batch of images and their one-hot labels -> (x, y), checked by ``images`` and
    ``one_hot``: at least one image, as many label columns as images."""
    x, n_images = images(names[0], x, layout)
    if n_images == 0:
        raise invalid(names[0], "at least one image", format_shape(np.shape(x)), verb="hold")
    return x, one_hot(names[1], y, n_images, names[0])


def mini_batches(mini_batch_x, mini_batch_y, layout):
    """GetMiniBatch's lists (mini_batch_x: image batches, mini_batch_y: their labels) -> the
    two lists of checked batches (``batch``): as many of each, at least one."""
    xs = _batch_list("mini_batch_x", mini_batch_x)
    ys = _batch_list("mini_batch_y", mini_batch_y)
    if not xs:
        raise invalid("mini_batch_x", "at least one mini-batch", "an empty list", verb="hold")
    if len(ys) != len(xs):
        raise invalid("mini_batch_y", f"{len(xs)} label arrays (one per batch of mini_batch_x)",
                      f"{len(ys)}", verb="hold")
    checked = [batch(x, y, layout, (f"mini_batch_x[{i}]", f"mini_batch_y[{i}]"))
               for i, (x, y) in enumerate(zip(xs, ys))]
    return [x for x, _ in checked], [y for _, y in checked]


def _batch_list(name, value):
    """A list, tuple or 3-d array of batches -> a list; a 2-d array (one batch) is refused."""
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 3):
        return list(value)
    got = (f"a {format_shape(value.shape)} array (one batch? pass [it])"
           if isinstance(value, np.ndarray) else type(value).__name__)
    raise invalid(name, "a list of mini-batches (an array each)", got, TypeError)


def class_labels(name, labels, n_classes=None):
    """``labels``: whole numbers (integers, or floats such as MATLAB's 3.0), 0..n_classes-1
    when ``n_classes`` is given -> a flat int64 array. ValueError naming the first bad one."""
    values = np.ravel(real_array(name, labels))
    whole = np.isfinite(values) & (values == np.round(values)) & (values >= 0)
    if n_classes is not None:
        whole &= values < n_classes
    if not whole.all():
        first = int(np.argmin(whole))
        expected = (f"class labels, whole numbers 0..{n_classes - 1}" if n_classes is not None
                    else "class labels, whole numbers >= 0")
        raise invalid(name, expected, f"{values[first]:g} at index {first}")
    return values.astype(np.int64)


# ---- the models, and the boundary of a public function ---------------------------------------

@dataclass(frozen=True)
class Model:
    """What a model's public functions take: ``names``, its parameters in forward_backward's
    order, checked by ``parameters(*values)``; images laid out as ``layout`` (``images``).

    Called with a function's bound arguments (``boundary``), it checks x and y (``batch``),
    the parameters (by name, or as a list ``params`` with ``wrt`` indices into it; parameters
    beyond ``names``, an extension's, are its layer's to check) and ``chunk``.
    """
    names: tuple
    parameters: Callable
    layout: str

    def __call__(self, arguments):
        arguments["x"], arguments["y"] = batch(arguments["x"], arguments["y"], self.layout)
        if "params" in arguments:
            arguments["params"] = self.parameter_list("params", arguments["params"])
            if arguments.get("wrt") is not None:  # (None: every parameter)
                arguments["wrt"] = indices("wrt", arguments["wrt"], self.all_names(
                    arguments["params"]))
        else:
            arguments.update(zip(self.names, self.parameters(*(arguments[n]
                                                               for n in self.names))))
        if "chunk" in arguments:
            arguments["chunk"] = whole_number("chunk", arguments["chunk"], 1)

    def parameter_list(self, name, params, extra=True):
        """``params``, a tuple of the parameters, checked (``extra``: an extension's may follow,
        unchecked here)."""
        n = len(self.names)
        sequence = isinstance(params, (list, tuple))
        if not sequence or len(params) < n or (len(params) > n and not extra):
            got = f"{len(params)} arrays" if sequence else type(params).__name__
            raise invalid(name, f"the {n} parameters ({', '.join(self.names)})", got, TypeError,
                          "hold")
        return (*self.parameters(*params[:n]), *params[n:])

    def all_names(self, params):
        """The names of ``params``: the model's, then "extra 0", ... for an extension's."""
        return self.names + tuple(f"extra {i}" for i in range(len(params) - len(self.names)))


CNN = Model(("w_conv", "b_conv", "w_fc", "b_fc"), cnn_parameters, "cnn")
SLP = Model(("w", "b"), slp_parameters, "columns")
MLP = Model(("w1", "b1", "w2", "b2"), mlp_parameters, "columns")


def boundary(check, errata=ERRATA_CHOICES):
    """Decorator of a public function: ``check(arguments)`` checks (and converts, in place) its
    bound arguments (name -> value) once per call, before the body runs; its ``errata`` argument
    first, against the choices ``errata`` (the dual twin's: TRUE_DERIVATIVES), as settings come
    before data. ``f.unchecked`` is the body itself, for a caller that checked them already and
    calls it again and again (the training loop: ``unchecked(forward_backward)``)."""
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if "errata" in bound.arguments:
                check_errata(bound.arguments["errata"], errata)
            check(bound.arguments)
            return function(*bound.args, **bound.kwargs)

        checked.unchecked = function
        return checked
    return decorate


def unchecked(function):
    """The body of a function ``boundary`` checks (else the function itself)."""
    return getattr(function, "unchecked", function)
