"""The dual twin (``dual/``) computes TRUE derivatives, with the original's conventions at kinks.

What must hold (docs/original.md, "The golden files" and "Conventions at kinks and ties"):

- dual.forward_backward, in both modes ("chain": local derivatives from dual numbers, chained;
  "forward": the parameters seeded, no backward pass), equals the original code with E1/E2
  corrected (tests/golden/case_*_fixed.mat) -- case_nobias has ReLU inputs at exactly 0
  (ReLU'(0) = 0.5) and pooling ties (first maximum, column-major);
- it equals reference.forward_backward(..., errata="fix") for every activation, one image and
  a batch; every dual layer backward equals its reference twin fed the same inputs;
- it equals central finite differences and PyTorch autograd on inputs without exact kinks;
- nothing of the dual machinery leaks out (plain ndarrays), the forward layers ARE the
  reference's, and the twin refuses errata="keep", unknown modes and unknown activations;
- dual.train_cnn follows reference.train_cnn(errata="fix") and lands on traincnn_fixed.mat.

Relative difference, everywhere: rel(a, b) = max |a - b| / max |b| (shared.gradcheck).
"""

import inspect
import math
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from twins import dual
from twins import reference
from dual.dual_array import DualArray
from reference.loss_cross_entropy_softmax import cross_entropy_softmax
from shared.gradcheck import relative_error
from shared.matlab import im2col_distinct

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")
OUTPUTS = ("loss", "dLdw_conv", "dLdb_conv", "dLdw_fc", "dLdb_fc")
SHAPES = {"dLdw_conv": (3, 3, 1, 3), "dLdb_conv": (3, 1), "dLdw_fc": (10, 147), "dLdb_fc": (10, 1)}
MODES = ("chain", "forward")
ACTIVATIONS = tuple(reference.ACTIVATIONS)  # relu, sigmoid, study-sigmoid
TOL = 1e-12  # dual vs golden / vs reference(errata="fix"), relative; ~5e-16 here, far above
# what another SIMD kernel or BLAS summation order changes (a few ulp)
FD_TOL = 1e-6  # vs central finite differences, relative (their error ~1e-9, not ulps)
TORCH_TOL = 1e-10  # vs PyTorch autograd, relative (its own kernels, MKL: rounding ~1e-15)
TRAIN_TOL = 1e-10  # dual.train_cnn vs reference.train_cnn after 300 iterations, relative
# (rounding differences, a few ulp a step, grow with the iterations)
TRAIN_GOLDEN_TOL = 1e-9  # after the full 10,000 iterations vs traincnn_fixed.mat, relative
# (Octave's BLAS against ours, grown over 10,000 steps)
H = 1e-6  # finite-difference step
KINK_MARGIN = 10 * H  # random cases keep this far from ReLU's kink and from pooling ties
N_FC_WEIGHTS_CHECKED = 25  # of the 1470 FC weights, a fixed random sample


# ---- helpers --------------------------------------------------------------------------------


def load_golden(name):
    variables = scipy.io.loadmat(GOLDEN_DIR / f"{name}.mat")
    return {k: v for k, v in variables.items() if not k.startswith("__")}


def params_of(case):
    return tuple(case[k] for k in PARAMETERS)


def assert_rel(got, expected, tol, label=""):
    """Same shape, and rel(got, expected) <= tol (expected must not be all zeros)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, f"{label}: shape {got.shape}, expected {expected.shape}"
    assert np.max(np.abs(expected)) > 0, f"{label}: the expected value is all zeros"
    error = relative_error(got, expected)
    assert error <= tol, f"{label}: relative difference {error:.3g} > {tol:g}"


def assert_results_match(got, expected, tol, label=""):
    """forward_backward's 5 outputs (loss, dLdw_conv, dLdb_conv, dLdw_fc, dLdb_fc)."""
    assert len(got) == 5
    for name, g, e in zip(OUTPUTS, got, expected):
        assert_rel(g, e, tol, f"{label} {name}")


def random_case(seed, batch=None, activation="relu"):
    """Random inputs away from every kink: x uniform in (0.05, 1) (no exact zeros), non-zero
    conv biases, N(0,1) conv weights, N(0, 0.1^2) FC weights and biases. batch=None: one 14x14
    image with a (10,1) label; else (14,14,1,batch) and (10,batch).

    The case of the first of seed, seed + 1000, ... whose conv outputs are all further than
    KINK_MARGIN from 0 and whose pooling blocks' two largest values differ by more than
    KINK_MARGIN: a finite-difference step H on a parameter moves a conv output by at most
    H * max|x| <= H and an activation output by at most that (slopes <= 1), so no step crosses
    a kink or reorders a block."""
    for attempt in range(50):
        rng = np.random.default_rng(seed + 1000 * attempt)
        n = 1 if batch is None else batch
        x = rng.uniform(0.05, 1.0, size=(14, 14, 1, n))
        case = {
            "x": x[:, :, 0, 0] if batch is None else x,
            "y": np.eye(10)[:, rng.integers(0, 10, size=n)],
            "w_conv": rng.standard_normal((3, 3, 1, 3)),
            "b_conv": rng.choice([-1, 1], size=(3, 1)) * rng.uniform(0.1, 0.5, size=(3, 1)),
            "w_fc": 0.1 * rng.standard_normal((10, 147)),
            "b_fc": 0.1 * rng.standard_normal((10, 1)),
        }
        if min(distance_to_kinks(case, activation)) > KINK_MARGIN:
            return case
    raise AssertionError(f"no case away from the kinks from seed {seed}")


def kinky_case(seed, batch=None):
    """Inputs ON the kinks: images like the golden ones (values k/255, about half exact zeros,
    blank top rows) and one zero conv bias, so ReLU sees exact zeros and pooling sees ties
    (0-valued and 0.2-valued blocks of four)."""
    rng = np.random.default_rng(seed)
    n = 1 if batch is None else batch
    x = rng.integers(1, 256, size=(14, 14, 1, n)) / 255
    x[rng.random(x.shape) < 0.5] = 0.0
    x[:4] = 0.0
    return {
        "x": x[:, :, 0, 0] if batch is None else x,
        "y": np.eye(10)[:, rng.integers(0, 10, size=n)],
        "w_conv": rng.standard_normal((3, 3, 1, 3)),
        "b_conv": np.array([[0.2], [0.0], [-0.1]]),
        "w_fc": 0.3 * rng.standard_normal((10, 147)),
        "b_fc": 0.1 * rng.standard_normal((10, 1)),
    }


def tie_case(seed, batch=None):
    """Inputs with pooling ties that change the gradients: integer images (0..3) and integer
    conv weights make the conv outputs exact, so blocks often hold two equal maxima at
    different patches -- among them (1,0) and (0,1), which column-major (the original) and
    row-major (PyTorch) order rank differently. Biases of +-0.5, 1.5 keep ReLU off 0."""
    rng = np.random.default_rng(seed)
    n = 1 if batch is None else batch
    x = rng.integers(0, 4, size=(14, 14, 1, n)).astype(float)
    return {
        "x": x[:, :, 0, 0] if batch is None else x,
        "y": np.eye(10)[:, rng.integers(0, 10, size=n)],
        "w_conv": rng.integers(-1, 3, size=(3, 3, 1, 3)).astype(float),
        "b_conv": np.array([[0.5], [-0.5], [1.5]]),
        "w_fc": 0.1 * rng.standard_normal((10, 147)),
        "b_fc": 0.1 * rng.standard_normal((10, 1)),
    }


def distance_to_kinks(case, activation="relu"):
    """The smallest |conv output| (ReLU's kink; |x|'s for study-sigmoid) and the smallest gap
    between a pooling block's largest and second-largest value."""
    layers = reference.network_layers(activation)
    pred1 = reference.conv(reference.as_images(case["x"]), case["w_conv"], case["b_conv"])
    blocks = np.sort(im2col_distinct(layers.activation(pred1), 2), axis=0)  # 4 x 49 x 3 x B
    passing = blocks[3] > 0  # ReLU's all-zero blocks pass nothing
    return np.min(np.abs(pred1)), np.min((blocks[3] - blocks[2])[passing])


def loss_only(case, activation="relu"):
    """The summed loss as a plain float: the reference forward pass and the log-softmax loss."""
    x = reference.as_images(case["x"])
    scores = reference.Network(activation).forward_pass(x, *params_of(case))[-1]
    loss, _ = cross_entropy_softmax(scores, case["y"].reshape(10, -1), errata="fix")
    return float(np.sum(loss))


def central_differences(case, name, indices, activation):
    """(f(p + h) - f(p - h)) / 2h of the loss for each entry ``index`` of case[name]."""
    fd = []
    for index in indices:
        values = []
        for step in (+H, -H):
            moved = dict(case, **{name: case[name].copy()})
            moved[name][index] += step
            values.append(loss_only(moved, activation))
        fd.append((values[0] - values[1]) / (2 * H))
    return np.array(fd)


def dual_run(case, mode, activation="relu"):
    return dual.forward_backward(case["x"], case["y"], *params_of(case), mode=mode,
                                 activation=activation)


def reference_run(case, activation="relu"):
    return reference.forward_backward(case["x"], case["y"], *params_of(case), errata="fix",
                                      activation=activation)


def assert_plain(value, label=""):
    """A plain numpy array (or float), no DualArray and no ndarray subclass."""
    assert not isinstance(value, DualArray), f"{label}: a DualArray leaked out"
    assert type(value) is np.ndarray, f"{label}: {type(value).__name__}, not numpy.ndarray"
    assert value.dtype == np.float64, f"{label}: dtype {value.dtype}"


# ---- the fixed goldens: MATLAB's true gradients, kinks and ties included ----------------------

GOLDEN_CASES = ["case_bias_fixed", "case_nobias_fixed"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_forward_backward_equals_the_fixed_goldens(name, mode):
    g = load_golden(name)
    got = dual.forward_backward(g["x"], g["y"], *params_of(g), mode=mode)
    expected = (g["L"].item(), g["dLdw_conv_step"], g["dldb_conv"].T, g["dLdw_fc_step"], g["dldb"].T)
    assert_results_match(got, expected, TOL, f"{name} {mode}")


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_each_dual_layer_equals_the_fixed_golden(name):
    """Every dual backward layer fed the golden inputs of that layer gives the golden output."""
    g = load_golden(name)
    loss, dldy = dual.loss_cross_entropy_softmax(g["pred5"], g["y"])
    assert abs(loss - g["L"].item()) <= TOL * abs(g["L"].item())
    assert_rel(dldy, g["dldy"], TOL, "dldy")
    dldx, dldw, dldb = dual.fc_backward(g["dldy"], g["pred4"], g["w_fc"], g["b_fc"], g["pred5"])
    assert_rel(dldx, g["dldx_fc"], TOL, "dldx_fc")
    assert_rel(dldw, g["dldw"], TOL, "dldw")
    assert_rel(dldb, g["dldb"], TOL, "dldb")
    assert_rel(dual.flattening_backward(g["dldx_fc"], g["pred3"], g["pred4"]), g["dldx_flat"], TOL,
               "dldx_flat")
    assert_rel(dual.pool2x2_backward(g["dldx_flat"], g["pred2"], g["pred3"]), g["dldx_pool"], TOL,
               "dldx_pool")
    assert_rel(dual.relu_backward(g["dldx_pool"], g["pred1"], g["pred2"]), g["dldx_relu"], TOL,
               "dldx_relu")
    dldw_conv, dldb_conv = dual.conv_backward(g["dldx_relu"], g["x"], g["w_conv"], g["b_conv"],
                                              g["pred1"])
    assert_rel(dldw_conv, g["dldw_conv"], TOL, "dldw_conv")
    assert_rel(dldb_conv, g["dldb_conv"], TOL, "dldb_conv")


# ---- dual == reference(errata="fix") on random cases ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batch", [None, 6], ids=["one_image", "batch_of_6"])
def test_forward_backward_equals_reference_fix(batch, activation, mode):
    case = random_case(seed=10 + (batch or 0), batch=batch, activation=activation)
    got = dual_run(case, mode, activation)
    expected = reference_run(case, activation)
    for name, value in zip(OUTPUTS[1:], got[1:]):
        assert value.shape == SHAPES[name]
    assert_results_match(got, expected, TOL, f"{activation} {mode}")


KINK_CASES = {
    "relu_zeros_image": lambda: kinky_case(seed=3),
    "relu_zeros_batch_of_5": lambda: kinky_case(seed=3, batch=5),
    "pool_ties_image": lambda: tie_case(seed=8),
    "pool_ties_batch_of_3": lambda: tie_case(seed=9, batch=3),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kink_case", list(KINK_CASES))
def test_forward_backward_on_kinks_equals_reference_fix(kink_case, mode):
    """With exact ReLU zeros and pooling ties the conventions must agree too."""
    case = KINK_CASES[kink_case]()
    assert_results_match(dual_run(case, mode), reference_run(case), TOL, f"{kink_case} {mode}")


def test_the_kink_cases_are_on_the_kinks():
    """What makes the cases above convention tests. (The fixed goldens hardly are: with
    first-maximum routing, case_nobias's 9 exact ReLU zeros get no upstream gradient, and its
    ties are four-way ties at 0, where column-major and row-major order agree: PyTorch's
    conventions reproduce case_nobias_fixed to 3e-16. Only a last-maximum rule would fail it.)
    - relu_zeros: ReLU inputs at exactly 0 that receive a non-zero upstream gradient;
    - pool_ties: blocks whose maximum is tied between (1,0) and (0,1), not (0,0), with a
      positive maximum (so the gradient passes), at positions with different patches."""
    for name in ("relu_zeros_image", "relu_zeros_batch_of_5"):
        p = intermediates(KINK_CASES[name]())
        at_zero = p["pred1"] == 0
        assert np.count_nonzero(p["dldx_pool"][at_zero]) >= 5, name
    for name in ("pool_ties_image", "pool_ties_batch_of_3"):
        p = intermediates(KINK_CASES[name]())
        assert np.min(np.abs(p["pred1"])) >= 0.5  # no ReLU kink here: only ties
        blocks = im2col_distinct(np.reshape(p["pred2"], (14, 14, 3, -1), order="F"), 2)
        x = np.reshape(p["x"], (14, 14, 1, -1), order="F")[:, :, [0, 0, 0], :]
        patches = im2col_distinct(x, 2)  # each block's 4 patch centres, like blocks: 4x49x3xB
        block_max = blocks.max(axis=0)
        tied = (blocks[1] == block_max) & (blocks[2] == block_max) & (blocks[0] < block_max)
        assert np.count_nonzero(tied & (block_max > 0) & (patches[1] != patches[2])) >= 3, name


def test_the_kink_cases_tell_the_conventions_apart():
    """PyTorch's conventions (ReLU'(0) = 0, ties to the first maximum in row-major order) give
    other conv gradients on these cases: equality with the reference there is not a given."""
    pytest.importorskip("torch")
    from shared.torch_net import torch_forward_backward

    for name, make in KINK_CASES.items():
        case = make()
        ours = dual_run(case, "chain")
        theirs = torch_forward_backward(case["x"], case["y"], *params_of(case))
        conv_difference = max(relative_error(theirs[k], ours[k]) for k in (1, 2))
        assert conv_difference > 1e-3, name
        assert_rel(theirs[3], ours[3], TORCH_TOL, f"{name} dLdw_fc")  # the FC layer is unaffected


@pytest.mark.parametrize("mode", MODES)
def test_a_batch_is_the_sum_of_its_images(mode):
    case = random_case(seed=4, batch=4)
    columns = case["x"].reshape(196, 4, order="F")  # TrainCNN's 196 x B layout is accepted too
    batched = dual.forward_backward(columns, case["y"], *params_of(case), mode=mode)
    singles = [dual.forward_backward(case["x"][..., b], case["y"][:, [b]], *params_of(case), mode=mode)
               for b in range(4)]
    summed = [sum(s[k] for s in singles) for k in range(5)]
    assert_results_match(batched, summed, TOL, mode)


# ---- each dual layer backward == its reference twin (errata="fix"), same inputs ------------------


def intermediates(case, activation="relu"):
    """The reference's forward pass and, for the backward layers, the reference's upstream
    gradients: each dual layer below gets exactly the inputs its reference twin gets."""
    network = reference.Network(activation)
    p = dict(case, x=reference.as_images(case["x"]))
    p["pred1"], p["pred2"], p["pred3"], p["pred4"], p["pred5"] = network.forward_pass(
        p["x"], *params_of(case))
    p["L"], p["dldy"] = reference.loss_cross_entropy_softmax(p["pred5"], p["y"], "fix")
    p["dldx_fc"], p["dldw"], p["dldb"] = reference.fc_backward(
        p["dldy"], p["pred4"], p["w_fc"], p["b_fc"], p["pred5"])
    p["dldx_flat"] = reference.flattening_backward(p["dldx_fc"], p["pred3"], p["pred4"])
    p["dldx_pool"] = reference.pool2x2_backward(p["dldx_flat"], p["pred2"], p["pred3"], "fix")
    p["dldx_act"] = network.layers.activation_backward(p["dldx_pool"], p["pred1"], p["pred2"])
    p["dldw_conv"], p["dldb_conv"] = reference.conv_backward(
        p["dldx_act"], p["x"], p["w_conv"], p["b_conv"], p["pred1"])
    return p


LAYER_CASES = {
    "random_image": lambda: random_case(seed=20),
    "random_batch_of_6": lambda: random_case(seed=21, batch=6),
    "kinky_image": lambda: kinky_case(seed=22),
    "kinky_batch_of_5": lambda: kinky_case(seed=23, batch=5),
    "ties_batch_of_3": lambda: tie_case(seed=9, batch=3),
}


@pytest.fixture(scope="module", params=list(LAYER_CASES))
def layer_case(request):
    return intermediates(LAYER_CASES[request.param]())


def test_loss_cross_entropy_softmax_layer(layer_case):
    p = layer_case
    loss, dldy = dual.loss_cross_entropy_softmax(p["pred5"], p["y"])
    assert abs(loss - p["L"]) <= TOL * abs(p["L"])
    assert_rel(dldy, p["dldy"], TOL, "dldy")
    assert_plain(dldy, "dldy")


def test_fc_backward_layer(layer_case):
    p = layer_case
    got = dual.fc_backward(p["dldy"], p["pred4"], p["w_fc"], p["b_fc"], p["pred5"])
    for label, g, e in zip(("dldx", "dldw", "dldb"), got, (p["dldx_fc"], p["dldw"], p["dldb"])):
        assert_rel(g, e, TOL, label)
        assert_plain(g, label)


def test_flattening_backward_layer(layer_case):
    p = layer_case
    got = dual.flattening_backward(p["dldx_fc"], p["pred3"], p["pred4"])
    assert_rel(got, p["dldx_flat"], TOL, "dldx_flat")
    assert_plain(got, "dldx_flat")


def test_pool2x2_backward_layer(layer_case):
    p = layer_case
    got = dual.pool2x2_backward(p["dldx_flat"], p["pred2"], p["pred3"])
    assert got.shape == p["pred2"].shape  # spatial, not the 4x49x3 block layout of E1
    assert_rel(got, p["dldx_pool"], TOL, "dldx_pool")
    assert_plain(got, "dldx_pool")


def test_relu_backward_layer(layer_case):
    p = layer_case
    got = dual.relu_backward(p["dldx_pool"], p["pred1"], p["pred2"])
    assert_rel(got, p["dldx_act"], TOL, "dldx_relu")
    assert_plain(got, "dldx_relu")


def test_conv_backward_layer(layer_case):
    p = layer_case
    dldw, dldb = dual.conv_backward(p["dldx_act"], p["x"], p["w_conv"], p["b_conv"], p["pred1"])
    assert_rel(dldw, p["dldw_conv"], TOL, "dldw_conv")
    assert_rel(dldb, p["dldb_conv"], TOL, "dldb_conv")
    assert_plain(dldw, "dldw_conv")
    assert_plain(dldb, "dldb_conv")


@pytest.mark.parametrize("activation", ["sigmoid", "study-sigmoid"])
@pytest.mark.parametrize("batch", [None, 6], ids=["one_image", "batch_of_6"])
def test_activation_backward_equals_the_hand_derived_one(activation, batch):
    """The other activations' backward, from the forward function alone, equals the
    reference's hand-derived sigmoid_backward / study_sigmoid_backward."""
    p = intermediates(random_case(seed=24, batch=batch, activation=activation), activation)
    backward = dual.network_layers(activation).activation_backward
    got = backward(p["dldx_pool"], p["pred1"], p["pred2"])
    assert_rel(got, p["dldx_act"], TOL, activation)
    assert_plain(got, activation)


# ---- the conventions at kinks and ties, by hand ----------------------------------------------


def tie_input():
    """14x14x3 with hand-made ties. Block positions in column-major order: (0,0), (1,0), (0,1),
    (1,1). Every untouched block is four zeros (a four-way tie at 0 -> its top-left)."""
    x = np.zeros((14, 14, 3))
    x[0:2, 0:2, 0] = 2.0  # block (0,0): a four-way tie -> (0,0)
    x[2:4, 0:2, 0] = [[1.0, 5.0], [5.0, 0.0]]  # block (1,0): (1,0) and (0,1) tie -> (1,0)
    x[0:2, 2:4, 0] = [[0.0, 3.0], [1.0, 3.0]]  # block (0,1): (0,1) and (1,1) tie -> (0,1)
    x[4:6, 4:6, 1] = [[-1.0, 0.0], [0.0, -1.0]]  # block (2,2): a tie at 0 -> (1,0)
    x[6:8, 6:8, 2] = [[-4.0, 7.0], [-2.0, 7.0]]  # block (3,3): (0,1) and (1,1) tie -> (0,1)
    x[8:10, 2:4, 1] = [[0.5, 0.5], [0.5, 0.75]]  # block (4,1): no tie at the max -> (1,1)
    return x


def tie_expected(dldy):
    expected = np.zeros((14, 14, 3))
    expected[0::2, 0::2, :] = dldy  # the default: each block's top-left
    for (row, col, channel), (r, c) in {(1, 0, 0): (1, 0), (0, 1, 0): (0, 1), (2, 2, 1): (1, 0),
                                        (3, 3, 2): (0, 1), (4, 1, 1): (1, 1)}.items():
        expected[2 * row, 2 * col, channel] = 0.0
        expected[2 * row + r, 2 * col + c, channel] = dldy[row, col, channel]
    return expected


def test_pool2x2_backward_routes_a_tie_to_the_first_maximum_in_column_major_order():
    dldy = np.random.default_rng(5).uniform(1, 2, size=(7, 7, 3))
    x = tie_input()
    expected = tie_expected(dldy)
    got = dual.pool2x2_backward(dldy, x, reference.pool2x2(x))
    # exact: the gradient is routed with weights 0 and 1 (sums of one term and zeros, any order)
    np.testing.assert_array_equal(got, expected)
    # ... exactly as the reference does
    np.testing.assert_array_equal(got, reference.pool2x2_backward(dldy, x, reference.pool2x2(x), "fix"))
    # a block with two equal maxima at (1,0) and (0,1): all to (1,0), nothing to (0,1)
    assert got[3, 0, 0] == dldy[1, 0, 0] and got[2, 1, 0] == 0.0


def test_pool2x2_backward_ties_in_a_batch():
    rng = np.random.default_rng(6)
    x = np.stack([tie_input(), np.transpose(tie_input(), (1, 0, 2))], axis=-1)  # 14x14x3x2
    dldy = rng.uniform(1, 2, size=(7, 7, 3, 2))
    got = dual.pool2x2_backward(dldy, x, reference.pool2x2(x))
    expected = reference.pool2x2_backward(dldy, x, reference.pool2x2(x), "fix")
    np.testing.assert_array_equal(got, expected)  # routed with weights 0 and 1: exact
    np.testing.assert_array_equal(got[..., 0], tie_expected(dldy[..., 0]))
    # the transposed image: block (0,1)'s tie between (1,0) and (0,1) -> (1,0) again
    assert got[1, 2, 0, 1] == dldy[0, 1, 0, 1] and got[0, 3, 0, 1] == 0.0


def test_relu_backward_passes_half_the_gradient_at_zero():
    rng = np.random.default_rng(7)
    x = np.zeros((14, 14, 3))
    x[2, 3, 0], x[5, 5, 1], x[0, 13, 2] = 1.5, 0.25, 3.0
    x[7, 7, 0], x[13, 0, 1] = -2.0, -0.5
    dldy = rng.uniform(1, 2, size=(14, 14, 3))
    got = dual.relu_backward(dldy, x, reference.relu(x))
    expected = np.where(x > 0, dldy, 0.0) + np.where(x == 0, 0.5 * dldy, 0.0)
    np.testing.assert_array_equal(got, expected)  # weights 0, 1/2 and 1 (powers of two): exact
    assert got[1, 1, 0] == 0.5 * dldy[1, 1, 0] and got[2, 3, 0] == dldy[2, 3, 0] and got[7, 7, 0] == 0.0


# ---- finite differences and PyTorch autograd ---------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batch", [None, 4], ids=["one_image", "batch_of_4"])
def test_chain_mode_matches_central_finite_differences(batch, activation):
    """Every conv weight and bias, every FC bias and a fixed sample of FC weights."""
    case = random_case(seed=30 + (batch or 0), batch=batch, activation=activation)
    loss, *gradients = dual_run(case, "chain", activation)
    assert abs(loss - loss_only(case, activation)) <= TOL * abs(loss)
    rng = np.random.default_rng(0)
    for name, gradient in zip(PARAMETERS, gradients):
        indices = list(np.ndindex(case[name].shape))
        if name == "w_fc":
            indices = [indices[i] for i in rng.choice(len(indices), N_FC_WEIGHTS_CHECKED, replace=False)]
        fd = central_differences(case, name, indices, activation)
        analytic = np.array([gradient[index] for index in indices])
        assert_rel(analytic, fd, FD_TOL, f"{activation} {name}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batch", [None, 5], ids=["one_image", "batch_of_5"])
def test_matches_torch_autograd(batch, activation, mode):
    pytest.importorskip("torch")
    from shared.torch_net import torch_forward_backward

    case = random_case(seed=40 + (batch or 0), batch=batch, activation=activation)
    expected = torch_forward_backward(case["x"], case["y"], *params_of(case), activation=activation)
    assert_results_match(dual_run(case, mode, activation), expected, TORCH_TOL, f"{activation} {mode}")


# ---- nothing of the machinery leaks out; the forward layers are the reference's ---------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch", [None, 3], ids=["one_image", "batch_of_3"])
def test_forward_backward_returns_plain_numbers(mode, batch):
    loss, *gradients = dual_run(random_case(seed=50, batch=batch), mode)
    assert not isinstance(loss, DualArray)
    assert np.ndim(loss) == 0 and math.isfinite(loss)
    for name, gradient in zip(OUTPUTS[1:], gradients):
        assert_plain(gradient, name)
        assert gradient.shape == SHAPES[name]


@pytest.mark.parametrize("mode", MODES)
def test_the_loss_is_a_float_like_the_references(mode):
    """reference.forward_backward returns the loss as a float (numpy.float64); the twin, whose
    interface it is, too (a 0-d array is not a float: json.dumps and isinstance(.., float)
    reject it)."""
    case = random_case(seed=51)
    assert isinstance(reference_run(case)[0], float)
    loss = dual_run(case, mode)[0]
    assert isinstance(loss, float), f"{mode}: the loss is a {type(loss).__name__}"


def test_forward_layers_are_the_references_own_functions():
    import dual.train_cnn as dual_train
    import reference.train_cnn as reference_train

    root = Path(__file__).resolve().parents[1]
    for name in ("conv", "relu", "pool2x2", "flattening", "fc", "soft_max", "get_mini_batch"):
        assert not (root / "dual" / f"{name}.py").exists(), name  # not copied, not re-exported
    assert dual_train.forward_pass is reference_train.forward_pass  # run on dual numbers
    assert dual_train.reference_train_cnn is reference_train.train_cnn  # one training loop
    for activation in ACTIVATIONS:
        ours, theirs = dual.network_layers(activation), reference.network_layers(activation)
        for name in ("conv", "activation", "pool2x2", "flattening", "fc"):
            assert getattr(ours, name) is getattr(theirs, name), (activation, name)
        # ... and every backward layer is the twin's own
        for name in ("loss_cross_entropy_softmax", "fc_backward", "flattening_backward",
                     "pool2x2_backward", "activation_backward", "conv_gradients"):
            assert getattr(ours, name) is not getattr(theirs, name), (activation, name)
    assert dual.network_layers().conv_kind is dual.CONV_KINDS["linear"]
    assert dual.network_layers().pool2x2_backward is dual.pool2x2_backward


# ---- what the twin refuses ---------------------------------------------------------------------


def _errata_calls():
    """{dual function: a call with errata=...}, for every public dual function taking errata."""
    g = load_golden("case_bias_fixed")
    p = params_of(g)
    return {
        "check_errata": lambda e: dual.check_errata(e),
        "forward_backward": lambda e: dual.forward_backward(g["x"], g["y"], *p, errata=e),
        "forward_backward[forward]": lambda e: dual.forward_backward(g["x"], g["y"], *p, errata=e,
                                                                     mode="forward"),
        "forward_mode_gradient": lambda e: dual.forward_mode_gradient(g["x"], g["y"], p, [0], errata=e),
        "train_cnn": lambda e: dual.train_cnn([g["x"].reshape(196, 1, order="F")], [g["y"]],
                                              start={"w_conv": g["w_conv"], "w_fc": g["w_fc"]},
                                              iterations=1,
                                              errata=e, progress=False),
        "pool2x2_backward": lambda e: dual.pool2x2_backward(g["dldx_flat"], g["pred2"], g["pred3"],
                                                            errata=e),
        "loss_cross_entropy_softmax": lambda e: dual.loss_cross_entropy_softmax(g["pred5"], g["y"],
                                                                                errata=e),
        **_perceptron_errata_calls(),
        **_curvature_errata_calls(),
    }


def _curvature_errata_calls():
    """dual.curvature's second derivatives, which are true derivatives too."""
    from dual.curvature import hessian, hessian_vector_product

    g = load_golden("case_bias")
    params = [g[k] for k in ("w_conv", "b_conv", "w_fc", "b_fc")]
    return {"hessian_vector_product": _with_errata(hessian_vector_product, g["x"], g["y"], params,
                                                   params),
            "hessian": _with_errata(hessian, g["x"], g["y"], params)}


def _perceptron_errata_calls():
    """The same for the perceptrons' twins (dual.train_slp_linear, train_slp, train_mlp)."""
    import dual.train_mlp
    import dual.train_slp
    import dual.train_slp_linear

    g = load_golden("perceptron_case_bias")
    calls = {}
    for name, module, params in (("slp_linear", dual.train_slp_linear, ("w", "b")),
                                 ("slp", dual.train_slp, ("w", "b")),
                                 ("mlp", dual.train_mlp, ("w1", "b1", "w2", "b2"))):
        p = [g[k] for k in params]
        body, train = getattr(module, f"{name}_forward_backward"), getattr(module, f"train_{name}")
        calls[f"{name}_forward_backward"] = _with_errata(body, g["x"], g["y"], *p)
        calls[f"forward_mode[{name}]"] = _with_errata(module.forward_mode, g["x"], g["y"], *p)
        calls[f"train_{name}"] = _with_errata(train, [g["x"]], [g["y"]], iterations=1,
                                              progress=False)
    return calls


def _with_errata(function, *args, **kwargs):
    """errata -> function(*args, errata=errata, **kwargs)."""
    return lambda errata: function(*args, errata=errata, **kwargs)


def test_every_function_taking_errata_is_covered():
    import importlib
    import pkgutil

    import dual as dual_package

    takes_errata = set()
    for info in pkgutil.iter_modules(dual_package.__path__):
        module = importlib.import_module(f"dual.{info.name}")
        takes_errata |= {name for name, f in vars(module).items()
                         if inspect.isfunction(f) and f.__module__ == module.__name__
                         and not name.startswith("_")
                         and "errata" in inspect.signature(f).parameters}
    covered = {name.split("[")[0] for name in _errata_calls()} | {"forward_mode"}  # ([forward])
    assert takes_errata | {"check_errata"} == covered
    assert dual.ERRATA_CHOICES == ("fix",)


@pytest.mark.parametrize("function", list(_errata_calls()))
def test_errata_keep_is_refused(function):
    call = _errata_calls()[function]
    call("fix")  # the counterpart: "fix" is accepted
    with pytest.raises(ValueError, match="'fix'"):
        call("keep")
    with pytest.raises(ValueError, match="'fix'"):
        call("maybe")


def test_an_unknown_mode_is_refused():
    g = load_golden("case_bias_fixed")
    with pytest.raises(ValueError, match="mode"):
        dual.forward_backward(g["x"], g["y"], *params_of(g), mode="reverse")
    with pytest.raises(ValueError, match="mode"):
        dual.train_cnn([g["x"].reshape(196, 1, order="F")], [g["y"]], iterations=1, mode="reverse",
                       progress=False)
    assert dual.MODES == MODES


def test_an_unknown_activation_is_refused():
    g = load_golden("case_bias_fixed")
    p = params_of(g)
    calls = {
        "chain": lambda: dual.forward_backward(g["x"], g["y"], *p, activation="tanh"),
        "forward": lambda: dual.forward_backward(g["x"], g["y"], *p, activation="tanh", mode="forward"),
        "forward_mode_gradient": lambda: dual.forward_mode_gradient(g["x"], g["y"], p, [0],
                                                                    activation="tanh"),
        "train_cnn": lambda: dual.train_cnn([g["x"].reshape(196, 1, order="F")], [g["y"]],
                                            iterations=1, activation="tanh", progress=False),
        "network_layers": lambda: dual.network_layers("tanh"),
    }
    for label, call in calls.items():
        with pytest.raises(ValueError, match="activation"):
            call()
            pytest.fail(f"{label} accepted activation='tanh'")


# ---- forward_mode_gradient: only what is asked ---------------------------------------------------


@pytest.mark.parametrize("wrt", [[0], [2], [1, 3], [3, 0], [0, 1, 2, 3]],
                         ids=["w_conv", "w_fc", "biases", "b_fc+w_conv", "all"])
@pytest.mark.parametrize("chunk", [128, 7])
def test_forward_mode_gradient_returns_only_the_requested_gradients(wrt, chunk):
    case = random_case(seed=60, batch=3)
    params = params_of(case)
    chain = dual_run(case, "chain")
    loss, gradients = dual.forward_mode_gradient(case["x"], case["y"], params, wrt, chunk=chunk)
    assert set(gradients) == set(wrt)
    assert abs(float(loss) - chain[0]) <= TOL * abs(chain[0])
    for i in wrt:
        assert gradients[i].shape == params[i].shape
        assert_plain(gradients[i], PARAMETERS[i])
        assert_rel(gradients[i], chain[i + 1], TOL, PARAMETERS[i])


def test_forward_mode_gradient_default_is_every_parameter():
    case = random_case(seed=61)
    _, gradients = dual.forward_mode_gradient(case["x"], case["y"], params_of(case), None)
    assert set(gradients) == {0, 1, 2, 3}


# ---- train_cnn -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def traincnn_fixed():
    g = load_golden("traincnn_fixed")
    batches_x = [g["batches_x"][:, :, k] for k in range(g["batches_x"].shape[2])]
    batches_y = [g["batches_y"][:, :, k] for k in range(g["batches_y"].shape[2])]
    assert len(batches_x) == len(batches_y) == 5
    assert batches_x[0].shape == (196, 30) and batches_y[0].shape == (10, 30)
    return g, batches_x, batches_y


def assert_training_matches(got, expected, tol, start):
    (weights, losses), (expected_weights, expected_losses) = got, expected
    weights, expected_weights = list(weights.values()), list(expected_weights.values())
    for name, w, e in zip(PARAMETERS, weights, expected_weights):
        assert_rel(w, e, tol, name)
    assert_rel(losses, expected_losses, tol, "loss")
    assert np.max(np.abs(weights[0] - start["w_conv"])) > 1e-3  # training moved the weights
    assert np.max(np.abs(weights[2] - start["w_fc"])) > 1e-3


@pytest.mark.parametrize("mode, iterations", [("chain", 300), ("forward", 3)])
def test_train_cnn_follows_the_reference_with_errata_fixed(traincnn_fixed, mode, iterations):
    g, bx, by = traincnn_fixed
    start = {"w_conv": g["w_conv0"], "w_fc": g["w_fc0"]}
    got = dual.train_cnn(bx, by, iterations=iterations, mode=mode, progress=False, start=start)
    expected = reference.train_cnn(bx, by, iterations=iterations, errata="fix", progress=False,
                                   start=start)
    assert len(got.loss) == iterations
    assert_training_matches(got, expected, TRAIN_TOL, start)


@pytest.mark.slow
def test_train_cnn_lands_on_the_fixed_golden_weights(traincnn_fixed):
    """The full schedule (10,000 iterations over the 5 batches), chain mode, against what the
    original TrainCNN with E1/E2 corrected returned."""
    g, bx, by = traincnn_fixed
    started = time.perf_counter()
    weights, losses = dual.train_cnn(bx, by, start={"w_conv": g["w_conv0"], "w_fc": g["w_fc0"]},
                                     iterations=10000, progress=False)
    weights = list(weights.values())
    print(f"dual.train_cnn, 10,000 iterations, chain mode: {time.perf_counter() - started:.1f} s")
    for name, w in zip(PARAMETERS, weights):
        assert_rel(w, g[name], TRAIN_GOLDEN_TOL, name)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
