"""Are the reference port's gradients the true gradients of its loss?

``errata="fix"`` must be: checked against central finite differences and against PyTorch's
autograd on the same network. ``errata="keep"`` reproduces the original's bugs, which live in
the conv layer only: its conv gradients must DIFFER from finite differences, its FC ones not.

Relative error, everywhere in this file: per parameter array,
    rel_err(g, ref) = max |g - ref| / max |ref|
over the entries checked (one scale for the whole array, so tiny entries do not blow it up).

Finite differences: a plain central difference (f(p + h) - f(p - h)) / 2h with h = 1e-6.
The loss is ~1..50 and computed to ~1e-15 relative, so rounding contributes ~eps*L/h ~ 1e-9
and truncation h^2 * f''' ~ 1e-12: errors ~1e-9, well inside the 1e-6 tolerance. Central
differences are only meaningful away from the kinks (ReLU at 0, pooling ties): the random
cases assert that no pre-activation and no pooling runner-up is within 100 h of a kink.
(case_bias has pooling ties, but only between positions whose patches are identical, so
every perturbation keeps them tied and the difference quotient is still the derivative.)

Kinks and ties follow the original (docs/original.md, "Conventions at kinks and ties"):
ReLU'(0) = 0.5 and a pooling block's gradient goes to its first maximum in column-major order.
The "kinks and ties" tests check those conventions on hand-made inputs.
Last, errata="fix" keeps the loss finite where the softmax underflows (a log-softmax).
"""

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from twins import reference
from shared.matlab import im2col_distinct

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")
H = 1e-6  # finite-difference step
FD_TOL = 1e-6  # rel_err of the analytic gradient vs finite differences
TORCH_TOL = 1e-10  # rel_err of the analytic gradient vs torch autograd
N_FC_WEIGHTS_CHECKED = 40  # of the 1470 FC weights, a fixed random subset (+ all other entries)


# ---- helpers --------------------------------------------------------------------------------


def load_case(name):
    """Inputs and parameters of a golden case: x (14,14), y (10,1), w_conv, b_conv, w_fc, b_fc."""
    g = scipy.io.loadmat(GOLDEN_DIR / f"{name}.mat")
    return {k: g[k] for k in ("x", "y") + PARAMETERS}


def random_case(seed, batch=None):
    """Random inputs away from every kink: x uniform in (0.05, 1) (no exact zeros), non-zero
    biases, N(0, 1) conv weights, N(0, 0.1^2) FC weights. batch=None: one 14x14x1 image."""
    rng = np.random.default_rng(seed)
    n = 1 if batch is None else batch
    x = rng.uniform(0.05, 1.0, size=(14, 14, 1, n))
    case = {
        "x": x[..., 0] if batch is None else x,
        "y": np.eye(10)[:, rng.integers(0, 10, size=n)],
        "w_conv": rng.standard_normal((3, 3, 1, 3)),
        "b_conv": rng.choice([-1, 1], size=(3, 1)) * rng.uniform(0.1, 0.5, size=(3, 1)),
        "w_fc": 0.1 * rng.standard_normal((10, 147)),
        "b_fc": 0.1 * rng.standard_normal((10, 1)),
    }
    assert_away_from_kinks(case)
    return case


def distance_to_kinks(case):
    """The smallest |ReLU input| and the smallest gap between a pooling block's largest and
    second-largest value (over blocks whose max is positive, i.e. that pass a gradient)."""
    x = reference.as_images(case["x"])
    pred1 = reference.conv(x, case["w_conv"], case["b_conv"])
    blocks = np.sort(im2col_distinct(reference.relu(pred1), 2), axis=0)  # 4 x 49 x 3 x B
    passing = blocks[3] > 0
    return np.min(np.abs(pred1)), np.min((blocks[3] - blocks[2])[passing])


def assert_away_from_kinks(case, margin=100 * H):
    relu_distance, pool_gap = distance_to_kinks(case)
    assert relu_distance > margin and pool_gap > margin, (relu_distance, pool_gap)


def loss_and_gradients(case, errata="fix"):
    """forward_backward -> (loss, {"w_conv": ..., "b_conv": ..., "w_fc": ..., "b_fc": ...})."""
    loss, *gradients = reference.forward_backward(
        case["x"], case["y"], case["w_conv"], case["b_conv"], case["w_fc"], case["b_fc"], errata=errata)
    return float(loss), dict(zip(PARAMETERS, gradients))


def checked_indices(name, shape, rng):
    """Every entry of a parameter array, except w_fc: a fixed random subset of its weights."""
    all_indices = list(np.ndindex(shape))
    if name != "w_fc":
        return all_indices
    chosen = rng.choice(len(all_indices), size=N_FC_WEIGHTS_CHECKED, replace=False)
    return [all_indices[i] for i in chosen]


def finite_differences(case, name, indices, h=H):
    """Central differences of the loss (summed over the batch) w.r.t. case[name][index]."""
    fd = []
    for index in indices:
        values = []
        for step in (+h, -h):
            shifted = dict(case, **{name: case[name].copy()})
            shifted[name][index] += step
            values.append(loss_and_gradients(shifted)[0])
        fd.append((values[0] - values[1]) / (2 * h))
    return np.array(fd)


def rel_err(g, ref):
    return np.max(np.abs(g - ref)) / np.max(np.abs(ref))


def fd_errors(case, errata="fix", seed=0):
    """rel_err of forward_backward's gradients vs central differences, per parameter array."""
    _, gradients = loss_and_gradients(case, errata)
    rng = np.random.default_rng(seed)
    errors = {}
    for name in PARAMETERS:
        indices = checked_indices(name, case[name].shape, rng)
        fd = finite_differences(case, name, indices)
        analytic = np.array([gradients[name][index] for index in indices])
        errors[name] = rel_err(analytic, fd)
    return errors


# ---- errata="fix" is the true gradient: finite differences ----------------------------------

FD_CASES = {
    "case_bias": lambda: load_case("case_bias"),
    "random_image": lambda: random_case(seed=1),
    "random_batch_of_4": lambda: random_case(seed=2, batch=4),
}


@pytest.mark.parametrize("case_name", list(FD_CASES))
def test_fix_gradients_match_finite_differences(case_name):
    errors = fd_errors(FD_CASES[case_name]())
    assert all(error <= FD_TOL for error in errors.values()), errors


def test_random_cases_are_really_away_from_kinks():
    # what random_case asserts, made explicit: no exact zeros, no ties, a margin >> h
    for case in (random_case(seed=1), random_case(seed=2, batch=4)):
        assert np.all(case["x"] > 0) and np.all(case["b_conv"] != 0)
        relu_distance, pool_gap = distance_to_kinks(case)
        assert relu_distance > 1e-4 and pool_gap > 1e-4


# ---- errata="keep": the conv gradients are wrong, the FC ones right ---------------------------


def test_keep_conv_gradients_differ_from_finite_differences():
    errors = fd_errors(load_case("case_bias"), errata="keep")
    # E1 (and E2 for the weights) make the conv gradients wrong, not slightly inexact ...
    assert errors["w_conv"] > 1e-2, errors
    assert errors["b_conv"] > 1e-2, errors
    # ... while the FC layer is unaffected by the errata
    assert errors["w_fc"] <= FD_TOL and errors["b_fc"] <= FD_TOL, errors


# ---- errata="fix" is the true gradient: PyTorch autograd ------------------------------------


def torch_loss_and_gradients(case):
    """The same network in torch float64, written from the definitions in docs/original.md; the leaf
    tensors keep MATLAB's layouts, so their .grad compares entry by entry with the port's.

    - conv: y(r, c, k) = sum_ij w_conv(i, j, 0, k) x_padded(r + i, c + j) + b_conv(k), a
      cross-correlation, which is what torch's conv2d computes; torch wants (N, C, H, W)
      images and (C_out, C_in, kH, kW) kernels with H = rows = MATLAB's first index.
    - pool: max over 2x2 blocks, stride 2 (no ties on these inputs, so no convention needed).
    - flattening: MATLAB column-major, feature r + 7c + 49k: (N, k, r, c) -> (N, k, c, r) -> flat.
    - loss: cross-entropy of the softmax, summed over the batch.
    """
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    leaves = {name: torch.tensor(case[name], dtype=torch.float64, requires_grad=True)
              for name in PARAMETERS}
    x = reference.as_images(case["x"])
    x = x.reshape(14, 14, 1, -1)  # one image -> a batch of 1
    images = torch.tensor(x, dtype=torch.float64).permute(3, 2, 0, 1)  # (B, 1, 14, 14)
    kernels = leaves["w_conv"].permute(3, 2, 0, 1)  # (3, 1, 3, 3): kernels[k, 0, i, j] = w_conv(i, j, 0, k)
    pred1 = F.conv2d(images, kernels, bias=leaves["b_conv"].reshape(-1), padding=1)  # (B, 3, 14, 14)
    pred3 = F.max_pool2d(F.relu(pred1), 2)  # (B, 3, 7, 7)
    pred4 = pred3.permute(0, 1, 3, 2).reshape(pred3.shape[0], -1)  # (B, 147), column-major order
    pred5 = pred4 @ leaves["w_fc"].T + leaves["b_fc"].reshape(1, -1)  # (B, 10)
    labels = torch.tensor(case["y"].T, dtype=torch.float64)  # (B, 10) one-hot
    loss = -(labels * F.log_softmax(pred5, dim=1)).sum()
    loss.backward()
    return loss.item(), {name: leaf.grad.numpy() for name, leaf in leaves.items()}


@pytest.mark.parametrize("batch", [None, 5], ids=["one_image", "batch_of_5"])
def test_fix_gradients_match_torch_autograd(batch):
    case = random_case(seed=3, batch=batch)
    torch_loss, torch_gradients = torch_loss_and_gradients(case)
    loss, gradients = loss_and_gradients(case, errata="fix")
    assert abs(loss - torch_loss) <= TORCH_TOL * abs(torch_loss)
    for name in PARAMETERS:
        assert gradients[name].shape == case[name].shape
        error = rel_err(gradients[name], torch_gradients[name])
        assert error <= TORCH_TOL, f"{name}: rel_err {error:.3g}"


def test_torch_network_matches_the_golden_forward_pass():
    """Checks the torch model itself (orientation of the kernels, flattening order) on the
    golden case: its loss must be the original's L."""
    case = load_case("case_bias")
    torch_loss, _ = torch_loss_and_gradients(case)
    golden_loss = scipy.io.loadmat(GOLDEN_DIR / "case_bias.mat")["L"].item()
    assert abs(torch_loss - golden_loss) <= 1e-12 * abs(golden_loss)  # PyTorch's kernels vs Octave's: rounding only


# ---- MATLAB's conventions at kinks and ties --------------------------------------------------


def test_relu_backward_passes_half_the_gradient_at_zero():
    rng = np.random.default_rng(4)
    x = np.zeros((14, 14, 3))  # exact zeros everywhere ...
    x[2, 3, 0], x[5, 5, 1], x[0, 13, 2] = 1.5, 0.25, 3.0  # ... but a few positive
    x[7, 7, 0], x[13, 0, 1] = -2.0, -0.5  # and a few negative values
    dldy = rng.uniform(1, 2, size=(14, 14, 3))
    dldx = reference.relu_backward(dldy, x, reference.relu(x))
    expected = np.where(x > 0, dldy, 0.0) + np.where(x == 0, 0.5 * dldy, 0.0)
    np.testing.assert_array_equal(dldx, expected)  # weights 0, 1/2, 1 (powers of two): exact
    assert dldx[1, 1, 0] == 0.5 * dldy[1, 1, 0]  # x == 0: half
    assert dldx[2, 3, 0] == dldy[2, 3, 0]  # x > 0: all
    assert dldx[7, 7, 0] == 0.0  # x < 0: nothing


def test_pool2x2_backward_routes_a_tie_to_the_first_maximum_in_column_major_order():
    """A block's positions in column-major order: (0,0), (1,0), (0,1), (1,1). On a tie the
    whole upstream value goes to the first of the tied positions; the others get 0."""
    rng = np.random.default_rng(5)
    x = np.zeros((14, 14, 3))  # every block ties at 0: all goes to its top-left (0,0)
    x[0:2, 0:2, 0] = 2.0  # block (0,0): a four-way tie -> (0,0)
    x[2:4, 0:2, 0] = [[1.0, 5.0], [5.0, 0.0]]  # block (1,0): (1,0) and (0,1) tie -> (1,0)
    x[0:2, 2:4, 0] = [[0.0, 3.0], [1.0, 3.0]]  # block (0,1): (0,1) and (1,1) tie -> (0,1)
    x[4:6, 4:6, 1] = [[-1.0, 0.0], [0.0, -1.0]]  # block (2,2): a tie at 0 -> (1,0)
    dldy = rng.uniform(1, 2, size=(7, 7, 3))

    expected = np.zeros((14, 14, 3))
    expected[0::2, 0::2, :] = dldy  # the default: the block's top-left
    expected[2, 0, 0], expected[3, 0, 0] = 0.0, dldy[1, 0, 0]
    expected[0, 2, 0], expected[0, 3, 0] = 0.0, dldy[0, 1, 0]
    expected[4, 4, 1], expected[5, 4, 1] = 0.0, dldy[2, 2, 1]
    dldx = reference.pool2x2_backward(dldy, x, reference.pool2x2(x), errata="fix")
    np.testing.assert_array_equal(dldx, expected)  # values moved, not computed: exact

    # errata="keep" returns the same values in the 4 x 49 x 3 block layout (erratum E1):
    # [position in the block (column-major), block (column-major: block row fastest), channel]
    blocks = reference.pool2x2_backward(dldy, x, reference.pool2x2(x), errata="keep")
    assert blocks.shape == (4, 49, 3)
    np.testing.assert_array_equal(blocks[:, 0, 0], [dldy[0, 0, 0], 0, 0, 0])  # block (0,0)
    np.testing.assert_array_equal(blocks[:, 1, 0], [0, dldy[1, 0, 0], 0, 0])  # block (1,0)
    np.testing.assert_array_equal(blocks[:, 7, 0], [0, 0, dldy[0, 1, 0], 0])  # block (0,1)
    np.testing.assert_array_equal(blocks[:, 2 + 7 * 2, 1], [0, dldy[2, 2, 1], 0, 0])  # block (2,2)


def test_case_nobias_has_kinks_and_ties():
    """case_nobias (zero biases) is the golden case for the conventions: its ReLU inputs
    have exact zeros and its pooling blocks ties. (file test_reference_golden.py checks that
    errata="fix" reproduces case_nobias_fixed.mat, i.e. the conventions, on it.)"""
    g = scipy.io.loadmat(GOLDEN_DIR / "case_nobias_fixed.mat")
    assert np.any(g["pred1"] == 0)
    ranked = np.sort(im2col_distinct(g["pred2"], 2), axis=0)
    assert np.any(ranked[3] == ranked[2])
    # the fixed golden passes the pooling gradient of a tied block to exactly one position
    tied = ranked[3] == ranked[2]
    routed = im2col_distinct(g["dldx_pool"], 2)
    assert np.all(np.count_nonzero(routed[:, tied], axis=0) <= 1)


# ---- errata="fix" promises a stable softmax ---------------------------------------------------


@pytest.mark.parametrize("label, expected_loss", [(0, 0.0), (3, 800.0)])
def test_fix_loss_is_finite_for_widely_spread_scores(label, expected_loss):
    x = np.zeros((10, 1))
    x[0] = 800.0  # -log softmax(x)[label] = logsumexp(x) - x[label], logsumexp(x) = 800 + 9e^-800
    y = np.eye(10)[:, [label]]
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow, no log(0)
        loss, dldy = reference.loss_cross_entropy_softmax(x, y, errata="fix")
    assert loss == pytest.approx(expected_loss, abs=1e-12)  # a few ulp of 800 is 1e-13
    np.testing.assert_array_equal(dldy, (np.eye(10)[:, [0]] - y).T)  # this part is right already (0s and 1s: exact)


@pytest.mark.parametrize("model", ["slp_linear", "slp", "mlp", "cnn"])
def test_pytorch_trains_every_model_as_the_port_does(model):
    """The benchmark's PyTorch eager baseline (shared.torch_net) computes the same training as
    the port with the errata fixed: same batches, same start, same steps."""
    pytest.importorskip("torch")
    import importlib

    from shared.torch_net import torch_train, torch_train_perceptron

    rng = np.random.default_rng(7)
    bx = [0.2 * rng.random((196, 8)) for _ in range(3)]  # dim: no model diverges
    by = [np.eye(10)[:, rng.integers(0, 10, 8)] for _ in range(3)]
    train = getattr(importlib.import_module(f"reference.train_{model}"), f"train_{model}")
    ours = train(bx, by, iterations=25, errata="fix", rng=np.random.default_rng(0),
                 progress=False, **({"decay": 0.5} if model != "cnn" else {})).params
    start = train(bx, by, iterations=0, errata="fix", rng=np.random.default_rng(0),
                  progress=False).params
    lr = dict(slp_linear=0.03, slp=0.5, mlp=1.0, cnn=0.03)[model]
    if model == "cnn":
        theirs = torch_train(bx, by, *start.values(), iterations=25, lr=lr)
    else:  # a decay of 0.5 every 1,000 iterations: none in 25, as in ours
        theirs = torch_train_perceptron(model, bx, by, list(start.values()), iterations=25,
                                        lr=lr, decay=0.5)
    for (name, a), b in zip(ours.items(), theirs, strict=True):
        # 25 steps of the same arithmetic in other summation orders: rounding ~1e-15 per step,
        # not amplified by these small, well-conditioned steps (random images away from kinks)
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=name)
