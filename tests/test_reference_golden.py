"""The reference port against the original MATLAB code's own outputs (tests/golden/*.mat).

Every layer is fed the GOLDEN inputs of that layer (not the outputs of the port's previous
layer), so a failure points at one function. Two pairs of golden files:

- ``case_bias.mat`` / ``case_nobias.mat``: the original code, errata E1 and E2 included
  -> compared with ``errata="keep"``;
- ``case_bias_fixed.mat`` / ``case_nobias_fixed.mat``: the original with E1 and E2 corrected
  -> compared with ``errata="fix"`` (the true gradients, MATLAB's conventions at kinks and ties).

``traincnn.mat`` / ``traincnn_fixed.mat`` hold the weights after the original TrainCNN's
10,000 iterations over 5 fixed batches; the port must land on the same weights.
"""

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from twins import reference

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

# (golden file, errata setting that must reproduce it)
CASES = [
    ("case_bias", "keep"),
    ("case_nobias", "keep"),
    ("case_bias_fixed", "fix"),
    ("case_nobias_fixed", "fix"),
]
ABS_TOL = 1e-12  # max |port - golden|, per array (Octave's BLAS against ours: ~1e-15 here)
TRAIN_REL_TOL = 1e-9  # max |port - golden| / max |golden| after 10,000 training iterations
# (rounding differences between BLAS builds grow over the steps)


def load_golden(name):
    """Every variable of tests/golden/<name>.mat, MATLAB shapes kept (x is 14x14: scipy drops
    MATLAB's trailing singleton of 14x14x1)."""
    variables = scipy.io.loadmat(GOLDEN_DIR / f"{name}.mat")
    return {k: v for k, v in variables.items() if not k.startswith("__")}


def assert_matches(got, golden, label=""):
    """Same shape as the golden array exactly, and max |got - golden| <= ABS_TOL."""
    got = np.asarray(got)
    assert got.shape == golden.shape, f"{label}: shape {got.shape}, golden {golden.shape}"
    difference = np.max(np.abs(got - golden))
    assert difference <= ABS_TOL, f"{label}: max |port - golden| = {difference:.3g}"


@pytest.fixture(params=CASES, ids=[f"{name}-{errata}" for name, errata in CASES])
def case(request):
    """(golden variables, errata) for one golden file."""
    name, errata = request.param
    return load_golden(name), errata


# ---- forward pass, layer by layer -----------------------------------------------------------


def test_conv(case):
    g, _ = case
    assert_matches(reference.conv(g["x"], g["w_conv"], g["b_conv"]), g["pred1"], "pred1")


def test_relu(case):
    g, _ = case
    assert_matches(reference.relu(g["pred1"]), g["pred2"], "pred2")


def test_pool2x2(case):
    g, _ = case
    assert_matches(reference.pool2x2(g["pred2"]), g["pred3"], "pred3")


def test_flattening(case):
    g, _ = case
    assert_matches(reference.flattening(g["pred3"]), g["pred4"], "pred4")


def test_fc(case):
    g, _ = case
    assert_matches(reference.fc(g["pred4"], g["w_fc"], g["b_fc"]), g["pred5"], "pred5")


def test_loss_cross_entropy_softmax(case):
    g, errata = case
    loss, dldy = reference.loss_cross_entropy_softmax(g["pred5"], g["y"], errata)
    # MATLAB's scalar is 1x1; the port may return a plain scalar
    assert np.shape(loss) in ((), (1, 1))
    assert abs(float(np.squeeze(loss)) - g["L"].item()) <= ABS_TOL
    assert_matches(dldy, g["dldy"], "dldy")


# ---- backward pass, layer by layer ----------------------------------------------------------


def test_fc_backward(case):
    g, _ = case
    dldx, dldw, dldb = reference.fc_backward(g["dldy"], g["pred4"], g["w_fc"], g["b_fc"], g["pred5"])
    assert_matches(dldx, g["dldx_fc"], "dldx_fc")
    assert_matches(dldw, g["dldw"], "dldw")
    assert_matches(dldb, g["dldb"], "dldb")


def test_flattening_backward(case):
    g, _ = case
    dldx = reference.flattening_backward(g["dldx_fc"], g["pred3"], g["pred4"])
    assert_matches(dldx, g["dldx_flat"], "dldx_flat")


def test_pool2x2_backward(case):
    # keep: the 4x49x3 block layout (erratum E1); fix: the 14x14x3 spatial gradient
    g, errata = case
    dldx = reference.pool2x2_backward(g["dldx_flat"], g["pred2"], g["pred3"], errata)
    assert_matches(dldx, g["dldx_pool"], "dldx_pool")


def test_relu_backward(case):
    g, _ = case
    dldx = reference.relu_backward(g["dldx_pool"], g["pred1"], g["pred2"])
    assert_matches(dldx, g["dldx_relu"], "dldx_relu")


def test_conv_backward(case):
    g, _ = case
    dldw, dldb = reference.conv_backward(g["dldx_relu"], g["x"], g["w_conv"], g["b_conv"], g["pred1"])
    assert_matches(dldw, g["dldw_conv"], "dldw_conv")
    assert_matches(dldb, g["dldb_conv"], "dldb_conv")


# ---- one whole step, as TrainCNN accumulates it ---------------------------------------------


def test_forward_backward_matches_the_step_gradients(case):
    """forward_backward's outputs are TrainCNN's accumulator increments for one image:
    the loss L, dLdw_conv_step (E2's scrambled reshape under keep), dldb_conv', dLdw_fc_step, dldb'."""
    g, errata = case
    loss, dw_conv, db_conv, dw_fc, db_fc = reference.forward_backward(
        g["x"], g["y"], g["w_conv"], g["b_conv"], g["w_fc"], g["b_fc"], errata)
    assert abs(float(np.squeeze(loss)) - g["L"].item()) <= ABS_TOL
    assert_matches(dw_conv, g["dLdw_conv_step"], "dLdw_conv_step")
    assert_matches(db_conv, g["dldb_conv"].T, "dldb_conv'")
    assert_matches(dw_fc, g["dLdw_fc_step"], "dLdw_fc_step")
    assert_matches(db_fc, g["dldb"].T, "dldb'")


def test_the_errata_change_only_the_conv_gradients():
    """The two golden pairs share their inputs; keep and fix agree on the loss and the FC
    gradients and disagree on the conv gradients (so the fix/keep switch is not a no-op)."""
    for name in ("case_bias", "case_nobias"):
        kept, fixed = load_golden(name), load_golden(f"{name}_fixed")
        for shared in ("x", "y", "w_conv", "b_conv", "w_fc", "b_fc", "L", "dLdw_fc_step", "dldb"):
            np.testing.assert_allclose(kept[shared], fixed[shared], rtol=0, atol=1e-12)  # as ABS_TOL
        assert np.max(np.abs(kept["dLdw_conv_step"] - fixed["dLdw_conv_step"])) > 0.1
        assert np.max(np.abs(kept["dldb_conv"] - fixed["dldb_conv"])) > 0.1


# ---- the errata switch only takes "keep" or "fix" -------------------------------------------


def _call_with_errata(function, errata):
    g = load_golden("case_bias")
    if function == "forward_backward":
        return reference.forward_backward(g["x"], g["y"], g["w_conv"], g["b_conv"], g["w_fc"], g["b_fc"],
                                          errata=errata)
    if function == "pool2x2_backward":
        return reference.pool2x2_backward(g["dldx_flat"], g["pred2"], g["pred3"], errata=errata)
    if function == "train_cnn":
        return reference.train_cnn([g["x"].reshape(196, 1, order="F")], [g["y"]],
                                   start={"w_conv": g["w_conv"], "w_fc": g["w_fc"]}, iterations=1,
                                   errata=errata, progress=False)
    if function == "loss_cross_entropy_softmax":
        return reference.loss_cross_entropy_softmax(g["pred5"], g["y"], errata=errata)
    raise AssertionError(function)


ERRATA_FUNCTIONS = ["forward_backward", "pool2x2_backward", "train_cnn", "loss_cross_entropy_softmax"]


@pytest.mark.parametrize("function", ERRATA_FUNCTIONS)
@pytest.mark.parametrize("errata", ["maybe", None, "FIX"])
def test_an_unknown_errata_value_raises_naming_the_choices(function, errata):
    with pytest.raises(ValueError, match=r"'keep'.*'fix'"):
        _call_with_errata(function, errata)


@pytest.mark.parametrize("function", ERRATA_FUNCTIONS)
def test_both_errata_values_are_accepted(function):
    # the counterpart of the test above: the same calls succeed with the two valid values
    for errata in ("keep", "fix"):
        _call_with_errata(function, errata)


# ---- TrainCNN: 10,000 iterations land on the original's weights -----------------------------


TRAIN_CASES = [("traincnn", "keep"), ("traincnn_fixed", "fix")]


@pytest.fixture(scope="module", params=TRAIN_CASES, ids=[f"{n}-{e}" for n, e in TRAIN_CASES])
def trained(request):
    """(golden, port's trained parameters): one 10,000-iteration run per golden file (~20 s)."""
    name, errata = request.param
    g = load_golden(name)
    n_batches = g["batches_x"].shape[2]
    batches_x = [g["batches_x"][:, :, k] for k in range(n_batches)]  # 5 batches of 196x30
    batches_y = [g["batches_y"][:, :, k] for k in range(n_batches)]  # 5 batches of 10x30
    params, loss = reference.train_cnn(
        batches_x, batches_y, start={"w_conv": g["w_conv0"], "w_fc": g["w_fc0"]},
        iterations=10000, errata=errata, progress=False)
    return g, {**params, "loss": loss}


@pytest.mark.parametrize("parameter", ["w_conv", "b_conv", "w_fc", "b_fc"])
def test_train_cnn_reproduces_the_original_weights(trained, parameter):
    g, port = trained
    got, golden = port[parameter], g[parameter]
    assert got.shape == golden.shape
    relative = np.max(np.abs(got - golden)) / np.max(np.abs(golden))
    assert relative <= TRAIN_REL_TOL, f"{parameter}: max relative difference {relative:.3g}"


def test_train_cnn_actually_trained(trained):
    """Guards the parity test against a vacuous pass: the weights moved far from their start,
    and the recorded loss is finite and went down."""
    g, port = trained
    assert np.max(np.abs(port["w_conv"] - g["w_conv0"])) > 0.1
    assert np.max(np.abs(port["w_fc"] - g["w_fc0"])) > 0.1
    loss = port["loss"]
    assert loss.shape == (10000,) and np.all(np.isfinite(loss))
    assert loss[-5:].sum() < loss[:5].sum()
