"""Nested dual numbers: tags (ForwardDiff's perturbation-confusion tests), second derivatives of
every smooth rule, and the CNN's Hessian-vector products and block Hessians against central
differences, PyTorch's double backward and torch.func, and our conventions at kinks and ties."""

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

from dual.curvature import gauss_newton, hessian, hessian_vector_product
from dual.dual_array import DualArray, innermost
from dual.seeding import derivative, dual_part, elementwise_derivative, new_tag
from dual.train_cnn import forward_backward, forward_pass
from reference.train_cnn import initial_weights
from shared.torch_net import torch_available

needs_torch = pytest.mark.skipif(not torch_available(), reason="PyTorch is not installed")


# ---- tags ----------------------------------------------------------------------------------

def test_perturbation_confusion_is_avoided():
    """ForwardDiff issue 83: d/dx [x * d/dy (x + y)] at x = y = 1 is 1 (confused: 2)."""
    assert derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 1.0) == 1.0


def test_more_nested_derivatives_that_must_not_confuse():
    # d/dx d/dy (x y) = 1; d/dx [x * d/dy (x y)] = d/dx x**2 = 2x; d/dx d/dx exp(x) = exp(x)
    assert derivative(lambda x: derivative(lambda y: x * y, 2.0), 3.0) == 1.0
    assert derivative(lambda x: x * derivative(lambda y: x * y, 2.0), 3.0) == 6.0
    assert derivative(lambda x: derivative(np.exp, x), 0.5) == pytest.approx(np.exp(0.5), rel=1e-15)
    # third order: d3/dx3 x**4 = 24 x
    assert derivative(lambda a: derivative(lambda b: derivative(lambda c: c ** 4, b), a), 2.0) \
        == pytest.approx(48.0, rel=1e-14)


def test_mixing_tags_in_one_expression():
    """Two seedings at once: each read-off sees only its own seeds."""
    a = DualArray(2.0, [1.0], new_tag())
    b = DualArray(3.0, [1.0, 0.0], new_tag())  # newer, K = 2: a is a constant at b's tag
    out = a * b + a
    assert out.tag == b.tag and innermost(out.dual).tolist() == [2.0, 0.0]  # d/db: a number of a
    assert dual_part(out.dual[0], a).tolist() == [1.0]  # d/da d/db (a b + a) = 1
    assert dual_part(out.real, a).tolist() == [4.0]  # d/da (a b + a) = b + 1
    assert dual_part(np.exp(b.real) * a, a).tolist() == [np.exp(3.0)]  # b's value: a constant
    with pytest.raises(ValueError, match="read off the newer seeding first"):
        dual_part(out, a)  # out carries b's newer tag: its partials along a sit inside it


def test_a_k_mismatch_within_one_tag_is_a_clear_error():
    tag = new_tag()
    with pytest.raises(ValueError, match="same number of partials K, got \\[1, 2\\]"):
        DualArray(1.0, [1.0], tag) + DualArray(2.0, [1.0, 0.0], tag)
    # across tags K may differ: the older one is a constant
    assert (DualArray(1.0, [1.0], new_tag()) + DualArray(2.0, [1.0, 0.0], new_tag())).n_partials == 2


def test_nesting_by_hand_without_a_newer_tag_is_refused():
    inner = DualArray(1.0, [1.0])
    with pytest.raises(ValueError, match="older tag"):
        DualArray(inner, [1.0])  # both tag 0: that would confuse them


@pytest.mark.parametrize("fill", ["setitem", "add.at", "+="])
def test_buffers_filled_in_place_give_second_derivatives(fill):
    """A buffer made at first order (plain parts) takes values carrying older tags: its parts
    become dual numbers of those tags, so nothing is dropped. d2/dx2 of sum(x^3) = 6 sum x."""
    def f(a):
        if fill == "setitem":
            z = np.zeros_like(a)
            z[1:3] = a[1:3] ** 3
            return z.sum() + (a[0] ** 3 + a[3] ** 3)
        if fill == "add.at":
            z = np.zeros_like(a)
            np.add.at(z, [0, 1, 2, 3], a ** 3)
            return z.sum()
        z = a * 0.0
        z += a ** 3
        return z.sum()
    x = np.array([0.5, 1.0, 2.0, 3.0])
    assert derivative(lambda t: derivative(f, t), x) == pytest.approx(6 * x.sum(), rel=1e-14)


def test_a_newer_tag_cannot_be_written_into_an_older_array():
    old = DualArray(np.zeros(3), np.zeros((3, 1)), new_tag())
    with pytest.raises(TypeError, match="would drop its dual part"):
        old[0] = DualArray(1.0, [1.0], new_tag())


# ---- the smooth rules: first and second derivatives against central differences -----------

UNARY = {  # ufunc -> the interval it is tested on
    np.sin: (-3, 3), np.cos: (-3, 3), np.tan: (-1.2, 1.2), np.arcsin: (-0.9, 0.9),
    np.arccos: (-0.9, 0.9), np.arctan: (-3, 3), np.sinh: (-3, 3), np.cosh: (-3, 3),
    np.tanh: (-3, 3), np.arcsinh: (-3, 3), np.arccosh: (1.1, 4), np.arctanh: (-0.9, 0.9),
    np.exp: (-3, 3), np.exp2: (-3, 3), np.expm1: (-3, 3), np.log: (0.2, 4), np.log2: (0.2, 4),
    np.log10: (0.2, 4), np.log1p: (-0.8, 4), np.sqrt: (0.2, 4), np.cbrt: (0.2, 4),
    np.square: (-3, 3), np.reciprocal: (0.2, 4), scipy.special.erf: (-2, 2),
    scipy.special.expit: (-4, 4),
}
BINARY = {np.hypot: ((0.3, 3), (0.3, 3)), np.arctan2: ((-3, 3), (0.3, 3)),
          np.power: ((0.3, 3), (-2, 2))}


def central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def assert_first_and_second(f, x):
    first = derivative(f, x)
    second = derivative(lambda a: derivative(f, a), x)
    assert first == pytest.approx(central(f, x, 1e-6), rel=1e-7, abs=1e-8)
    assert second == pytest.approx(central(lambda a: derivative(f, a), x, 1e-6), rel=1e-7, abs=1e-7)
    assert second == pytest.approx((f(x + 1e-4) - 2 * f(x) + f(x - 1e-4)) / 1e-8, rel=1e-4, abs=1e-4)


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
@settings(max_examples=25, deadline=None)
@given(t=st.floats(0.0, 1.0))
def test_each_unary_rule_to_second_order(ufunc, t):
    low, high = UNARY[ufunc]
    assert_first_and_second(ufunc, low + t * (high - low))


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
@settings(max_examples=25, deadline=None)
@given(s=st.floats(0.0, 1.0), t=st.floats(0.0, 1.0))
def test_each_binary_rule_to_second_order_in_both_arguments(ufunc, s, t):
    (a0, a1), (b0, b1) = BINARY[ufunc]
    a, b = a0 + s * (a1 - a0), b0 + t * (b1 - b0)
    assert_first_and_second(lambda x: ufunc(x, b), a)
    assert_first_and_second(lambda y: ufunc(a, y), b)
    mixed = derivative(lambda x: derivative(lambda y: ufunc(x, y), b), a)
    assert mixed == pytest.approx(central(lambda x: derivative(lambda y: ufunc(x, y), b), a, 1e-6),
                                  rel=1e-7, abs=1e-7)


def test_a_constant_inside_an_older_tag_is_refused():
    with pytest.raises(ValueError, match="cannot sit inside"):
        DualArray.constant(DualArray(1.0, [1.0], new_tag()), 1, tag=0)


def test_relu_second_derivative_is_zero_and_its_first_is_half_at_the_kink():
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    x = np.array([-1.0, 0.0, 2.0])
    assert derivative(relu, x).tolist() == [0.0, 0.5, 1.0]
    assert derivative(lambda a: derivative(relu, a), x).tolist() == [0.0, 0.0, 0.0]
    assert derivative(lambda a: elementwise_derivative(relu, a), x).tolist() == [0.0, 0.0, 0.0]


def test_the_first_maximum_chooses_by_the_innermost_values():
    """A tie in the values, the outer partials apart: the first maximum in column-major order
    passes both orders of derivative (MATLAB's choice), whatever the partials."""
    blocks = np.array([[3.0, 1.0], [3.0, 2.0]])  # column 0 tied: the first (row 0) is chosen
    outer = DualArray(blocks, np.array([[[1.0], [0.0]], [[5.0], [0.0]]]), new_tag())
    inner = DualArray(outer, np.array([[[2.0], [0.0]], [[7.0], [1.0]]]), new_tag())
    best = inner.max(axis=0)
    assert best.real.real.tolist() == [3.0, 2.0]
    assert best.dual[:, 0].real.tolist() == [2.0, 1.0] and best.real.dual[:, 0].tolist() == [1.0, 0.0]


# ---- the CNN: Hessian-vector products and block Hessians ----------------------------------

@pytest.fixture(scope="module")
def network():
    """A batch of 30 and parameters with non-zero biases (no exact kinks), a direction v."""
    rng = np.random.default_rng(7)
    params = list(initial_weights(rng).values())
    params[1], params[3] = 0.1 * rng.standard_normal((3, 1)), 0.1 * rng.standard_normal((10, 1))
    x = rng.uniform(0.0, 1.0, (196, 30))
    y = np.eye(10)[:, rng.integers(10, size=30)]
    v = tuple(rng.standard_normal(np.shape(p)) for p in params)
    return x, y, tuple(params), v


def relative(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("mode", ["chain", "forward"])
def test_hvp_against_central_differences_of_our_gradient(network, mode):
    x, y, params, v = network
    loss, gradient, hv = hessian_vector_product(x, y, params, v, mode=mode)
    plain = forward_backward(x, y, *params)
    assert loss == pytest.approx(plain[0], rel=1e-14)
    h = 1e-6
    up = forward_backward(x, y, *(p + h * d for p, d in zip(params, v)))[1:]
    down = forward_backward(x, y, *(p - h * d for p, d in zip(params, v)))[1:]
    for got, a, b in zip(hv, up, down):
        assert relative(got, (a - b) / (2 * h)) <= 3e-9
    for g, want in zip(gradient, plain[1:]):
        assert relative(g, want) <= 1e-14


def test_forward_over_forward_equals_forward_over_chain(network):
    x, y, params, v = network
    chain = hessian_vector_product(x, y, params, v, mode="chain")[2]
    forward = hessian_vector_product(x, y, params, v, mode="forward")[2]
    for a, b in zip(chain, forward):
        assert relative(a, b) <= 1e-13


@needs_torch
def test_hvp_against_pytorch_double_backward_and_jvp_of_grad(network):
    from shared.torch_net import torch_hessian_vector_product, torch_jvp_hessian_vector_product
    x, y, params, v = network
    loss, gradient, hv = hessian_vector_product(x, y, params, v)
    torch_loss, torch_gradient, torch_hv = torch_hessian_vector_product(x, y, params, v)
    assert loss == pytest.approx(torch_loss, rel=1e-13)
    for a, b, c in zip(hv, torch_hv, torch_jvp_hessian_vector_product(x, y, params, v)):
        assert relative(a, b) <= 1e-12 and relative(a, c) <= 1e-12


@needs_torch
def test_block_hessian_against_torch_func_hessian(network):
    from shared.torch_net import torch_hessian
    x, y, params, _ = network
    for block in [(0, 1), (3,), (1, 3)]:
        assert relative(hessian(x, y, params, block), torch_hessian(x, y, params, block)) <= 1e-12


def test_conv_block_hessian_is_symmetric_psd_and_gauss_newton(network):
    x, y, params, _ = network
    h = hessian(x, y, params, block=(0, 1))
    scale = np.max(np.abs(h))
    assert h.shape == (30, 30)
    assert np.max(np.abs(h - h.T)) <= 1e-14 * scale
    assert np.linalg.eigvalsh(h).min() >= -1e-12 * scale
    assert relative(h, gauss_newton(x, y, params)) <= 1e-12
    # where the scores are not linear in the block (conv and FC weights together), it is not
    mixed = (0, 2)
    assert relative(hessian(x, y, params, mixed), gauss_newton(x, y, params, mixed)) > 1e-3


def test_hessian_at_hand_made_kinks_follows_our_conventions():
    """Zero biases and a zero border: pre-activations exactly 0 (ReLU'(0) = 0.5, ReLU'' = 0)
    and pooling blocks of four tied zeros (the first maximum in column-major order). There the
    conv block's Hessian is still the Gauss-Newton matrix built from the first derivatives
    with those conventions: ReLU'' = 0 and the pooling choice come out by construction."""
    rng = np.random.default_rng(3)
    params = list(initial_weights(rng).values())
    x = np.zeros((14, 14, 1, 2))
    x[4:10, 4:10] = rng.uniform(0.0, 1.0, (6, 6, 1, 2))
    y = np.eye(10)[:, [1, 7]]
    v = tuple(rng.standard_normal(np.shape(p)) for p in params)
    pred1, pred2 = forward_pass(x, *params)[:2]
    assert np.sum(pred1 == 0) > 100  # the kinks are there
    blocks = np.reshape(pred2[:2, :2], (4, -1))
    assert np.all(blocks == blocks[0])  # and a tied pooling block (the corner: all 0)
    assert relative(hessian(x, y, params, block=(0, 1)), gauss_newton(x, y, params)) <= 1e-12
    chain = hessian_vector_product(x, y, params, v)[2]
    forward = hessian_vector_product(x, y, params, v, mode="forward")[2]
    for a, b in zip(chain, forward):
        assert relative(a, b) <= 1e-13


# ---- the perceptrons ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def perceptron_batch():
    rng = np.random.default_rng(11)
    x = rng.uniform(0.0, 1.0, (196, 8)) * (rng.random((196, 8)) < 0.3)
    y = np.eye(10)[:, rng.integers(10, size=8)]
    return rng, x, y


@pytest.mark.parametrize("model, shapes", [
    ("slp_linear", [(10, 196), (10, 1)]), ("slp", [(10, 196), (10, 1)]),
    ("mlp", [(30, 196), (30, 1), (10, 30), (10, 1)])])
def test_perceptron_hvps_against_central_differences_both_modes(perceptron_batch, model, shapes):
    import dual.curvature
    rng, x, y = perceptron_batch
    params = tuple(0.3 * rng.standard_normal(s) for s in shapes)
    v = tuple(rng.standard_normal(s) for s in shapes)
    gradient = dual.curvature.MODEL_GRADIENTS[model]["chain"]
    _, _, chain = hessian_vector_product(x, y, params, v, model=model)
    _, _, forward = hessian_vector_product(x, y, params, v, mode="forward", model=model)
    h = 1e-6
    up = gradient(x, y, *(p + h * d for p, d in zip(params, v)))[1:]
    down = gradient(x, y, *(p - h * d for p, d in zip(params, v)))[1:]
    for c, f, a, b in zip(chain, forward, up, down):
        assert relative(c, (a - b) / (2 * h)) <= 3e-9
        assert relative(c, f) <= 1e-13


def test_the_linear_perceptrons_hessian_is_twice_the_images_outer_product(perceptron_batch):
    """sum((w x + b - y).^2): H in w (column-major) is 2 kron(sum_b x_b x_b', I_10), exactly."""
    rng, x, y = perceptron_batch
    params = (rng.standard_normal((10, 196)), rng.standard_normal((10, 1)))
    h = hessian(x, y, params, block=(0,), model="slp_linear")
    assert relative(h, 2 * np.kron(x @ x.T, np.eye(10))) <= 1e-14


def test_an_unknown_model_is_a_clear_error(network):
    x, y, params, v = network
    with pytest.raises(ValueError, match="model must be one of 'cnn', 'slp_linear'"):
        hessian_vector_product(x, y, params, v, model="rnn")


def test_nested_dual_numbers_reshape_copy_and_go_through_im2col():
    """Reshapes and transposes of a value whose partials are dual numbers themselves, and
    column-major copies (im2col's) of a value that is one: second derivatives as by hand."""
    from shared.matlab import im2col_sliding
    x = np.arange(6.0)
    # d/da d/db sum(a b x) = sum(x) = 15, through a reshape and a transpose
    assert derivative(lambda a: derivative(lambda b: (a * b * x).reshape(2, 3).T.sum(), 1.0), 1.0) == 15.0
    image = np.arange(16.0 * 16 * 2).reshape(16, 16, 2) / 100
    # inner: d/dt sum(patches(b + t)^2) = 2 sum(patches(b)) (every patch entry is an image
    # entry); at b = a image, d/da of it = 2 sum(patches(image))
    got = derivative(lambda a: derivative(lambda b: (im2col_sliding(b, 3) ** 2).sum(), a * image).sum(), 1.0)
    assert np.isclose(got, 2 * np.sum(im2col_sliding(image, 3)), rtol=1e-12)  # (sums in another order)
