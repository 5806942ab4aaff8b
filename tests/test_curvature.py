"""scripts/curvature.py end to end on a small synthetic data set: what it reports, and bad input."""

import json
import math

import numpy as np
import pytest

from conftest import assert_one_line_error, load_script, run_main
from shared.errors import NotFinite
from shared.weights import save_cnn_mat

curvature = load_script("curvature")


def test_text_report(small_data_dir, tmp_path, capsys):
    code, out, err = run_main(curvature, ["--data-dir", small_data_dir, "--directions", "2",
                                          "--plot", tmp_path / "eigenvalues.png"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("TrainCNN's start (seed 0): summed loss")
    assert "conv block Hessian against Gauss-Newton" in out
    assert [line.split()[0] for line in lines[-4:]] == ["gradient", "damped", "damped", "damped"]
    assert (tmp_path / "eigenvalues.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_report_at_trained_weights(small_data_dir, tmp_path, capsys):
    rng = np.random.default_rng(5)
    weights = {"w_conv": rng.standard_normal((3, 3, 1, 3)), "b_conv": 0.1 * rng.standard_normal((3, 1)),
               "w_fc": rng.standard_normal((10, 147)), "b_fc": 0.1 * rng.standard_normal((10, 1))}
    save_cnn_mat(tmp_path / "cnn.mat", **weights)
    code, out, err = run_main(curvature, ["--data-dir", small_data_dir, "--weights",
                                          tmp_path / "cnn.mat", "--format", "json",
                                          "--damping", "1,100", "--batch-size", "10"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["batch_size"] == 10 and result["weights"].endswith("cnn.mat")
    assert result["conv_block_vs_gauss_newton"] <= 1e-12
    assert result["conv_block_symmetry"] <= 1e-14
    assert len(result["conv_block_eigenvalues"]) == 30
    assert min(result["conv_block_eigenvalues"]) >= -1e-12 * max(result["conv_block_eigenvalues"])
    assert [r["step"] for r in result["steps"]] == [
        "gradient step (gamma / B)", "damped Newton, lambda = 1", "damped Newton, lambda = 100"]
    assert len({r["loss_before"] for r in result["steps"]}) == 1
    assert result["curvature_along_gradient"] >= 0  # the loss is convex along its gradient here


def test_curvature_says_the_hessian_is_zero_instead_of_nan(huge_weights, small_data_dir, capsys):
    # the softmax saturates: the conv block's Hessian is exactly 0 (before: "symmetric to nan",
    # and RuntimeWarnings of 0/0)
    code, out, err = run_main(curvature, ["--weights", huge_weights, "--data-dir",
                                          small_data_dir, "--directions", 2], capsys)
    assert code == 0 and err == ""
    assert "the Hessian is 0 here" in out and "nan" not in out.lower()
    code, out, err = run_main(curvature, ["--weights", huge_weights, "--data-dir",
                                          small_data_dir, "--directions", 2, "--format", "json"],
                              capsys)
    assert code == 0 and err == ""
    result = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert result["conv_block_symmetry"] == 0 and result["conv_block_vs_gauss_newton"] == 0
    assert not any(result["conv_block_eigenvalues"])


def test_curvature_refuses_a_result_that_is_not_finite():
    result = {"loss": 1.0, "curvature_along_gradient": math.nan,
              "curvature_along_random_directions": [1.0], "conv_block_eigenvalues": [0.0],
              "conv_block_symmetry": 0.0, "conv_block_vs_gauss_newton": 0.0,
              "steps": [{"norm": 1.0, "loss_before": 1.0, "loss_after": math.inf}]}
    with pytest.raises(NotFinite, match="NaN or inf at the weights of w.mat, in the curvatures; "
                                        "the steps: a value overflowed"):
        curvature.check_result(result, "w.mat")


@pytest.mark.parametrize("argv, words", [
    (["--damping", "0,1"], ["--damping", "positive"]),
    (["--damping", "a"], ["--damping", "numbers"]),
    (["--sample", "89"], ["--sample 89", "past the last training image"]),
    (["--weights", "{tmp}/none.mat"], ["none.mat"]),
    # a typo that would run for years, Hessian-vector product after Hessian-vector product
    (["--directions", "100000000"], ["--directions: must be at most 10,000"]),
])
def test_bad_input_is_one_line(small_data_dir, tmp_path, capsys, argv, words):
    argv = [a.format(tmp=tmp_path) for a in argv] + ["--data-dir", small_data_dir]
    code, _, err = run_main(curvature, argv, capsys)
    assert_one_line_error(code, err, *words)


def test_missing_data_is_one_line(tmp_path, capsys):
    code, _, err = run_main(curvature, ["--data-dir", tmp_path], capsys)
    assert_one_line_error(code, err, "mnist_train.mat")
