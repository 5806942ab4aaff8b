"""The perceptrons of the original (TrainSLP_linear, TrainSLP, TrainMLP, Loss_euclidean) and
their dual twins, against the original run in Octave (tests/golden/perceptron_case_*.mat,
train_*.mat), against central finite differences and PyTorch's autograd; erratum E3.

Golden names (docs/original.md, "The golden files"): ``lin_*`` the linear SLP, ``slp_*`` the
softmax SLP, the rest the MLP; ``*_step`` what Train*.m adds to its weight accumulator as
written (E3), ``*_step_fixed`` with E3 corrected.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io

import dual.train_mlp as dual_mlp
import dual.train_slp as dual_slp
import dual.train_slp_linear as dual_slp_linear
from dual.loss_euclidean import loss_euclidean as dual_loss_euclidean
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.loss_euclidean import loss_euclidean
from reference.relu_backward import relu_backward
from reference.train_mlp import forward_pass, initial_weights, mlp_forward_backward, train_mlp
from reference.train_slp import slp_forward_backward, train_slp
from reference.train_slp_linear import slp_linear_forward_backward, train_slp_linear
from shared.training import fc_weight_step
from shared.errors import TrainingDivergedWarning
from shared.training import mini_batch_descent
from shared.gradcheck import finite_differences, relative_error, rounding_error

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
CASES = ("perceptron_case_bias", "perceptron_case_nobias")
ABS_TOL = 1e-12  # max |port - golden| for one pass: Octave's BLAS against ours, ~1e-15 seen
TRAIN_REL_TOL = 1e-9  # max |port - golden| / max |golden| after 10,000 steps: rounding grows
# over the steps with the BLAS's order of summation (seen: 4e-14 at most)
FD_TOL = 1e-6  # relative error against adaptive central differences (their rounding: ~1e-9)
TORCH_TOL = 1e-10  # relative error against autograd in float64: two summation orders, ~1e-15

# model -> (reference loop body, dual module, train function, parameter names, golden prefix)
MODELS = {
    "slp_linear": (slp_linear_forward_backward, dual_slp_linear, train_slp_linear, ("w", "b")),
    "slp": (slp_forward_backward, dual_slp, train_slp, ("w", "b")),
    "mlp": (mlp_forward_backward, dual_mlp, train_mlp, ("w1", "b1", "w2", "b2")),
}
# model -> the golden names of its weight steps (w, or w1 and w2), in parameter order
STEPS = {"slp_linear": {"w": "lin_dLdw_step"}, "slp": {"w": "slp_dLdw_step"},
         "mlp": {"w1": "dLdw1_step", "w2": "dLdw2_step"}}


def load(name):
    return {k: v for k, v in scipy.io.loadmat(GOLDEN_DIR / f"{name}.mat").items()
            if not k.startswith("__")}


def assert_close(got, golden, tol=ABS_TOL, label=""):
    got = np.asarray(got, dtype=float)
    golden = np.asarray(golden, dtype=float)
    assert got.shape == golden.shape, f"{label}: shape {got.shape}, golden {golden.shape}"
    assert np.max(np.abs(got - golden)) <= tol, f"{label}: {np.max(np.abs(got - golden)):.3g}"


def assert_fc_backward(g, dldy, x, w, b, y, names):
    """FC_backward on the golden inputs gives the golden (dldx, dldw, dldb) ``names``."""
    for got, name in zip(fc_backward(g[dldy], g[x], g[w], g[b], g[y]), names):
        assert_close(got, g[name], label=name)


@pytest.fixture(params=CASES)
def case(request):
    return load(request.param)


# ---- layer by layer, each fed the golden inputs ---------------------------------------------


SLP_LOSSES = {  # golden prefix -> the loss of that perceptron, with the errata argument
    "lin": lambda y_tilde, y, errata: loss_euclidean(y_tilde, y),
    "slp": loss_cross_entropy_softmax,
}


@pytest.mark.parametrize("prefix", SLP_LOSSES)
@pytest.mark.parametrize("errata", ["keep", "fix"])
def test_single_layer_perceptron_layers(case, prefix, errata):
    g = case
    assert_close(fc(g["x"], g["w"], g["b"]), g[f"{prefix}_y_tilde"], label="y_tilde")
    l, dldy = SLP_LOSSES[prefix](g[f"{prefix}_y_tilde"], g["y"], errata)
    assert_close(l, g[f"{prefix}_L"][0, 0], label="L")
    assert_close(dldy, g[f"{prefix}_dldy"], label="dldy")
    assert_fc_backward(g, f"{prefix}_dldy", "x", "w", "b", f"{prefix}_y_tilde",
                       (f"{prefix}_dldx", f"{prefix}_dldw", f"{prefix}_dldb"))


def test_the_dual_euclidean_loss(case):
    l, dldy = dual_loss_euclidean(case["lin_y_tilde"], case["y"])
    assert_close(l, case["lin_L"][0, 0], label="L")
    assert_close(dldy, case["lin_dldy"], label="dldy")


@pytest.mark.parametrize("errata", ["keep", "fix"])
def test_mlp_layers(case, errata):
    g = case
    for got, name in zip(forward_pass(g["x"], g["w1"], g["b1"], g["w2"], g["b2"]),
                         ("a1", "f1", "a2")):
        assert_close(got, g[name], label=name)
    l, dlda2 = loss_cross_entropy_softmax(g["a2"], g["y"], errata)
    assert_close(l, g["mlp_L"][0, 0], label="L")
    assert_close(dlda2, g["dlda2"], label="dlda2")
    assert_fc_backward(g, "dlda2", "f1", "w2", "b2", "a2", ("dldf1", "dldw2", "dldb2"))
    assert_close(relu_backward(g["dldf1"], g["a1"], g["f1"]), g["dlda1"], label="dlda1")
    assert_fc_backward(g, "dlda1", "x", "w1", "b1", "a1", ("dldx1", "dldw1", "dldb1"))


def test_fc_weight_step_is_e3_as_written_and_corrected(case):
    for dldw, w, step in (("lin_dldw", "w", "lin_dLdw_step"), ("slp_dldw", "w", "slp_dLdw_step"),
                          ("dldw1", "w1", "dLdw1_step"), ("dldw2", "w2", "dLdw2_step")):
        shape = case[w].shape
        # exact: a reshape moves values, it computes nothing
        assert np.array_equal(fc_weight_step(case[dldw], shape, "keep"), case[step])
        assert np.array_equal(fc_weight_step(case[dldw], shape, "fix"), case[step + "_fixed"])


# ---- the loop bodies: what Train*.m adds for one image ---------------------------------------


def golden_step(case, model, errata):
    """(loss, the golden steps in forward_backward's order) of ``model`` for ``case``."""
    suffix = "" if errata == "keep" else "_fixed"
    prefix = {"slp_linear": "lin_", "slp": "slp_", "mlp": ""}[model]
    steps = []
    for name in MODELS[model][3]:
        if name.startswith("w"):
            steps.append(case[STEPS[model][name] + suffix])
        else:  # dLdb = dLdb + transpose(dldb)
            steps.append(case[f"{prefix}dldb" if name == "b" else f"dld{name}"].T)
    return case[f"{prefix}L" if model != "mlp" else "mlp_L"][0, 0], steps


def params_of(case, model):
    return [case[name] for name in MODELS[model][3]]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("errata", ["keep", "fix"])
def test_forward_backward_is_what_the_original_adds(case, model, errata):
    l, *steps = MODELS[model][0](case["x"], case["y"], *params_of(case, model), errata=errata)
    golden_l, golden_steps = golden_step(case, model, errata)
    assert_close(l, golden_l, label="loss")
    for got, golden, name in zip(steps, golden_steps, MODELS[model][3]):
        assert_close(got, golden, label=name)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mode", ["chain", "forward"])
def test_the_dual_twin_is_the_fixed_original(case, model, mode):
    twin = MODELS[model][1].GRADIENTS[mode]
    l, *steps = twin(case["x"], case["y"], *params_of(case, model), errata="fix")
    golden_l, golden_steps = golden_step(case, model, "fix")
    assert_close(l, golden_l, label="loss")
    for got, golden, name in zip(steps, golden_steps, MODELS[model][3]):
        assert_close(got, golden, label=name)


@pytest.mark.parametrize("model", MODELS)
def test_the_dual_twin_refuses_keep(model):
    with pytest.raises(ValueError, match="true derivatives"):
        MODELS[model][1].GRADIENTS["chain"](*[None] * (2 + len(MODELS[model][3])),
                                            errata="keep")


@pytest.mark.parametrize("model", MODELS)
def test_kept_weight_steps_are_the_true_ones_scrambled(case, model):
    _, *kept = MODELS[model][0](case["x"], case["y"], *params_of(case, model), errata="keep")
    _, *fixed = MODELS[model][0](case["x"], case["y"], *params_of(case, model), errata="fix")
    for k, f, name in zip(kept, fixed, MODELS[model][3]):
        # fix's log-softmax moves the softmax by an ulp or so: 1e-12 is far below the values
        # (~0.01..3) and far below E3's changes (of the values' size)
        if name.startswith("b"):  # biases are right in the original: the same numbers
            np.testing.assert_allclose(k, f, rtol=0, atol=1e-12, err_msg=name)
        else:  # the same values in other places
            np.testing.assert_allclose(np.sort(k, axis=None), np.sort(f, axis=None), rtol=0,
                                       atol=1e-12, err_msg=name)
            assert relative_error(k, f) > 0.5, name


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("errata", ["keep", "fix"])
def test_a_batch_is_the_sum_of_its_images(model, errata):
    x, y, params = random_case(model, seed=5, batch=6)
    l, *batch = MODELS[model][0](x, y, *params, errata=errata)
    per_image = [MODELS[model][0](x[:, [j]], y[:, [j]], *params, errata=errata) for j in range(6)]
    # sums of 6 terms in another order: a few ulp of the largest term
    assert abs(l - sum(p[0] for p in per_image)) <= 1e-12 * abs(l)
    for i, total in enumerate(batch):
        summed = sum(p[i + 1] for p in per_image)
        assert np.max(np.abs(total - summed)) <= 1e-12 * np.max(np.abs(summed))


# ---- 10,000 iterations of Train*.m ------------------------------------------------------------


def golden_training(model, errata):
    g = load(f"train_{model}" + ("" if errata == "keep" else "_fixed"))
    batches_x = [g["batches_x"][:, :, k] for k in range(g["batches_x"].shape[2])]
    batches_y = [g["batches_y"][:, :, k] for k in range(g["batches_y"].shape[2])]
    start = {"w": g["w0"]} if model != "mlp" else {"w1": g["w1_0"], "w2": g["w2_0"]}
    return batches_x, batches_y, start, [g[name] for name in MODELS[model][3]]


def assert_trained(trained, golden, model):
    for got, expected, name in zip(trained, golden, MODELS[model][3]):
        assert got.shape == expected.shape, name
        error = np.max(np.abs(got - expected)) / np.max(np.abs(expected))
        assert error <= TRAIN_REL_TOL, f"{name}: relative difference {error:.3g}"


DIVERGING_AS_WRITTEN = {"slp_linear", "slp"}
"""The perceptrons whose run as written (E3) diverges on the golden data, in Octave as here: the
linear SLP's weights grow without bound; the SLP's loss climbs to 10 times chance."""


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("errata", ["keep", "fix"])
def test_training_reproduces_the_original(model, errata):
    batches_x, batches_y, start, golden = golden_training(model, errata)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TrainingDivergedWarning)
        trained = MODELS[model][2](batches_x, batches_y, start=start, errata=errata, progress=False)
    assert len(trained.loss) == 10000
    assert_trained(trained.params.values(), golden, model)
    # a divergence of the original as written is said (once) and the run goes on, as Octave's
    said = [str(w.message) for w in caught if w.category is TrainingDivergedWarning]
    if errata == "keep" and model in DIVERGING_AS_WRITTEN:
        assert len(said) == 1 and said[0].startswith("training diverged at iteration"), said
    else:
        assert said == []


@pytest.mark.slow  # the dual FC backward costs ~0.3 ms an iteration: 2 to 5 s each (more on a
# loaded machine)
@pytest.mark.parametrize("model", MODELS)
def test_dual_training_is_the_fixed_original(model):
    batches_x, batches_y, start, golden = golden_training(model, "fix")
    train = getattr(MODELS[model][1], f"train_{model}")
    trained = train(batches_x, batches_y, start=start, progress=False)
    assert_trained(trained.params.values(), golden, model)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mode, iterations", [("chain", 300), ("forward", 3)])
def test_dual_training_follows_the_fixed_reference(model, mode, iterations):
    batches_x, batches_y, start, _ = golden_training(model, "fix")
    train = getattr(MODELS[model][1], f"train_{model}")
    got = train(batches_x, batches_y, start=start, iterations=iterations, mode=mode, progress=False)
    expected = MODELS[model][2](batches_x, batches_y, start=start, iterations=iterations,
                                errata="fix", progress=False)
    for g, e in zip((*got.params.values(), got.loss), (*expected.params.values(), expected.loss)):
        # weights and loss history
        # rounding only: ~1e-15 relative a step, grown over the steps (seen: 1e-14 at most)
        assert np.max(np.abs(g - e)) <= 1e-12 * np.max(np.abs(e))


def test_mlp_draws_w1_before_w2_in_column_major_order():
    w = initial_weights(np.random.default_rng(3))
    draws = np.random.default_rng(3).standard_normal(30 * 196 + 10 * 30)
    # exact: the same draws, only placed
    assert np.array_equal(w["w1"].ravel(order="F"), draws[:30 * 196])
    assert np.array_equal(w["w2"].ravel(order="F"), draws[30 * 196:])
    assert not w["b1"].any() and not w["b2"].any()


def test_the_rate_decays_at_every_thousandth_iteration():
    # a parameter whose gradient is always 1 (a batch of 1): after n steps it is -sum(gamma)
    def constant_gradient(x, y, p, errata):
        return 0.0, np.ones_like(p)

    # from 1e4: 1,500 down stays far from the divergence watch's hundredfold growth
    (p,), _ = mini_batch_descent([np.zeros((1, 1))], [np.zeros((10, 1))], [np.full(1, 1e4)],
                                 constant_gradient, iterations=2000, lr=1.0, decay=0.5,
                                 progress=False)
    # gamma 1 for iterations 1..999, 0.5 from the 1000th (its own step included), 0.25 at the
    # 2000th; exact: sums of multiples of 1/4 this small are exact in binary
    assert p[0] == 1e4 - (999 * 1.0 + 1000 * 0.5 + 0.25)


@pytest.mark.parametrize("model", MODELS)
def test_the_dual_training_refuses_keep(model):
    train = getattr(MODELS[model][1], f"train_{model}")
    with pytest.raises(ValueError, match="true derivatives"):
        train([], [], errata="keep")


# ---- the true gradients: finite differences and PyTorch ---------------------------------------


def random_case(model, seed, batch=3):
    """Random images in (0.05, 1), one-hot labels, N(0, 0.3^2) weights and non-zero biases: for
    the MLP no hidden pre-activation within 1e-3 of ReLU's kink (asserted)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 1.0, (196, batch))
    y = np.eye(10)[:, rng.integers(0, 10, batch)]
    shapes = {"w": (10, 196), "b": (10, 1), "w1": (30, 196), "b1": (30, 1), "w2": (10, 30),
              "b2": (10, 1)}
    params = [0.3 * rng.standard_normal(shapes[name]) for name in MODELS[model][3]]
    if model == "mlp":
        assert np.min(np.abs(fc(x, params[0], params[1]))) > 1e-3
    return x, y, params


def loss_of(model, x, y, params):
    return MODELS[model][0](x, y, *params, errata="fix")[0]


@pytest.mark.parametrize("model", MODELS)
def test_fixed_gradients_match_central_differences(model):
    x, y, params = random_case(model, seed=11)
    l, *gradients = MODELS[model][0](x, y, *params, errata="fix")
    rng = np.random.default_rng(0)
    for i, (p, g) in enumerate(zip(params, gradients)):
        indices = rng.choice(p.size, size=min(p.size, 30), replace=False)  # a fixed subset

        def f(value, i=i):
            return loss_of(model, x, y, [value if j == i else q for j, q in enumerate(params)])

        fd = finite_differences(f, p, indices)
        checked = g.ravel(order="F")[indices]
        expected = fd.ravel(order="F")[indices]
        floor = rounding_error(l) / FD_TOL
        assert relative_error(checked, expected, floor) <= FD_TOL, MODELS[model][3][i]


def torch_gradients(model, x, y, params):
    torch = pytest.importorskip("torch")
    leaves = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    xt, yt = torch.tensor(x), torch.tensor(y)
    if model == "mlp":
        scores = leaves[2] @ torch.relu(leaves[0] @ xt + leaves[1]) + leaves[3]
    else:
        scores = leaves[0] @ xt + leaves[1]
    if model == "slp_linear":
        loss = ((yt - scores) ** 2).sum()
    else:
        loss = -(yt * torch.log_softmax(scores, dim=0)).sum()
    loss.backward()
    return loss.item(), [leaf.grad.numpy() for leaf in leaves]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mode", ["reference", "chain", "forward"])
def test_fixed_gradients_match_torch_autograd(model, mode):
    x, y, params = random_case(model, seed=12, batch=5)
    torch_loss, expected = torch_gradients(model, x, y, params)
    gradient = MODELS[model][0] if mode == "reference" else MODELS[model][1].GRADIENTS[mode]
    l, *gradients = gradient(x, y, *params, errata="fix")
    assert abs(l - torch_loss) <= TORCH_TOL * abs(torch_loss)
    for g, t, name in zip(gradients, expected, MODELS[model][3]):
        assert relative_error(g, t) <= TORCH_TOL, name
