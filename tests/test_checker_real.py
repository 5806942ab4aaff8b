"""The checker on three real students' MATLAB solutions (../shared/real_matlab, read only, never
copied into the project), held to what their README says is true of each function, made by
hand: correct, layout, unsupported where it says so; every bug wrong, for its reason.
Skips without the shared folders or without Octave."""

import contextlib
import io
import json

import pytest

from checker.layers import LEAKY, NO_BIAS
from checker.minibatch import ROW_CELLS
from checker.training import FIRST_ONLY
from conftest import ROOT, load_script

check_matlab = load_script("check_matlab")
REAL = ROOT.parent / "shared" / "real_matlab"

TRUTH = {  # folder -> function -> (status, words the note must hold); None: not scored
    "2021rahul+CSCI-5561_ComputerVision": {
        "Conv": ("correct", []),
        "Conv_backward": ("correct", ["dLdw is 3x3x1x3", "w_conv's own shape"]),
        "ReLu": ("correct", []),
        "ReLu_backward": ("correct", ["ReLU'(0) = 1"]),
        "Pool2x2": ("correct", []),
        "Pool2x2_backward": ("wrong", ["passes its whole gradient to every maximum"]),
        "Flattening": ("correct", []),
        "Flattening_backward": ("correct", []),
        "FC": ("correct", []),
        "FC_backward": ("layout", ["dLdw is 147x10"]),
        "Loss_cross_entropy_softmax": ("correct", []),
        "Loss_euclidean": ("correct", []),
        "GetMiniBatch": ("correct", [ROW_CELLS, "the remainder joins the last batch (31"]),
        "TrainSLP_linear": ("correct", ["learning rate"]),
        "TrainSLP": ("correct", ["learning rate 0.6 on the batch mean"]),
        "TrainMLP": ("correct", ["learning rate"]),
        "TrainCNN": ("correct", ["the checker's own Pool2x2_backward (yours is wrong)"]),
    },
    "FrankNULL+CSCI-5561-CV_HW": {
        "Conv": ("correct", []),
        "Conv_backward": ("correct", ["dLdw is 3x3x1x3"]),
        "ReLu": ("correct", []),
        "ReLu_backward": ("wrong", []),
        "Pool2x2": ("correct", []),
        "Pool2x2_backward": ("correct", []),
        "Flattening": ("correct", []),
        "Flattening_backward": ("correct", []),
        "FC": ("correct", []),
        "FC_backward": ("layout", ["takes dLdy as a 10x1 column"]),
        "Loss_cross_entropy_softmax": ("layout", ["dLdy is 10x1"]),  # softmax shimmed
        "Loss_euclidean": ("layout", ["dLdy is 10x1"]),
        "GetMiniBatch": ("wrong", ["the last, partial batch is left empty"]),
        "TrainSLP_linear": ("correct", []),
        "TrainSLP": ("correct", []),
        "TrainMLP": ("correct", ["the checker's own ReLu_backward (yours is wrong)"]),
        "TrainCNN": ("correct", ["the checker's own ReLu_backward (yours is wrong)"]),
    },
    "myatmo+Digit_Recognition": {
        "Conv": ("wrong", [NO_BIAS.format("b_conv")]),
        "Conv_backward": ("wrong", ["dLdw is 1x1"]),
        "ReLu": ("correct", [LEAKY, "slope 0.01"]),
        "ReLu_backward": ("wrong", []),
        "Pool2x2": ("correct", []),
        "Pool2x2_backward": ("wrong", []),
        "Flattening": ("correct", []),
        "Flattening_backward": ("wrong", []),
        "FC": ("correct", []),
        "FC_backward": ("layout", ["dLdw is 1x10x147"]),
        "Loss_cross_entropy_softmax": None,  # debatable: L = +sum(y log p), as the handout
        "Loss_euclidean": ("correct", []),
        "GetMiniBatch": ("wrong", ["the last batch is empty (30 divides 12000"]),
        "TrainSLP_linear": ("correct", []),
        "TrainSLP": ("correct", []),
        "TrainMLP": ("wrong", ["the hidden layer has 10 units", "a ReLU on the logits"]),
        "TrainCNN": ("wrong", ["w_conv is 3x3x3; the assignment's is 3x3x1x3"]),
    },
}


@pytest.fixture(scope="module", params=sorted(TRUTH))
def real_report(request, octave):
    folder = REAL / request.param
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (the shared test material)")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check_matlab.main([str(folder), "--format", "json", "--quiet"])
    return request.param, json.loads(out.getvalue())


def test_every_function_as_the_readme_says(real_report):
    name, report = real_report
    for function, truth in TRUTH[name].items():
        verdict = report["functions"][function]
        if truth is None:
            continue
        status, words = truth
        assert verdict["status"] == status, (function, verdict)
        for word in words:
            assert word in verdict["note"], (function, word, verdict["note"])


def test_no_trainer_is_refused_or_misread(real_report):
    """Every Train*.m gets a verdict on its own logic: none is an error, none trained only on
    its first mini-batch (a cell array misread), and a correct one says its learning rate."""
    _, report = real_report
    for function in ("TrainSLP_linear", "TrainSLP", "TrainMLP", "TrainCNN"):
        verdict = report["functions"][function]
        assert verdict["status"] in ("correct", "wrong"), (function, verdict)
        assert FIRST_ONLY not in verdict["note"]
        if verdict["status"] == "correct":
            assert "learning rate" in verdict["note"] and verdict["max_rel_error"] < 1e-6


def test_the_opposite_sign_of_a_loss_is_named(real_report):
    """myatmo's L = +sum(y log p), as the handout writes it: not scored, but named."""
    name, report = real_report
    if name.startswith("myatmo"):
        verdict = report["functions"]["Loss_cross_entropy_softmax"]
        assert verdict["note"] == "L has the opposite sign"
