"""The Python API answers wrong input with a clear exception (shared.validate), checked once
per call at the public functions: a ValueError or TypeError naming the argument, what it got
(its shape) and what was expected; and accepts what a user evidently means (lists, MATLAB's
squeezed 3x3x3 w_conv). Each case below was silently wrong, or an obscure numpy error, before.
"""

import math

import numpy as np
import pytest

import dual.extensions.network as dual_network
import dual.train_mlp as dual_mlp
import dual.train_slp as dual_slp
import dual.train_slp_linear as dual_slp_linear
import reference.extensions.network as reference_network
from dual import derivative, forward_mode, forward_mode_gradient, gauss_newton, hessian
from dual import hessian_vector_product
from dual.dual_array import DualArray
from dual.train_cnn import check_mode
from dual.train_cnn import forward_backward as dual_forward_backward
from dual.train_cnn import train_cnn as dual_train_cnn
from mains.pipeline import perceptron
from reference.extensions.conv_kinds import CONV_KINDS, check_conv
from reference.extensions.network import ACTIVATIONS, check_activation
from reference.get_mini_batch import get_mini_batch
from reference.main_cnn import predict as predict_cnn
from reference.main_mlp import predict as predict_mlp
from reference.main_slp import predict as predict_slp
from reference.main_slp_linear import predict as predict_slp_linear
from reference.train_cnn import forward_backward, initial_weights, train_cnn
from reference.train_mlp import mlp_forward_backward, train_mlp
from reference.train_slp import slp_forward_backward, train_slp
from reference.train_slp_linear import slp_linear_forward_backward, train_slp_linear
from shared import validate
from shared.errata import check_errata
from shared.matlab import as_column, with_batch_axis
from shared.metrics import accuracy, confusion_matrix
from shared.patches import check_filters, check_per_filter
from shared.training import Trained, mini_batch_descent

SAME = 1e-12  # relative: the same arithmetic on the same numbers in another buffer or layout
# (a BLAS may sum in another order for another alignment: a few ulps, far below this)

N = 3  # images per batch: not 10, so that a transposed 10xB is told from Bx10
RNG = np.random.default_rng(0)
X = RNG.uniform(0.0, 1.0, (196, N))
Y = np.eye(10)[:, [1, 4, 7]]
CNN = tuple(initial_weights(1).values())
CNN = (CNN[0], 0.1 * RNG.standard_normal((3, 1)), CNN[2], 0.1 * RNG.standard_normal((10, 1)))
SLP = (0.1 * RNG.standard_normal((10, 196)), np.zeros((10, 1)))
MLP = (0.1 * RNG.standard_normal((30, 196)), np.zeros((30, 1)),
       0.1 * RNG.standard_normal((10, 30)), np.zeros((10, 1)))

# name -> (the CNN's loop body, or a function taking its arguments): every one is checked
CNN_GRADIENTS = {
    "reference": forward_backward,
    "dual chain": dual_forward_backward,
    "dual forward": forward_mode,
    "network": lambda *a: reference_network.forward_backward(*a, activation="sigmoid"),
    "dual network": lambda *a: dual_network.forward_backward(*a, activation="sigmoid"),
}
# name -> (loop body, its parameters): the perceptrons'
PERCEPTRON_GRADIENTS = {
    "slp_linear": (slp_linear_forward_backward, SLP), "slp": (slp_forward_backward, SLP),
    "mlp": (mlp_forward_backward, MLP), "dual slp_linear": (dual_slp_linear.forward_mode, SLP),
    "dual slp": (dual_slp.slp_forward_backward, SLP), "dual mlp": (dual_mlp.forward_mode, MLP),
}


def quiet(train, **fixed):
    return lambda *a, **k: train(*a, progress=False, **fixed, **k)


TRAINERS = {  # name -> a train_* function (one line of output less)
    "train_cnn": quiet(train_cnn), "dual train_cnn": quiet(dual_train_cnn),
    "dual train_cnn forward": quiet(dual_train_cnn, mode="forward"),
    "network train_cnn": quiet(reference_network.train_cnn, activation="sigmoid"),
    "dual network train_cnn": quiet(dual_network.train_cnn, conv="gaussian"),
    "train_slp_linear": quiet(train_slp_linear), "train_slp": quiet(train_slp),
    "train_mlp": quiet(train_mlp), "dual train_slp_linear": quiet(dual_slp_linear.train_slp_linear),
    "dual train_slp": quiet(dual_slp.train_slp), "dual train_mlp": quiet(dual_mlp.train_mlp),
}


def refused(error, call, *words):
    """``call()`` raises ``error`` with a one-line message holding every one of ``words``."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, message
    return message


def flat(result):
    """A Trained as (its parameters in order, its loss); anything else as it is."""
    if isinstance(result, Trained):
        return (*result.params.values(), result.loss)
    return result


def assert_same(got, want):
    """Two results (a tuple of arrays and numbers each, or a Trained) equal to SAME, shape for
    shape."""
    got, want = flat(got), flat(want)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert np.shape(a) == np.shape(b)
        assert np.max(np.abs(np.asarray(a) - b)) <= SAME * max(np.max(np.abs(b)), 1.0)


# ---- 1. second derivatives: directions and blocks ----------------------------------------------

@pytest.mark.parametrize("mode", ["chain", "forward"])
def test_a_direction_shaped_otherwise_than_its_parameter_is_refused(mode):
    # was: reshaped silently (147x10 read as 10x147), a wrong H v
    v = (np.ones((3, 3, 1, 3)), np.ones((3, 1)), np.ones((147, 10)), np.ones((10, 1)))
    refused(ValueError, lambda: hessian_vector_product(X, Y, CNN, v, mode=mode),
            "v[2] (the direction of w_fc) must be 10x147", "got 147x10")


def test_a_perceptrons_direction_shaped_otherwise_is_refused():
    v = (np.ones((196, 30)), None, None, None)
    refused(ValueError, lambda: hessian_vector_product(X, Y, MLP, v, model="mlp"),
            "v[0] (the direction of w1) must be 30x196", "got 196x30")


@pytest.mark.parametrize("v", [CNN[:3], CNN + (CNN[0],), CNN[0]], ids=["3", "5", "an array"])
def test_not_one_direction_per_parameter_is_refused(v):
    # was: IndexError: tuple index out of range
    refused(TypeError, lambda: hessian_vector_product(X, Y, CNN, v),
            "v must hold 4 directions, one per parameter (w_conv, b_conv, w_fc, b_fc")


def test_not_four_parameters_are_refused():
    # was: TypeError: forward_backward() missing 1 required positional argument: 'b_fc'
    refused(TypeError, lambda: hessian_vector_product(X, Y, CNN[:3], CNN[:3]),
            "params must hold the 4 parameters (w_conv, b_conv, w_fc, b_fc), got 3 arrays")


@pytest.mark.parametrize("function", [hessian, gauss_newton])
@pytest.mark.parametrize("block", [(5,), (), (0, 0), (-1,), ("w_conv",)], ids=repr)
def test_a_block_naming_no_parameter_is_refused(function, block):
    # was: (5,) IndexError: tuple index out of range; () need at least one array to concatenate
    refused(ValueError, lambda: function(X, Y, CNN, block=block),
            "block must be indices of parameters, 0..3 (0 w_conv, 1 b_conv, 2 w_fc, 3 b_fc)",
            f"got {block!r}")


def test_a_block_of_one_index_is_that_parameter():
    assert_same([hessian(X, Y, CNN, block=1)], [hessian(X, Y, CNN, block=(1,))])


# ---- 2. class labels ----------------------------------------------------------------------------

@pytest.mark.parametrize("labels, bad", [
    ([0.9, 1.2], "0.9 at index 0"), ([1, 2.5], "2.5 at index 1"), ([1, np.nan], "nan at index 1"),
    ([3, -1], "-1 at index 1")])
def test_labels_that_are_not_whole_numbers_are_refused(labels, bad):
    refused(ValueError, lambda: validate.class_labels("pred", labels),
            "pred must be class labels, whole numbers >= 0", f"got {bad}")


def test_labels_as_matlab_doubles_are_whole_numbers():
    assert validate.class_labels("true", np.array([[0.0, 3.0, 9.0]]), 10).tolist() == [0, 3, 9]


@pytest.mark.parametrize("metric", [accuracy, confusion_matrix])
def test_the_metrics_refuse_labels_that_are_not_whole_numbers(metric):
    # is: accuracy([0.9, 1.2], [0, 1]) == 1.0, the labels truncated silently
    refused(ValueError, lambda: metric([0.9, 1.2], [0, 1]), "pred must be class labels", "0.9")


@pytest.mark.parametrize("label, bad", [(0.5, "0.5"), (10, "10"), (-1, "-1")])
def test_get_mini_batch_refuses_labels_that_are_not_digits(label, bad):
    labels = np.arange(30) % 10
    labels = np.where(labels == 4, label, labels)
    refused(ValueError, lambda: get_mini_batch(RNG.random((196, 30)), labels, 10, rng=0),
            "label_train must be class labels, whole numbers 0..9", f"got {bad} at index 4")


def test_get_mini_batch_refuses_as_many_labels_as_images_only():
    refused(ValueError, lambda: get_mini_batch(RNG.random((196, 30)), np.zeros(29), 10, rng=0),
            "label_train must hold 30 labels (one per image of im_train), got 29")


# ---- 3. complex numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_a_complex_parameter_is_refused_by_the_gradient_functions(name):
    # was: complex "gradients" (the reference's), or the imaginary part dropped with a warning
    refused(TypeError, lambda: CNN_GRADIENTS[name](X, Y, CNN[0] + 1j, *CNN[1:]),
            "w_conv must be a real numeric array, got complex values (3x3x1x3)")


@pytest.mark.parametrize("name", ["train_cnn", "dual train_cnn", "network train_cnn"])
def test_a_complex_starting_weight_is_refused_by_training(name):
    # was: a ComplexWarning, the imaginary part dropped, training on
    refused(TypeError, lambda: TRAINERS[name]([X], [Y], start={"w_conv": CNN[0] + 1j},
                                             iterations=1),
            "w_conv must be a real numeric array, got complex values (3x3x1x3)")


def test_complex_images_are_refused():
    refused(TypeError, lambda: train_slp([X + 0j], [Y], iterations=1, progress=False),
            "mini_batch_x[0] must be a real numeric array, got complex values (196x3)")


def test_a_complex_direction_is_refused():
    v = (CNN[0], CNN[1] * 1j, CNN[2], CNN[3])
    refused(TypeError, lambda: hessian_vector_product(X, Y, CNN, v),
            "v[1] (the direction of b_conv) must be a real numeric array, got complex values")


@pytest.mark.parametrize("real, partials, name", [
    (1 + 2j, [1.0], "real (the value)"), (np.ones(2) + 1j, np.ones((2, 1)), "real (the value)"),
    (np.ones(2), np.ones((2, 1)) * 1j, "dual (the dual part)")], ids=["scalar", "array", "dual"])
def test_a_dual_array_of_complex_numbers_is_refused(real, partials, name):
    # was: a ComplexWarning and the imaginary part dropped (a scalar: float() argument must be...)
    refused(TypeError, lambda: DualArray(real, partials),
            f"DualArray: {name} must be a real numeric array, got complex values")


def test_derivative_at_a_complex_point_is_refused():
    refused(TypeError, lambda: derivative(np.sin, 1j), "x must be a real numeric array",
            "complex")


def test_text_is_refused_naming_its_kind():
    refused(TypeError, lambda: forward_backward(X, Y, "w", *CNN[1:]),
            "w_conv must be a real numeric array, got text values (scalar)")


# ---- 4. empty batches, learning rates, mini-batch lists ---------------------------------------

@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_a_batch_of_no_images_is_refused(name):
    # was: loss 0 and zero gradients
    refused(ValueError, lambda: CNN_GRADIENTS[name](np.zeros((196, 0)), np.zeros((10, 0)), *CNN),
            "x must hold at least one image, got 196x0")


@pytest.mark.parametrize("name", TRAINERS)
def test_training_on_a_batch_of_no_images_is_refused(name):
    # was: ZeroDivisionError: float division by zero
    refused(ValueError, lambda: TRAINERS[name]([X, np.zeros((196, 0))], [Y, np.zeros((10, 0))],
                                               iterations=1),
            "mini_batch_x[1] must hold at least one image, got 196x0")


BAD_SETTINGS = [("lr", -1), ("lr", 0), ("lr", math.nan), ("lr", math.inf), ("decay", -1),
                ("decay", 0), ("decay", math.nan), ("decay", math.inf), ("lr", "0.1")]


@pytest.mark.parametrize("name", TRAINERS)
@pytest.mark.parametrize("setting, value", BAD_SETTINGS,
                         ids=[f"{s}={v!r}" for s, v in BAD_SETTINGS])
def test_a_learning_rate_or_decay_not_positive_and_finite_is_refused(name, setting, value):
    # was: decay=-1 (and 0, nan) trained on, lr=inf diverged; the loss history the only sign
    error = TypeError if isinstance(value, str) else ValueError
    refused(error, lambda: TRAINERS[name]([X], [Y], iterations=1, **{setting: value}),
            f"{setting} must be a positive finite number, got {value!r}")


@pytest.mark.parametrize("iterations", [-1, 2.5, math.inf])
def test_iterations_not_a_whole_number_are_refused(iterations):
    # was: 2.5: TypeError: expected a sequence of integers or a single integer, got '2.5'
    refused(ValueError, lambda: train_cnn([X], [Y], iterations=iterations, progress=False),
            f"iterations must be a whole number >= 0, got {iterations!r}")


def test_iterations_as_a_whole_float_are_that_many():
    assert train_slp([X], [Y], iterations=3.0, progress=False)[-1].shape == (3,)


@pytest.mark.parametrize("name", TRAINERS)
def test_no_mini_batches_are_refused(name):
    # was: IndexError: list index out of range
    refused(ValueError, lambda: TRAINERS[name]([], [], iterations=1),
            "mini_batch_x must hold at least one mini-batch, got an empty list")


@pytest.mark.parametrize("name", TRAINERS)
def test_fewer_label_arrays_than_batches_are_refused(name):
    # was: IndexError: list index out of range, at the second iteration
    refused(ValueError, lambda: TRAINERS[name]([X, X], [Y], iterations=3),
            "mini_batch_y must hold 2 label arrays (one per batch of mini_batch_x), got 1")


@pytest.mark.parametrize("name", TRAINERS)
def test_a_batch_with_fewer_labels_than_images_is_refused(name):
    # was: ValueError: operands could not be broadcast together with shapes (10,2) (10,3)
    refused(ValueError, lambda: TRAINERS[name]([X], [Y[:, :2]], iterations=1),
            "mini_batch_y[0] must be 10x3 (a one-hot column for each of mini_batch_x[0]'s 3 "
            "images), got 10x2")


@pytest.mark.parametrize("name", ["train_cnn", "train_slp"])
def test_one_batch_instead_of_a_list_of_them_is_refused(name):
    # was: ValueError: not enough values to unpack (expected 4, got 3)
    refused(TypeError, lambda: TRAINERS[name](X, [Y], iterations=1),
            "mini_batch_x must be a list of mini-batches",
            "got a 196x3 array (one batch? pass [it])")


# ---- 5. plain Python lists ---------------------------------------------------------------------

def as_lists(arrays):
    return [a.tolist() for a in arrays]


@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_the_gradient_functions_take_lists(name):
    # was: AttributeError: 'list' object has no attribute 'ndim'
    function = CNN_GRADIENTS[name]
    assert_same(function(X.tolist(), Y.tolist(), *as_lists(CNN)), function(X, Y, *CNN))


@pytest.mark.parametrize("name", PERCEPTRON_GRADIENTS)
def test_the_perceptrons_gradient_functions_take_lists(name):
    function, params = PERCEPTRON_GRADIENTS[name]
    assert_same(function(X.tolist(), Y.tolist(), *as_lists(params)), function(X, Y, *params))


def test_training_takes_lists():
    got = train_cnn([X.tolist()], [Y.tolist()], iterations=2, progress=False, rng=0)
    assert_same(got, train_cnn([X], [Y], iterations=2, progress=False, rng=0))


def test_second_derivatives_take_lists():
    v = tuple(0.5 * p for p in CNN)
    got = hessian_vector_product(X.tolist(), Y.tolist(), as_lists(CNN), as_lists(v))
    want = hessian_vector_product(X, Y, CNN, v)
    for a, b in zip(got[1:], want[1:]):
        assert_same(a, b)


def test_get_mini_batch_and_predict_take_lists():
    im, labels = RNG.random((196, 30)), np.arange(30) % 10
    got = get_mini_batch(im.tolist(), labels.tolist(), 10, rng=0)
    for a, b in zip(got[0] + got[1], sum(get_mini_batch(im, labels, 10, rng=0), [])):
        np.testing.assert_array_equal(a, b)  # a copy of the same numbers: no arithmetic
    assert predict_cnn(im.tolist(), *as_lists(CNN)).tolist() == predict_cnn(im, *CNN).tolist()


@pytest.mark.parametrize("name", ["slp_linear", "mlp"])
def test_one_image_as_196_values_is_one_column(name):
    # was: slp: FC of a flat image broadcast 10 + 10x1 into a 10x10 "batch" (or a matmul error)
    function, params = PERCEPTRON_GRADIENTS[name]
    assert_same(function(X[:, 0], Y[:, 0], *params), function(X[:, :1], Y[:, :1], *params))


# ---- 6. shapes: w_conv, w_fc, chunk, transposed images -----------------------------------------

@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_matlabs_squeezed_3x3x3_w_conv_is_3x3x1x3(name):
    # was: IndexError: tuple index out of range
    function = CNN_GRADIENTS[name]
    assert_same(function(X, Y, CNN[0].reshape(3, 3, 3), *CNN[1:]), function(X, Y, *CNN))


def test_training_from_a_3x3x3_w_conv_returns_3x3x1x3():
    got = train_cnn([X], [Y], start={"w_conv": CNN[0].reshape(3, 3, 3)}, iterations=2, rng=0,
                    progress=False)
    assert got.params["w_conv"].shape == (3, 3, 1, 3)
    assert_same(got, train_cnn([X], [Y], start={"w_conv": CNN[0]}, iterations=2, rng=0,
                               progress=False))


@pytest.mark.parametrize("name", CNN_GRADIENTS)
@pytest.mark.parametrize("index, shape, words", [
    (2, (147, 10), "w_fc must be 10x147 (10 classes x 7*7 pooled values of each of 3 filters), "
                   "got 147x10"),
    (2, (10, 146), "w_fc must be 10x147"),
    (0, (3, 3, 2, 3), "w_conv must be 3x3x1x3 (3x3 filters over the image's one channel; 3x3xC "
                      "accepted), got 3x3x2x3"),
    (0, (9, 3), "w_conv must be 3x3x1xC"),
    (1, (4, 1), "b_conv must be 3x1 (one value per filter; w_conv has 3), got 4x1"),
    (3, (1, 9), "b_fc must be 10x1 (one value per class), got 1x9")], ids=str)
def test_a_parameter_of_another_shape_is_refused(name, index, shape, words):
    # was: w_fc 147x10: "b_fc must be 147x1", 10x146: numpy's matmul core dimension mismatch
    params = list(CNN)
    params[index] = np.ones(shape)
    refused(ValueError, lambda: CNN_GRADIENTS[name](X, Y, *params), words)


@pytest.mark.parametrize("name, given, words", [
    ("train_cnn", {"w_fc": np.ones((147, 10))}, "w_fc must be 10x147"),
    ("train_slp", {"w": np.ones((196, 10))},
     "w must be 10x196 (10 classes x 196 pixels), got 196x10"),
    ("train_slp_linear", {"b": np.ones(9)}, "b must be 10x1 (one value per class), got 9"),
    ("train_mlp", {"w1": np.ones((196, 30))}, "w1 must be 30x196 (hidden units x 196 pixels), "
                                              "got 196x30"),
    ("dual train_mlp", {"w2": np.ones((30, 10))}, "w2 must be 10x30")], ids=str)
def test_a_starting_weight_of_another_shape_is_refused(name, given, words):
    # was: train_slp and train_mlp: the weights reshaped silently (196x10 read as 10x196)
    refused(ValueError, lambda: TRAINERS[name]([X], [Y], iterations=1, start=given), words)


CHUNKED = {
    "forward_mode": lambda chunk: forward_mode(X, Y, *CNN, chunk=chunk),
    "forward_mode_gradient": lambda chunk: forward_mode_gradient(X, Y, CNN, [0], chunk=chunk),
    "slp forward_mode": lambda chunk: dual_slp.forward_mode(X, Y, *SLP, chunk=chunk),
    "hessian": lambda chunk: hessian(X, Y, CNN, chunk=chunk),
    "predict": lambda chunk: predict_cnn(X, *CNN, chunk=chunk),
    "network predict": lambda chunk: reference_network.predict(X, *CNN, activation="sigmoid",
                                                               chunk=chunk),
}


@pytest.mark.parametrize("name", CHUNKED)
@pytest.mark.parametrize("chunk", [0, -1, 2.5])
def test_a_chunk_that_is_not_a_positive_whole_number_is_refused(name, chunk):
    # was: 0: ValueError: range() arg 3 must not be zero
    refused(ValueError, lambda: CHUNKED[name](chunk),
            f"chunk must be a positive whole number, got {chunk!r}")


@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_images_as_rows_are_refused(name):
    # was: numpy's matmul: "size 588 is different from 147"
    refused(ValueError, lambda: CNN_GRADIENTS[name](X.T, Y, *CNN),
            "x must be 196xB (a 14x14 image per column), 14x14x1xB or 14x14 (one image)",
            "got 3x196 (an image per row: pass its transpose)")


@pytest.mark.parametrize("name", PERCEPTRON_GRADIENTS)
def test_images_as_rows_are_refused_by_the_perceptrons(name):
    function, params = PERCEPTRON_GRADIENTS[name]
    refused(ValueError, lambda: function(X.T, Y, *params),
            "x must be 196xB (a 14x14 image per column), got 3x196 (an image per row")


@pytest.mark.parametrize("name", TRAINERS)
def test_training_on_images_as_rows_is_refused(name):
    refused(ValueError, lambda: TRAINERS[name]([X, X.T], [Y, Y], iterations=1),
            "mini_batch_x[1] must be 196xB", "got 3x196 (an image per row: pass its transpose)")


@pytest.mark.parametrize("name", CNN_GRADIENTS)
def test_labels_as_rows_are_refused(name):
    # was: y 3x10 read as 10x3 by a column-major reshape: a wrong loss, silently
    refused(ValueError, lambda: CNN_GRADIENTS[name](X, Y.T, *CNN),
            "y must be 10x3 (a one-hot column for each of x's 3 images), got 3x10")


def test_get_mini_batch_refuses_images_as_rows():
    # was: "label_train must hold 196 labels in 0..9"
    refused(ValueError, lambda: get_mini_batch(RNG.random((30, 196)), np.arange(30) % 10, 10),
            "im_train must be 196xB (a 14x14 image per column), got 30x196 (an image per row")


def predict_network(im, *params):
    return reference_network.predict(im, *params, activation="sigmoid")


@pytest.mark.parametrize("predict, params, name", [
    (predict_cnn, CNN, "im_test"), (predict_slp, SLP, "im_test"),
    (predict_slp_linear, SLP, "im_test"), (predict_mlp, MLP, "im_test"),
    (predict_network, CNN, "im")], ids=["cnn", "slp", "slp_linear", "mlp", "network"])
def test_predict_refuses_images_as_rows(predict, params, name):
    # was: numpy's matmul: "size 4410 is different from 147" (or 30 from 196)
    refused(ValueError, lambda: predict(RNG.random((30, 196)), *params),
            f"{name} must be 196xB (a 14x14 image per column), got 30x196 (an image per row")


# ---- the mechanism: once per call, settings first, one wording ---------------------------------

def test_the_training_loop_checks_its_gradient_function_once_per_call_not_per_iteration():
    checks = []

    @validate.boundary(lambda arguments: checks.append(1))
    def body(x, y, p, errata="keep"):
        return 0.0, np.zeros_like(p)

    mini_batch_descent([X], [Y], [np.zeros(1)], body, iterations=5, progress=False)
    assert checks == []  # the loop ran the unchecked body
    body(X, Y, np.zeros(1))
    assert checks == [1]


def test_the_dual_twin_refuses_keep_before_looking_at_the_data():
    refused(ValueError, lambda: dual_forward_backward(None, None, *CNN, errata="keep"),
            "errata must be 'fix'")


@pytest.mark.parametrize("call", [
    lambda: as_column(np.ones(4), 3, "b"),
    lambda: with_batch_axis(np.ones((2, 2)), (14, 14, 1), "x"),
    lambda: check_filters(np.ones((3, 3)), "w"), lambda: check_per_filter(np.ones(2), 3, "gamma"),
    lambda: validate.parameter("w_fc", np.ones(3), (10, 147)),
], ids=["as_column", "with_batch_axis", "check_filters", "check_per_filter", "parameter"])
def test_every_shape_check_words_its_refusal_alike(call):
    message = refused(ValueError, call)
    assert message.split(" must be ", 1)[0].isidentifier() and ", got " in message, message


@pytest.mark.parametrize("check, name, choices", [
    (lambda v: check_errata(v), "errata", ("keep", "fix")),
    (lambda v: check_mode(v), "mode", ("chain", "forward")),
    (lambda v: check_conv(v), "conv", tuple(CONV_KINDS)),
    (lambda v: check_activation(v), "activation", tuple(ACTIVATIONS)),
    (lambda v: perceptron(v), "model", ("slp_linear", "slp", "mlp")),
    (lambda v: perceptron("slp", v), "variant", ("reference", "dual")),
])
@pytest.mark.parametrize("bad", ["bogus", ["relu"]])
def test_every_choice_is_refused_in_one_wording(check, name, choices, bad):
    """A name outside its list reads the same for every setting (shared.choices): the setting,
    every choice quoted, the value given; a list (unhashable) is refused alike, not a TypeError."""
    listed = ", ".join(map(repr, choices))
    with pytest.raises(ValueError) as caught:
        check(bad)
    assert str(caught.value) == f"{name} must be one of {listed}, got {bad!r}"


TRAINED_NAMES = {  # trainer -> its parameters, as Trained.params names them, in order
    **{name: ("w_conv", "b_conv", "w_fc", "b_fc") for name in TRAINERS if "cnn" in name},
    "dual network train_cnn": ("w_conv", "b_conv", "w_fc", "b_fc", "log_gamma_conv"),
    **{name: ("w", "b") for name in TRAINERS if "slp" in name},
    **{name: ("w1", "b1", "w2", "b2") for name in TRAINERS if "mlp" in name},
}


@pytest.mark.parametrize("name", TRAINERS)
def test_every_trainer_returns_its_parameters_by_name_and_the_loss(name):
    """One result for all four models, both variants and the extensions: Trained(params, loss)."""
    # was: (w_conv, b_conv, w_fc, b_fc, loss), a sixth value for a conv kind's extras, (w, b,
    # loss) for the perceptrons: callers counted the values
    trained = TRAINERS[name]([X], [Y], iterations=2, rng=0)
    assert isinstance(trained, Trained)
    assert tuple(trained.params) == TRAINED_NAMES[name]
    assert trained.loss.shape == (2,)


@pytest.mark.parametrize("name", TRAINERS)
def test_a_starting_parameter_the_model_lacks_is_refused(name):
    # a misspelt name would otherwise be ignored and the run start from the draw
    refused(ValueError, lambda: TRAINERS[name]([X], [Y], iterations=1, start={"w_cnv": CNN[0]}),
            "start has no parameter 'w_cnv'")
