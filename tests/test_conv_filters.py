"""The new conv layers (not in the original): the study's loop convolution, the Volterra
convolution (Zoumpourlis et al. 2017, the study's eq. 4.2) and the Gaussian kervolution (Wang
et al. 2019).

What must hold:
- conv_loops IS conv (<= 1e-12), and on dual numbers its dual part is conv_backward's gradient;
- volterra_conv_backward, by hand (reference/) and from dual numbers (dual/), agree (<= 1e-12)
  and both equal central finite differences (<= 1e-6) and PyTorch autograd (<= 1e-10);
  w2 below its diagonal is ignored; with w2 = 0 the layer is conv;
- gaussian_conv_backward (dual/ only) equals finite differences and PyTorch autograd;
- bad shapes and a non-positive gamma raise ValueError naming the argument.

Relative difference, everywhere: rel(a, b) = max |a - b| / max |b| (shared.gradcheck).
Finite differences: (L(p + h) - L(p - h)) / 2h with h = 1e-5 on L = sum(dldy .* y), dldy random.
The Volterra layer is quadratic in x and linear in its weights, so central differences are
exact but for rounding, ~eps * |L| / h ~ 1e-10; for the Gaussian, truncation h^2 L''' / 6 adds
~1e-10. Both are far inside 1e-6.
"""

import numpy as np
import pytest

from twins import reference
from dual.dual_array import DualArray
from dual.extensions.gaussian_conv import gaussian_conv
from dual.extensions.gaussian_conv_backward import gaussian_conv_backward
from dual.extensions.volterra_conv_backward import volterra_conv_backward as dual_volterra_backward
from dual.seeding import gradient
from reference.extensions.conv_loops import conv_loops
from reference.extensions.conv_loops import conv_loops as dual_conv_loops  # the same code
from reference.extensions.volterra_conv import volterra_conv
from reference.extensions.volterra_conv import volterra_conv as dual_volterra_conv  # the same code
from reference.extensions.volterra_conv_backward import volterra_conv_backward
from shared.gradcheck import relative_error
from shared.matlab import im2col_sliding, reshape_f
from shared.patches import col2im_sliding, upper_triangle

TOL = 1e-12  # the same function computed two ways, relative (rounding ~1e-15: any BLAS's order)
FD_TOL = 1e-6  # vs central finite differences, relative (their error ~1e-10, not ulps)
TORCH_TOL = 1e-10  # vs PyTorch autograd, relative (other kernels, MKL: rounding ~1e-15)
H = 1e-5  # finite-difference step
BATCHES = [None, 5]
BATCH_IDS = ["one_image", "batch_of_5"]
VOLTERRA = ("x", "w1", "w2", "b")
GAUSSIAN = ("x", "w", "b", "gamma")


# ---- helpers --------------------------------------------------------------------------------


def random_case(seed, batch=None):
    """x (14,14,1) or (14,14,1,B) in (0, 1); conv-like weights; dldy shaped like y (c2 = 3)."""
    rng = np.random.default_rng(seed)
    n_images = 1 if batch is None else batch
    x = rng.uniform(0.0, 1.0, size=(14, 14, 1, n_images))
    return {
        "x": x[..., 0] if batch is None else x,
        "w1": rng.standard_normal((3, 3, 1, 3)),
        "w2": 0.5 * rng.standard_normal((9, 9, 3)),  # full: the entries below the diagonal too
        "b": rng.standard_normal((3, 1)),
        "w": 0.5 * rng.standard_normal((3, 3, 1, 3)),
        "gamma": rng.uniform(0.1, 0.5, size=(3, 1)),
        "dldy": rng.standard_normal((14, 14, 3) + (() if batch is None else (batch,))),
    }


def filter_shaped(dldw_row):
    """Conv_backward's 1x27 row (channel index fastest) as 3x3x1x3, E2 fixed."""
    return reshape_f(reshape_f(dldw_row, (3, 9)).T, (3, 3, 1, 3))


def args_of(case, names):
    return [case[name] for name in names]


def loss(layer, case, names):
    """The scalar L = sum(dldy .* layer(...)): its gradient is the backward of dldy."""
    return float(np.sum(case["dldy"] * layer(*args_of(case, names))))


def central_differences(layer, case, names, name, indices, h=H):
    """dL/d case[name][index] for each index, by central differences."""
    fd = []
    for index in indices:
        values = []
        for step in (h, -h):
            moved = dict(case, **{name: case[name].copy()})
            moved[name][index] += step
            values.append(loss(layer, moved, names))
        fd.append((values[0] - values[1]) / (2 * h))
    return np.array(fd)


def checked_indices(name, shape, rng):
    """Every entry of a parameter (of w2: i <= j); of x: the corners, edges and a sample."""
    if name == "w2":
        i, j = upper_triangle(shape[0])
        return [(a, c, k) for a, c in zip(i, j) for k in range(shape[2])]
    if name != "x":
        return list(np.ndindex(shape))
    last = tuple(n - 1 for n in shape)
    first = (0,) * (len(shape) - 2)
    edges = [(0, 0) + first, last, (0, 7) + last[2:], (13, 5) + first, (6, 0) + last[2:],
             (1, 1) + first]
    sample = [tuple(rng.integers(0, n) for n in shape) for _ in range(14)]
    return edges + sample


def assert_rel(got, expected, tol, label):
    assert np.shape(got) == np.shape(expected), (label, np.shape(got), np.shape(expected))
    error = relative_error(got, expected)
    assert error <= tol, f"{label}: rel {error:.3g} > {tol:g}"


def assert_matches_finite_differences(layer, backward_results, case, names, seed=0):
    """Each gradient of ``backward_results`` (ordered like ``names``) vs central differences."""
    rng = np.random.default_rng(seed)
    for name, result in zip(names, backward_results):
        indices = checked_indices(name, case[name].shape, rng)
        fd = central_differences(layer, case, names, name, indices)
        got = np.array([np.reshape(result, case[name].shape)[index] for index in indices])
        assert_rel(got, fd, FD_TOL, name)


def torch_patches(torch, x):
    """x (14,14,1,B) -> (B, 9, 14, 14): entry q = i + 3j is the zero-padded image shifted by
    row offset i and column offset j -- the 3x3 patch around each pixel, listed column-major."""
    padded = torch.nn.functional.pad(x[:, :, 0, :].permute(2, 0, 1), (1, 1, 1, 1))  # (B, 16, 16)
    return torch.stack([padded[:, i:i + 14, j:j + 14] for j in range(3) for i in range(3)], dim=1)


def torch_gradients(case, names, layer_of_patches):
    """Leaves in MATLAB's layouts, L = sum(dldy .* y) with y (B, c2, 14, 14) built by
    ``layer_of_patches(patches, leaves)`` -> the leaves' .grad, in the port's shapes."""
    torch = pytest.importorskip("torch")
    x = np.reshape(case["x"], (14, 14, 1, -1))
    leaves = {name: torch.tensor(x if name == "x" else case[name], dtype=torch.float64,
                                 requires_grad=True) for name in names}
    y = layer_of_patches(torch, torch_patches(torch, leaves["x"]), leaves)
    dldy = torch.tensor(np.reshape(case["dldy"], (14, 14, 3, -1)), dtype=torch.float64)
    (dldy.permute(3, 2, 0, 1) * y).sum().backward()
    return [leaves[name].grad.numpy().reshape(np.shape(case[name])) for name in names]


def torch_volterra(torch, patches, leaves):
    """y = sum_q w1(q,k) x_q + sum_{q<=s} w2(q,s,k) x_q x_s + b(k), from the definition."""
    w1 = leaves["w1"][:, :, 0, :].permute(1, 0, 2).reshape(9, 3)  # w1[i + 3j, k] = w1(i, j, 1, k)
    w2 = torch.triu(leaves["w2"].permute(2, 0, 1)).permute(1, 2, 0)  # the entries q <= s only
    return (torch.einsum("qk,bqhw->bkhw", w1, patches)
            + torch.einsum("qsk,bqhw,bshw->bkhw", w2, patches, patches)
            + leaves["b"].reshape(1, 3, 1, 1))


def torch_gaussian(torch, patches, leaves):
    """y = exp(-gamma(k) * sum_q (x_q - w(q,k))^2) + b(k), from the definition."""
    w = leaves["w"][:, :, 0, :].permute(1, 0, 2).reshape(1, 9, 3, 1, 1)
    distance2 = ((patches[:, :, None] - w) ** 2).sum(dim=1)  # (B, 3, 14, 14)
    gamma, b = leaves["gamma"].reshape(1, 3, 1, 1), leaves["b"].reshape(1, 3, 1, 1)
    return torch.exp(-gamma * distance2) + b


# ---- the adjoint pair of the patch layers ----------------------------------------------------


def test_col2im_sliding_is_the_adjoint_of_im2col_sliding():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((16, 16, 4))
    cols = rng.standard_normal((9, 196, 4))
    lhs = np.sum(cols * im2col_sliding(image, 3))
    rhs = np.sum(col2im_sliding(cols, 3, 14, 14) * image)
    assert abs(lhs - rhs) <= TOL * abs(lhs)
    # one patch entry lands on one pixel: entry i + 3j of the patch at (r, c) -> (r + i, c + j)
    one = np.zeros((9, 196))
    one[1 + 3 * 2, 4 + 14 * 6] = 1.0
    expected = np.zeros((16, 16))
    expected[4 + 1, 6 + 2] = 1.0
    np.testing.assert_array_equal(col2im_sliding(one, 3, 14, 14), expected)  # sums of 0s and 1s: exact


def test_upper_triangle_lists_the_entries_column_major():
    # MATLAB: find(triu(true(3))) = [1 4 5 7 8 9]
    i, j = upper_triangle(3)
    assert list(zip(i, j)) == [(0, 0), (0, 1), (1, 1), (0, 2), (1, 2), (2, 2)]


# ---- conv_loops: the study's loop convolution ---------------------------------------------------


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_conv_loops_equals_conv(batch):
    case = random_case(1, batch)
    expected = reference.conv(case["x"], case["w1"], case["b"])
    got = conv_loops(case["x"], case["w1"], case["b"])
    assert got.shape == expected.shape == ((14, 14, 3) if batch is None else (14, 14, 3, batch))
    assert_rel(got, expected, TOL, "y")
    if batch is None:  # a 14x14 image (as loadmat gives MATLAB's 14x14x1) works too
        assert_rel(conv_loops(case["x"][:, :, 0], case["w1"], case["b"]), expected, TOL, "14x14")
    assert dual_conv_loops is conv_loops  # the twin runs the reference's code


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_conv_loops_on_dual_numbers_gives_conv_backward(batch):
    """Forward mode: w_conv and b_conv seeded, the dual part of L = sum(dldy .* y) is dL/dw."""
    case = random_case(2, batch)
    x, w_conv, b_conv, dldy = case["x"], case["w1"], case["b"], case["dldy"]
    value, grads = gradient(lambda w, b: np.sum(dldy * conv_loops(x, w, b)), [w_conv, b_conv])
    dldw, dldb = reference.conv_backward(dldy, x, w_conv, b_conv, None)  # a spatial dldy: no E1
    assert_rel(grads[0], filter_shaped(dldw), TOL, "dldw")
    assert_rel(grads[1], dldb.reshape(3, 1), TOL, "dldb")
    assert abs(value - np.sum(dldy * reference.conv(x, w_conv, b_conv))) <= TOL * abs(value)


def test_conv_loops_returns_a_dual_for_a_dual_image():
    case = random_case(3)
    seeded = DualArray(case["x"], np.ones(case["x"].shape + (1,)))
    y = conv_loops(seeded, case["w1"], case["b"])
    assert isinstance(y, DualArray) and y.shape == (14, 14, 3)
    # d y / d(every pixel at once) = the sum of the kernel over its in-image positions
    inner = np.sum(case["w1"][:, :, 0, :], axis=(0, 1))
    np.testing.assert_allclose(y.dual[5, 5, :, 0], inner, rtol=TOL, atol=0)


# ---- Volterra: by hand == dual numbers == finite differences == PyTorch ---------------------


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_volterra_backward_by_hand_equals_dual(batch):
    case = random_case(4, batch)
    args = args_of(case, VOLTERRA)
    y = volterra_conv(*args)
    by_hand = volterra_conv_backward(case["dldy"], *args, y)
    from_duals = dual_volterra_backward(case["dldy"], *args, y)
    for name, got, expected in zip(VOLTERRA, from_duals, by_hand):
        assert type(got) is np.ndarray, name  # no dual leaks out
        assert_rel(got, expected, TOL, name)


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_volterra_shapes(batch):
    case = random_case(5, batch)
    images = () if batch is None else (batch,)
    y = volterra_conv(*args_of(case, VOLTERRA))
    assert y.shape == (14, 14, 3) + images
    shapes = [(14, 14, 1) + images, (3, 3, 1, 3), (9, 9, 3), (3, 1)]
    for backward in (volterra_conv_backward, dual_volterra_backward):
        results = backward(case["dldy"], *args_of(case, VOLTERRA), y)
        assert [r.shape for r in results] == shapes, backward.__module__
    if batch is None:  # a 14x14 image (as loadmat gives MATLAB's 14x14x1) works too
        assert volterra_conv(case["x"][:, :, 0], *args_of(case, VOLTERRA[1:])).shape == (14, 14, 3)


def test_volterra_gradients_match_finite_differences():
    case = random_case(6, batch=2)
    args = args_of(case, VOLTERRA)
    y = volterra_conv(*args)
    for backward in (volterra_conv_backward, dual_volterra_backward):
        results = backward(case["dldy"], *args, y)
        assert_matches_finite_differences(volterra_conv, results, case, VOLTERRA)


@pytest.mark.parametrize("batch", [None, 3], ids=["one_image", "batch_of_3"])
def test_volterra_gradients_match_torch_autograd(batch):
    case = random_case(7, batch)
    expected = torch_gradients(case, VOLTERRA, torch_volterra)
    args = args_of(case, VOLTERRA)
    y = volterra_conv(*args)
    for backward in (volterra_conv_backward, dual_volterra_backward):
        for name, got, want in zip(VOLTERRA, backward(case["dldy"], *args, y), expected):
            assert_rel(got, want, TORCH_TOL, f"{backward.__module__}: {name}")


def test_volterra_forward_mode_equals_backward():
    """volterra_conv on dual numbers (x, w1, w2, b all seeded, in chunks) gives the same gradient
    as the backward: the forward runs unchanged on DualArray, x included."""
    case = random_case(8)
    args = args_of(case, VOLTERRA)
    _, grads = gradient(lambda *a: np.sum(case["dldy"] * dual_volterra_conv(*a)), args)
    by_hand = volterra_conv_backward(case["dldy"], *args, None)
    for i, name in enumerate(VOLTERRA):
        assert_rel(np.reshape(grads[i], by_hand[i].shape), by_hand[i], TOL, name)


def test_volterra_ignores_w2_below_the_diagonal():
    case = random_case(9, batch=2)
    lower = np.broadcast_to(np.tril(np.ones((9, 9)), -1)[:, :, None] == 1, (9, 9, 3))
    noise = 100.0 * np.random.default_rng(9).standard_normal((9, 9, 3))
    changed = np.where(lower, noise, case["w2"])
    assert np.any(changed != case["w2"])
    y = volterra_conv(case["x"], case["w1"], case["w2"], case["b"])
    # the entries below the diagonal (noise of 100) must not count: to rounding, as another buffer
    # may take another BLAS path
    assert_rel(volterra_conv(case["x"], case["w1"], changed, case["b"]), y, TOL, "y")
    for backward in (volterra_conv_backward, dual_volterra_backward):
        dldw2 = backward(case["dldy"], *args_of(case, VOLTERRA), y)[2]
        assert np.all(dldw2[lower] == 0.0), backward.__module__  # zeros written, not computed: exact
        assert np.all(dldw2[~lower] != 0.0), backward.__module__  # the upper part is live
        # and the rest of the gradient does not see the entries below the diagonal either
        others = backward(case["dldy"], case["x"], case["w1"], changed, case["b"], y)
        for got, expected in zip(others, backward(case["dldy"], *args_of(case, VOLTERRA), y)):
            assert_rel(got, expected, TOL, backward.__module__)  # as for y above


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_volterra_with_zero_w2_is_conv(batch):
    case = random_case(10, batch)
    x, w1, b, dldy = case["x"], case["w1"], case["b"], case["dldy"]
    zero = np.zeros((9, 9, 3))
    assert_rel(volterra_conv(x, w1, zero, b), reference.conv(x, w1, b), TOL, "y")
    dldw, dldb = reference.conv_backward(dldy, x, w1, b, None)
    _, dldw1, _, dldb1 = volterra_conv_backward(dldy, x, w1, zero, b, None)
    assert_rel(dldw1, filter_shaped(dldw), TOL, "dldw1")
    assert_rel(dldb1, dldb.reshape(3, 1), TOL, "dldb")


@pytest.mark.parametrize("w2_shape, message", [
    ((9, 9, 2), "w2 must be 9x9x3 .*got 9x9x2"),
    ((8, 8, 3), "w2 must be 9x9x3 .*got 8x8x3"),
    ((81, 3), "w2 must be 9x9x3 .*got 81x3"),
])
def test_volterra_rejects_a_bad_w2(w2_shape, message):
    case = random_case(11)
    w2 = np.zeros(w2_shape)
    with pytest.raises(ValueError, match=message):
        volterra_conv(case["x"], case["w1"], w2, case["b"])
    for backward in (volterra_conv_backward, dual_volterra_backward):
        with pytest.raises(ValueError, match=message):
            backward(case["dldy"], case["x"], case["w1"], w2, case["b"], None)


def test_volterra_rejects_bad_w1_b_and_x():
    case = random_case(12)
    x, w1, w2, b = args_of(case, VOLTERRA)
    with pytest.raises(ValueError, match="w1 must be f x f x 1 x c2 .*got 3x3x3"):
        volterra_conv(x, w1[:, :, 0, :], w2, b)
    with pytest.raises(ValueError, match="w1 must be .*got 2x2x1x3"):
        volterra_conv(x, w1[:2, :2], w2, b)
    with pytest.raises(ValueError, match="b must be 3x1 .*got 2x1"):
        volterra_conv(x, w1, w2, b[:2])
    with pytest.raises(ValueError, match="x must be 14x14x1"):
        volterra_conv(np.zeros((14, 14, 2)), w1, w2, b)


# ---- Gaussian kervolution: dual numbers == finite differences == PyTorch ------------------------


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
def test_gaussian_shapes_and_plain_results(batch):
    case = random_case(13, batch)
    images = () if batch is None else (batch,)
    y = gaussian_conv(*args_of(case, GAUSSIAN))
    assert type(y) is np.ndarray and y.shape == (14, 14, 3) + images
    results = gaussian_conv_backward(case["dldy"], *args_of(case, GAUSSIAN), y)
    assert [r.shape for r in results] == [(14, 14, 1) + images, (3, 3, 1, 3), (3, 1), (3, 1)]
    assert all(type(r) is np.ndarray for r in results)


def test_gaussian_follows_its_definition_at_one_pixel():
    case = random_case(14)
    x, w, b, gamma = args_of(case, GAUSSIAN)
    y = gaussian_conv(x, w, b, gamma)
    r, c, k = 0, 9, 2  # on the border: the patch reaches into the zero padding
    padded = np.pad(x[:, :, 0], 1)
    patch = padded[r:r + 3, c:c + 3]  # padded(r + i, c + j) pairs with w(i, j, 1, k)
    expected = np.exp(-gamma[k, 0] * np.sum((patch - w[:, :, 0, k]) ** 2)) + b[k, 0]
    assert abs(y[r, c, k] - expected) <= TOL * abs(expected)


def test_gaussian_gradients_match_finite_differences():
    case = random_case(15, batch=2)
    args = args_of(case, GAUSSIAN)
    results = gaussian_conv_backward(case["dldy"], *args, gaussian_conv(*args))
    assert_matches_finite_differences(gaussian_conv, results, case, GAUSSIAN)


@pytest.mark.parametrize("batch", [None, 3], ids=["one_image", "batch_of_3"])
def test_gaussian_gradients_match_torch_autograd(batch):
    case = random_case(16, batch)
    expected = torch_gradients(case, GAUSSIAN, torch_gaussian)
    args = args_of(case, GAUSSIAN)
    got = gaussian_conv_backward(case["dldy"], *args, gaussian_conv(*args))
    for name, g, want in zip(GAUSSIAN, got, expected):
        assert_rel(g, want, TORCH_TOL, name)


def test_gaussian_forward_mode_equals_backward():
    """Every input seeded (forward mode proper) vs the structured seeds of the backward."""
    case = random_case(17)
    args = args_of(case, GAUSSIAN)
    _, grads = gradient(lambda *a: np.sum(case["dldy"] * gaussian_conv(*a)), args)
    results = gaussian_conv_backward(case["dldy"], *args, None)
    for i, name in enumerate(GAUSSIAN):
        assert_rel(np.reshape(grads[i], results[i].shape), results[i], TOL, name)


@pytest.mark.parametrize("bad", [0.0, -0.5, np.nan, np.inf])
def test_gaussian_rejects_a_non_positive_or_non_finite_gamma(bad):
    case = random_case(18)
    gamma = case["gamma"].copy()
    gamma[1, 0] = bad
    with pytest.raises(ValueError, match="gamma must be positive and finite"):
        gaussian_conv(case["x"], case["w"], case["b"], gamma)
    with pytest.raises(ValueError, match="gamma must be positive and finite"):
        gaussian_conv_backward(case["dldy"], case["x"], case["w"], case["b"], gamma, None)
    dual_gamma = DualArray(gamma, np.ones(gamma.shape + (1,)))  # checked on its value
    with pytest.raises(ValueError, match="gamma must be positive and finite"):
        gaussian_conv(case["x"], case["w"], case["b"], dual_gamma)


def test_gaussian_rejects_bad_shapes():
    case = random_case(19)
    x, w, b, gamma = args_of(case, GAUSSIAN)
    with pytest.raises(ValueError, match="gamma must be 3x1 .*got 2x1"):
        gaussian_conv(x, w, b, gamma[:2])
    with pytest.raises(ValueError, match="b must be 3x1 .*got 4x1"):
        gaussian_conv(x, w, np.zeros((4, 1)), gamma)
    with pytest.raises(ValueError, match="w must be f x f x 1 x c2 .*got 9x3"):
        gaussian_conv(x, np.zeros((9, 3)), b, gamma)


# ---- a conv kind added in one place: the twin's gradients from its forward alone ------------


@pytest.mark.parametrize("batch", BATCHES, ids=BATCH_IDS)
@pytest.mark.parametrize("name", ["linear", "linear-loops", "volterra"])
def test_a_kind_from_its_forward_alone_equals_its_hand_derived_backward(name, batch):
    """dual.extensions.conv_kinds.from_forward(kind) (the twin of a kind without a mirrored dual
    backward) gives what the kind's hand-derived gradients give, errata fixed (TOL: the same
    sums in another order)."""
    from dual.extensions.conv_kinds import from_forward
    from reference.extensions.conv_kinds import CONV_KINDS
    case = random_case(20, batch)
    kind = CONV_KINDS[name]
    params = (case["w1"], case["b"], *((case["w2"],) if kind.extra else ()))
    y = kind.forward(case["x"], *params)
    dldy = np.random.default_rng(21).standard_normal(y.shape)
    by_hand = kind.gradients(dldy, case["x"], *params, y, "fix")
    from_dual_numbers = from_forward(kind).gradients(dldy, case["x"], *params, y, "fix")
    assert len(from_dual_numbers) == len(by_hand)
    for got, expected, label in zip(from_dual_numbers, by_hand, ("w_conv", "b_conv", "w2_conv")):
        assert got.shape == expected.shape, label
        assert_rel(got, expected, TOL, f"{name} {label}")


def test_a_new_reference_kind_reaches_the_twin_with_true_gradients():
    """A kind with no hand-derived gradients at all (a made-up one: tanh of a scaled linear conv,
    with an extra parameter) gets the twin's from its forward alone, equal to central
    differences of sum(dL/dy .* y) (shared.gradcheck's adaptive ones: far inside FD_TOL), and
    every reference kind is one of the twin's."""
    from dual.extensions.conv_kinds import CONV_KINDS as DUAL_KINDS
    from dual.extensions.conv_kinds import from_forward
    from reference.extensions.conv_kinds import CONV_KINDS, ConvKind
    from shared.gradcheck import finite_differences

    def forward(x, w_conv, b_conv, scale):
        return np.tanh(scale * reference.conv(x, w_conv, b_conv))

    kind = ConvKind(extra=("scale",), forward=forward, gradients=None,
                    initial=lambda rng, w_conv: {"scale": np.ones((1, 1))})
    case = random_case(22, 3)
    params = [case["w1"], case["b"], np.array([[0.7]])]
    y = forward(case["x"], *params)
    dldy = np.random.default_rng(23).standard_normal(y.shape)
    grads = from_forward(kind).gradients(dldy, case["x"], *params, y, "fix")
    for i, label in enumerate(("w_conv", "b_conv", "scale")):
        def contracted(p, i=i):
            return np.sum(dldy * forward(case["x"], *params[:i], p, *params[i + 1:]))
        assert_rel(grads[i], finite_differences(contracted, params[i], step=H), FD_TOL, label)
    assert set(CONV_KINDS) <= set(DUAL_KINDS)
