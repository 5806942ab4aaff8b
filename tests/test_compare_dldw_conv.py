"""scripts/compare_dldw_conv.py: the study's question (dLdw_conv of one training sample) by
every method, its output formats, its verdict and exit code, and every bad input.

The script is run in-process (``main([...])``) like tests/test_main_cnn.py does. The matrices it
prints are checked against the gradients computed here from the data file directly, so a wrong
sample, scaling or weight source would show.
"""

import json

import numpy as np
import pytest
import scipy.io

from twins import reference
from conftest import assert_one_line_error, load_script, run_main, write_mnist
from shared.gradcheck import relative_error, rounding_error
from shared.weights import save_cnn_mat
from shared.torch_net import torch_available

compare = load_script("compare_dldw_conv")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHOULD_AGREE = ["reference, errata fixed", "dual, forward mode", "dual, chain mode", "PyTorch autograd"]
EXPECTED_TO_DIFFER = ["original (errata kept)", "study's dual recipe"]
FD = "finite differences"
ALL_METHODS = ["original (errata kept)", "reference, errata fixed", "dual, forward mode",
               "dual, chain mode", FD, "PyTorch autograd", "study's dual recipe"]
TRUE_GRADIENTS = ["reference, errata fixed", "dual, forward mode", "dual, chain mode",
                  "PyTorch autograd"]  # the same number computed four ways: equal to 1e-12
TOL = 1e-12  # ~1e-15 apart here; 1e-12 holds for any BLAS's or SIMD kernel's summation order
AGREEMENT_TOLERANCE = 1e-6  # the script's own threshold against finite differences (~1e-10 here)


# ---- helpers --------------------------------------------------------------------------------


def run(argv, capsys):
    """Run the script in-process; return (exit code, stdout, stderr)."""
    return run_main(compare, argv, capsys)


def run_json(argv, capsys):
    code, out, err = run(list(argv) + ["--format", "json"], capsys)
    return code, json.loads(out), err


def expected_methods(with_torch=None):
    with_torch = torch_available() if with_torch is None else with_torch
    return [m for m in ALL_METHODS if with_torch or m != "PyTorch autograd"]


def sample_inputs(data_dir, sample):
    """Image `sample` of im_train as the study takes it (14x14, /255) and its one-hot label,
    read here with scipy directly."""
    data = scipy.io.loadmat(data_dir / "mnist_train.mat")
    x = np.reshape(data["im_train"][:, sample].astype(float) / 255, (14, 14), order="F")
    label = int(np.ravel(data["label_train"])[sample])
    return x, np.eye(10)[:, [label]], label


def assert_nested_3x3x1x3(value, name):
    """A nested list (no flat list, no dict) of shape 3x3x1x3, every entry a finite number."""
    assert isinstance(value, list) and len(value) == 3, name
    for plane in value:
        assert isinstance(plane, list) and len(plane) == 3, name
        for column in plane:
            assert isinstance(column, list) and len(column) == 1, name
            assert isinstance(column[0], list) and len(column[0]) == 3, name
            assert all(isinstance(v, float) and np.isfinite(v) for v in column[0]), name


def assert_verdict(result, methods):
    """Should-agree methods within the tolerance of FD, the two others far off."""
    verdict = result["verdict"]
    assert set(verdict) == set(methods) - {FD}
    assert result["agreement_tolerance"] == AGREEMENT_TOLERANCE  # a constant copied: exact
    for name in SHOULD_AGREE:
        if name in methods:
            assert verdict[name]["should_agree"] is True, name
            assert verdict[name]["agrees"] is True, name
            assert verdict[name]["max_rel_diff_to_fd"] <= AGREEMENT_TOLERANCE, name
    for name in EXPECTED_TO_DIFFER:
        assert verdict[name]["should_agree"] is False, name
        assert verdict[name]["agrees"] is False, name
        assert verdict[name]["max_rel_diff_to_fd"] > 1e-2, name  # wrong, not slightly inexact


def assert_true_gradients_agree(matrices, expected_true, expected_kept):
    """The four true-gradient matrices equal each other and what is computed here, to 1e-12;
    the errata-kept one equals reference(errata="keep")."""
    for name in TRUE_GRADIENTS:
        if name in matrices:
            error = relative_error(matrices[name], expected_true)
            assert error <= TOL, f"{name}: relative difference {error:.3g}"
    assert relative_error(matrices["original (errata kept)"], expected_kept) <= TOL
    assert relative_error(matrices[FD], expected_true) <= AGREEMENT_TOLERANCE


# ---- with the real data ----------------------------------------------------------------------


def test_json_output(real_data_dir, capsys):
    code, result, err = run_json(["--data-dir", real_data_dir], capsys)
    assert code == 0, err
    assert err == ""
    methods = expected_methods()
    assert list(result["methods"]) == methods  # 7 names (6 without torch), in this order
    for name, value in result["methods"].items():
        assert_nested_3x3x1x3(value, name)
    assert_verdict(result, methods)

    x, y, label = sample_inputs(real_data_dir, 0)
    assert (result["sample"], result["label"], result["activation"]) == (0, label, "relu")
    assert result["weights"] == "N(0,1) draws, seed 0"
    matrices = {name: np.array(value) for name, value in result["methods"].items()}
    params = tuple(reference.initial_weights(0).values())
    assert_true_gradients_agree(
        matrices, reference.forward_backward(x, y, *params, errata="fix")[1],
        reference.forward_backward(x, y, *params, errata="keep")[1])
    # the errata are not a rounding matter: the original is far from the true gradient
    assert relative_error(matrices["original (errata kept)"], matrices["dual, chain mode"]) > 1e-2


@pytest.mark.parametrize("activation", ["study-sigmoid", "sigmoid", "relu"])
def test_json_for_another_sample_seed_and_activation(real_data_dir, capsys, activation):
    code, result, err = run_json(["--data-dir", real_data_dir, "--sample", 4321, "--seed", 2,
                                  "--activation", activation], capsys)
    assert code == 0, err
    assert list(result["methods"]) == expected_methods()
    assert_verdict(result, expected_methods())
    x, y, label = sample_inputs(real_data_dir, 4321)
    assert (result["sample"], result["label"], result["activation"]) == (4321, label, activation)
    params = tuple(reference.initial_weights(2).values())
    matrices = {name: np.array(value) for name, value in result["methods"].items()}
    assert_true_gradients_agree(
        matrices,
        reference.forward_backward(x, y, *params, errata="fix", activation=activation)[1],
        reference.forward_backward(x, y, *params, errata="keep", activation=activation)[1])


def test_markdown_lists_every_method(real_data_dir, capsys):
    code, out, err = run(["--data-dir", real_data_dir, "--format", "markdown"], capsys)
    assert code == 0, err
    assert out.startswith("**dLdw_conv of training sample 0 (label ")
    assert "| method | max rel. diff to FD | verdict |" in out
    for name in expected_methods():
        for k in (1, 2, 3):  # a row per filter
            assert f"| {name} | {k} | " in out, (name, k)
    for name in SHOULD_AGREE:
        if name in expected_methods():
            assert any(line.startswith(f"| {name} | ") and line.endswith(" | agrees |")
                       for line in out.splitlines()), name
    for name in EXPECTED_TO_DIFFER:
        assert any(line.startswith(f"| {name} | ") and "differs, as expected" in line
                   for line in out.splitlines()), name


def test_text_lists_every_method_and_plot_writes_a_png(real_data_dir, tmp_path, capsys):
    plot = tmp_path / "methods.png"
    code, out, err = run(["--data-dir", real_data_dir, "--plot", plot], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("dLdw_conv of training sample 0 (label ")
    assert "activation: relu" in lines[0]
    for name in expected_methods():
        assert any(line.startswith(name) for line in lines), name
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("method ")) + 1:]
    verdict_lines = {name: next(line for line in table if line.startswith(name))
                     for name in expected_methods() if name != FD}
    for name in SHOULD_AGREE:
        if name in expected_methods():
            assert verdict_lines[name].endswith("agrees"), verdict_lines[name]
    for name in EXPECTED_TO_DIFFER:
        assert "differs, as expected" in verdict_lines[name]
    assert plot.read_bytes()[:8] == PNG_SIGNATURE
    assert plot.stat().st_size > 5000  # a real figure, not an empty canvas
    assert [p.name for p in tmp_path.iterdir()] == ["methods.png"]  # no temporary file left


def test_weights_from_a_saved_cnn_mat(real_data_dir, tmp_path, capsys):
    rng = np.random.default_rng(11)
    weights = {"w_conv": 0.5 * rng.standard_normal((3, 3, 1, 3)),
               "b_conv": np.array([[0.1], [-0.2], [0.05]]),
               "w_fc": 0.1 * rng.standard_normal((10, 147)),
               "b_fc": 0.1 * rng.standard_normal((10, 1))}
    path = tmp_path / "cnn.mat"
    save_cnn_mat(path, **weights)
    code, result, err = run_json(["--data-dir", real_data_dir, "--sample", 7, "--weights", path,
                                  "--seed", 99], capsys)  # --seed is ignored with --weights
    assert code == 0, err
    assert result["weights"] == str(path)
    assert_verdict(result, expected_methods())
    x, y, _ = sample_inputs(real_data_dir, 7)
    params = tuple(weights[k] for k in ("w_conv", "b_conv", "w_fc", "b_fc"))
    matrices = {name: np.array(value) for name, value in result["methods"].items()}
    assert_true_gradients_agree(matrices, reference.forward_backward(x, y, *params, errata="fix")[1],
                                reference.forward_backward(x, y, *params, errata="keep")[1])


def test_without_torch_six_methods(real_data_dir, capsys, monkeypatch):
    monkeypatch.setattr(compare, "torch_available", lambda: False)
    code, result, err = run_json(["--data-dir", real_data_dir], capsys)
    assert code == 0, err
    assert list(result["methods"]) == expected_methods(with_torch=False)
    assert len(result["methods"]) == 6
    assert_verdict(result, expected_methods(with_torch=False))
    code, out, err = run(["--data-dir", real_data_dir], capsys)
    assert code == 0, err
    assert "PyTorch autograd" not in out
    assert "(PyTorch is not installed: its column is skipped)" in out


# ---- the exit code follows the verdict -------------------------------------------------------


def perturbing(monkeypatch, relative, names=("dual, chain mode",)):
    """Make the script's dldw_conv_by_method return its real matrices, with those of `names`
    moved by `relative` times their largest entry (one entry, so the scale is unchanged)."""
    original = compare.dldw_conv_by_method

    def perturbed(*args, **kwargs):
        methods = original(*args, **kwargs)
        for name in names:
            value = methods[name].copy()
            value.flat[np.argmax(np.abs(value))] *= 1 + relative
            methods[name] = value
        return methods

    monkeypatch.setattr(compare, "dldw_conv_by_method", perturbed)


def test_a_disagreeing_method_fails_the_run(real_data_dir, capsys, monkeypatch):
    perturbing(monkeypatch, 1e-3)
    code, out, err = run(["--data-dir", real_data_dir], capsys)
    assert code == 1
    assert_one_line_error(code, err, "dual, chain mode", "disagree", "1e-06")
    assert "dual, forward mode" not in err and "reference, errata fixed" not in err
    chain_line = [line for line in out.splitlines() if line.startswith("dual, chain mode")][-1]
    assert chain_line.endswith("DISAGREES (it should agree)"), chain_line

    code, result, err = run_json(["--data-dir", real_data_dir], capsys)
    assert code == 1
    assert_one_line_error(code, err, "dual, chain mode")
    chain = result["verdict"]["dual, chain mode"]
    assert chain["agrees"] is False and chain["should_agree"] is True
    assert 0.9e-3 < chain["max_rel_diff_to_fd"] < 1.1e-3
    assert result["verdict"]["dual, forward mode"]["agrees"] is True


def test_every_disagreeing_method_is_named(real_data_dir, capsys, monkeypatch):
    perturbing(monkeypatch, 1e-3, names=("dual, chain mode", "reference, errata fixed"))
    code, _, err = run(["--data-dir", real_data_dir, "--format", "markdown"], capsys)
    assert_one_line_error(code, err, "dual, chain mode", "reference, errata fixed")
    assert code == 1


def test_a_difference_within_the_tolerance_passes(real_data_dir, capsys, monkeypatch):
    perturbing(monkeypatch, 1e-8)
    code, result, err = run_json(["--data-dir", real_data_dir], capsys)
    assert code == 0 and err == ""
    assert 1e-9 < result["verdict"]["dual, chain mode"]["max_rel_diff_to_fd"] < AGREEMENT_TOLERANCE


# ---- bad input: one line on stderr -----------------------------------------------------------


def test_sample_past_the_end(small_data_dir, capsys):
    # the small data set has 90 training images: 0..89
    code, out, err = run(["--data-dir", small_data_dir, "--sample", 90], capsys)
    assert code == 1
    assert_one_line_error(code, err, "--sample 90", "89")
    assert out == ""


def test_sample_past_the_end_of_the_real_data(real_data_dir, capsys):
    code, out, err = run(["--data-dir", real_data_dir, "--sample", 12000], capsys)
    assert code == 1
    assert_one_line_error(code, err, "--sample 12000", "11999")
    assert out == ""


def test_the_last_sample_of_the_small_data_works(small_data_dir, capsys):
    code, result, err = run_json(["--data-dir", small_data_dir, "--sample", 89], capsys)
    assert code == 0, err
    assert result["sample"] == 89
    assert_verdict(result, expected_methods())


def test_missing_data_dir(tmp_path, capsys):
    code, out, err = run(["--data-dir", tmp_path / "nowhere"], capsys)
    assert code == 1
    assert_one_line_error(code, err, "mnist_train.mat", "get_data.py")
    assert out == ""


def test_missing_and_bad_weights_files(small_data_dir, tmp_path, capsys):
    code, out, err = run(["--data-dir", small_data_dir, "--weights", tmp_path / "none.mat"], capsys)
    assert code == 1
    assert_one_line_error(code, err, "none.mat")
    bad = tmp_path / "bad.mat"
    scipy.io.savemat(bad, {"w_conv": np.zeros((3, 3, 1, 3)), "b_conv": np.zeros((3, 1)),
                           "w_fc": np.zeros((10, 100)), "b_fc": np.zeros((10, 1))})
    code, out, err = run(["--data-dir", small_data_dir, "--weights", bad], capsys)
    assert code == 1
    assert_one_line_error(code, err, "w_fc", "10x147")
    assert out == ""


@pytest.mark.parametrize("argv, word", [
    (["--activation", "nope"], "--activation"),
    (["--format", "xml"], "--format"),
    (["--sample", "-1"], "--sample"),
    (["--sample", "first"], "--sample"),
    (["--seed", "1.5"], "--seed"),
])
def test_bad_arguments(argv, word, small_data_dir, capsys):
    code, out, err = run(argv + ["--data-dir", small_data_dir], capsys)
    assert code == 2
    assert_one_line_error(code, err, word)
    assert out == ""


def test_an_all_zero_image_agrees_within_the_finite_differences_noise(tmp_path, capsys):
    # dLdw_conv is exactly 0 there on any CPU: every patch of the image is 0, and products by 0
    # are exact. Finite differences give rounding noise: 3e-11 on one CPU, 0 on another, and
    # at most rounding_error of the loss, log 10 here (all scores are b_fc = 0), an upper bound
    data = write_mnist(tmp_path / "data", im_train=np.zeros((196, 90), np.uint8))
    code, result, err = run_json(["--data-dir", data], capsys)
    assert code == 0, err
    for name in TRUE_GRADIENTS:
        if name in result["methods"]:
            assert not np.any(result["methods"][name]), name
    assert np.max(np.abs(result["methods"][FD])) <= rounding_error(np.log(10))
    for name in SHOULD_AGREE:
        if name in result["verdict"]:
            assert result["verdict"][name]["agrees"] is True, name


def test_exact_zeros_agree_with_finite_differences_noise():
    # the case above with the noise one CPU gives put in by hand, so that it is judged on any CPU
    methods = {name: np.zeros((3, 3, 1, 3)) for name in ALL_METHODS}
    methods[FD] = np.full((3, 3, 1, 3), 3e-11)
    table = compare.verdict(methods, rounding_error(np.log(10)))
    assert all(table[name][2] for name in SHOULD_AGREE)  # within the floor: agrees
    table = compare.verdict(methods, 0.0)  # no floor: the noise taken for a gradient
    assert not any(table[name][2] for name in SHOULD_AGREE)


def test_relative_error_floor():
    assert relative_error([0.0], [3e-11]) == 1.0  # the fault: noise taken for a gradient
    assert relative_error([0.0], [3e-11], floor=1e-3) == pytest.approx(3e-8)
    assert relative_error([1.0], [2.0], floor=1e-3) == 0.5  # above the floor: unchanged


@pytest.mark.parametrize("argv, message", [
    (["--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
    (["--weights", ""], "argument --weights: must be a file or directory name, got ''"),
    (["--plot", "/"], "argument --plot: must name a file to write, got '/'"),
    (["--plot", "figures/"], "argument --plot: must name a file to write"),
])
def test_cryptic_arguments_now_name_the_flag(argv, message, small_data_dir, capsys):
    code, out, err = run(argv + ["--data-dir", small_data_dir], capsys)
    assert code == 2
    assert_one_line_error(code, err, message)
    assert out == ""


def test_a_plot_onto_a_directory_is_one_line(small_data_dir, tmp_path, capsys):
    code, out, err = run(["--data-dir", small_data_dir, "--plot", tmp_path], capsys)
    assert_one_line_error(code, err, f"cannot write {tmp_path}: it is a directory")


@pytest.mark.parametrize("activation", ["relu", "study-sigmoid"])
def test_nan_results_are_refused_in_one_line(activation, huge_weights, small_data_dir, capsys):
    # before: NaN columns judged "differs, as expected (errata E1/E2 of the original)", exit 0
    # (study-sigmoid) or 1, and numpy's RuntimeWarnings on stderr
    code, out, err = run(["--weights", huge_weights, "--activation", activation, "--data-dir",
                          small_data_dir], capsys)
    assert_one_line_error(code, err, f"NaN or inf at the weights of {huge_weights}, in "
                                     "original (errata kept)", "overflowed")
    assert out == ""
