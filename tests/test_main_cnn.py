"""scripts/main_cnn.py end to end: outputs and their contents, and every bad input."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import scipy.io

from conftest import DATA_DIR, ROOT, assert_one_line_error, load_script, run_main, write_mnist

main_cnn = load_script("main_cnn")
OUTPUTS = {"cnn.mat", "metrics.json", "loss.png", "confusion.png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(argv, capsys):
    """Run the script in-process; return (exit code, stdout, stderr)."""
    return run_main(main_cnn, argv, capsys)


def test_short_run_writes_the_four_outputs(real_data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run(["--iterations", 50, "--data-dir", real_data_dir, "--out-dir", out,
                           "--quiet", "--seed", 3], capsys)
    assert code == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS

    weights = scipy.io.loadmat(out / "cnn.mat")
    shapes = {k: weights[k].shape for k in ("w_conv", "b_conv", "w_fc", "b_fc")}
    assert shapes == {"w_conv": (3, 3, 1, 3), "b_conv": (3, 1), "w_fc": (10, 147), "b_fc": (10, 1)}

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["variant"] == "reference" and metrics["errata"] == "keep"
    assert (metrics["iterations"], metrics["batch_size"], metrics["lr"], metrics["seed"]) == (50, 30, 0.03, 3)
    confusion = np.array(metrics["confusion"])
    assert confusion.shape == (10, 10)
    np.testing.assert_allclose(confusion.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # 10 fractions summed: a few ulp
    assert 0 <= metrics["accuracy"] <= 1 and math.isfinite(metrics["final_loss"])
    assert metrics["training_seconds"] > 0
    assert f"Accuracy: {metrics['accuracy']:.4f}" in stdout
    for png in ("loss.png", "confusion.png"):
        assert (out / png).read_bytes()[:8] == PNG_SIGNATURE

    # The saved weights are the trained ones: evaluating them gives the same accuracy.
    code, stdout, _ = run(["--iterations", 0, "--weights", out / "cnn.mat", "--data-dir",
                           real_data_dir, "--out-dir", tmp_path / "eval", "--quiet"], capsys)
    assert code == 0
    # exact: the same weights (a .mat round trip of float64 is exact) and accuracy = count / n; a
    # last-bit difference in the scores could flip an argmax only at a tie within ~1e-16
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["accuracy"] == metrics["accuracy"]


def test_original_weights_reach_the_published_accuracy(real_data_dir, tmp_path, capsys):
    weights = DATA_DIR / "original_cnn.mat"
    if not weights.is_file():
        pytest.skip("data/original_cnn.mat (the original repository's Outputs/cnn.mat) is absent")
    code, stdout, _ = run(["--iterations", 0, "--weights", weights, "--data-dir", real_data_dir,
                           "--out-dir", tmp_path, "--quiet"], capsys)
    assert code == 0
    # exact on any BLAS and SIMD kernel: 1683 / 2000 is one correctly rounded division, the same
    # double as the literal, and the closest top-two probabilities are 2e-4 apart (rounding: 1e-16)
    assert json.loads((tmp_path / "metrics.json").read_text())["accuracy"] == 0.8415
    assert "Accuracy: 0.8415" in stdout
    assert not (tmp_path / "loss.png").exists()  # nothing was trained


def test_same_seed_same_weights(small_data_dir, tmp_path, capsys):
    for name in ("a", "b"):
        assert run(["--iterations", 5, "--data-dir", small_data_dir, "--out-dir", tmp_path / name,
                    "--quiet", "--seed", 7], capsys)[0] == 0
    a, b = (scipy.io.loadmat(tmp_path / n / "cnn.mat") for n in ("a", "b"))
    for k in ("w_conv", "b_conv", "w_fc", "b_fc"):
        # Bit-identical with this numpy and OpenBLAS, but not promised by every BLAS build (MKL
        # may reorder a sum with the data's alignment unless MKL_CBWR is set): rounding only.
        # Another seed, or a step that ignores it, moves the weights by more than 1e-3.
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-14)


BAD_DATA = {
    "missing file": (dict(label_test=None), "label_test"),
    "wrong variable name": (dict(im_train=None, images=np.zeros((196, 90), np.uint8)), "im_train"),
    "wrong shape": (dict(im_train=np.zeros((195, 90), np.uint8)), "196"),
    "label outside 0..9": (dict(label_train=np.full((1, 90), 10, np.uint8)), "0..9"),
    "NaN image": (dict(im_test=np.full((196, 40), np.nan)), "NaN"),
    "N mismatch": (dict(label_train=np.zeros((1, 89), np.uint8)), "89"),
}


@pytest.mark.parametrize("case", BAD_DATA)
def test_bad_data_is_one_line_and_writes_nothing(case, tmp_path, capsys):
    overrides, word = BAD_DATA[case]
    data = write_mnist(tmp_path / "data", **overrides)
    out = tmp_path / "out"
    code, _, err = run(["--iterations", 2, "--data-dir", data, "--out-dir", out], capsys)
    assert_one_line_error(code, err, word)
    assert not out.exists() or not any(out.iterdir())


def test_missing_and_unreadable_data_files(tmp_path, capsys):
    code, _, err = run(["--data-dir", tmp_path / "nowhere", "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, "mnist_train.mat", "get_data.py")
    data = write_mnist(tmp_path / "data")
    (data / "mnist_test.mat").write_bytes(b"this is not a MATLAB file")
    code, _, err = run(["--data-dir", data, "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, "mnist_test.mat")


@pytest.mark.parametrize("argv, word", [
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-3"], "--batch-size"),
    (["--iterations", "-1"], "--iterations"),
    (["--lr", "0"], "--lr"),
    (["--lr", "-0.1"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--variant", "quantum"], "--variant"),
    (["--errata", "maybe"], "--errata"),
])
def test_bad_arguments_are_one_line(argv, word, small_data_dir, tmp_path, capsys):
    code, _, err = run(argv + ["--data-dir", small_data_dir, "--out-dir", tmp_path / "o"], capsys)
    assert code == 2
    assert_one_line_error(code, err, word)
    assert not (tmp_path / "o").exists()


def test_weights_with_wrong_shapes(small_data_dir, tmp_path, capsys):
    bad = tmp_path / "bad.mat"
    scipy.io.savemat(bad, {"w_conv": np.zeros((3, 3, 1, 3)), "b_conv": np.zeros((3, 1)),
                           "w_fc": np.zeros((10, 100)), "b_fc": np.zeros((10, 1))})
    out = tmp_path / "o"
    code, _, err = run(["--weights", bad, "--data-dir", small_data_dir, "--out-dir", out], capsys)
    assert_one_line_error(code, err, "w_fc", "10x147")
    assert not any(out.iterdir())


def test_unwritable_out_dir(small_data_dir, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    code, _, err = run(["--iterations", 1, "--data-dir", small_data_dir, "--out-dir",
                        blocker / "out"], capsys)
    assert_one_line_error(code, err, "output directory")


def test_divergence_stops_with_the_iteration_and_writes_nothing(small_data_dir, tmp_path, capsys):
    out = tmp_path / "o"
    code, _, err = run(["--lr", "1e4", "--iterations", 200, "--data-dir", small_data_dir,
                        "--out-dir", out, "--quiet"], capsys)
    assert_one_line_error(code, err, "diverged", "iteration")
    assert not any(out.iterdir())


def test_as_a_process_help_and_error_exit_codes(tmp_path):
    script = str(ROOT / "scripts" / "main_cnn.py")
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert shown.returncode == 0
    for flag in ("--variant", "--iterations", "--batch-size", "--lr", "--seed", "--errata",
                 "--data-dir", "--out-dir", "--weights", "--quiet"):
        assert flag in shown.stdout
    failed = subprocess.run([sys.executable, script, "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stderr.startswith("error:") and "Traceback" not in failed.stderr


def test_dual_variant_trains_the_same_weights_as_the_fixed_reference(small_data_dir, tmp_path,
                                                                      capsys):
    common = ["--iterations", 6, "--data-dir", small_data_dir, "--quiet", "--seed", 2,
              "--activation", "sigmoid"]
    assert run(common + ["--variant", "dual", "--out-dir", tmp_path / "d"], capsys)[0] == 0
    assert run(common + ["--errata", "fix", "--out-dir", tmp_path / "r"], capsys)[0] == 0
    d, r = (scipy.io.loadmat(tmp_path / n / "cnn.mat") for n in ("d", "r"))
    for k in ("w_conv", "b_conv", "w_fc", "b_fc"):
        # the same gradients from dual numbers and by hand: rounding over 6 steps, ~1e-15 here
        np.testing.assert_allclose(d[k], r[k], rtol=1e-12, atol=1e-14)
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert (metrics["variant"], metrics["grad_mode"], metrics["errata"], metrics["activation"]) == (
        "dual", "chain", "fix", "sigmoid")
    reference_metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert reference_metrics["grad_mode"] == "hand-derived backward"


def test_dual_forward_mode_from_the_command_line(small_data_dir, tmp_path, capsys):
    code, _, _ = run(["--variant", "dual", "--grad-mode", "forward", "--iterations", 1,
                      "--data-dir", small_data_dir, "--out-dir", tmp_path, "--quiet"], capsys)
    assert code == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["grad_mode"] == "forward"


@pytest.mark.parametrize("argv, words", [
    (["--variant", "dual", "--errata", "keep"], ("dual", "keep")),
    (["--variant", "reference", "--grad-mode", "chain"], ("--grad-mode",)),
])
def test_flags_that_do_not_fit_the_variant(argv, words, small_data_dir, tmp_path, capsys):
    code, _, err = run(argv + ["--data-dir", small_data_dir, "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, *words)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("variant, conv, extras", [
    ("reference", "volterra", {"w2_conv": (9, 9, 3)}),
    ("dual", "volterra", {"w2_conv": (9, 9, 3)}),
    ("dual", "gaussian", {"log_gamma_conv": (3, 1), "gamma_conv": (3, 1)}),
])
def test_non_linear_filters_train_and_save_their_weights(variant, conv, extras, small_data_dir,
                                                         tmp_path, capsys):
    code, _, _ = run(["--variant", variant, "--conv", conv, "--iterations", 3, "--data-dir",
                      small_data_dir, "--out-dir", tmp_path, "--quiet"], capsys)
    assert code == 0
    saved = scipy.io.loadmat(tmp_path / "cnn.mat")
    assert {k: saved[k].shape for k in extras} == extras
    if "gamma_conv" in extras:
        # np.exp of the same values; another layout may take another SIMD loop: a few ulp
        np.testing.assert_allclose(saved["gamma_conv"], np.exp(saved["log_gamma_conv"]),
                                   rtol=4 * np.finfo(float).eps)
    assert json.loads((tmp_path / "metrics.json").read_text())["conv"] == conv
    # the saved file starts a new run (evaluation only) with the same accuracy
    code, _, _ = run(["--variant", variant, "--conv", conv, "--iterations", 0, "--weights",
                      tmp_path / "cnn.mat", "--data-dir", small_data_dir, "--out-dir",
                      tmp_path / "again", "--quiet"], capsys)
    assert code == 0
    first, again = (json.loads((d / "metrics.json").read_text())["accuracy"]
                    for d in (tmp_path, tmp_path / "again"))
    assert first == again  # the same weights, accuracy = count / n: exact (see above)


@pytest.mark.parametrize("argv, words", [
    (["--conv", "gaussian"], ("gaussian", "--variant dual")),
    (["--variant", "dual", "--conv", "volterra", "--weights", "LINEAR"], ("w2_conv",)),
    (["--variant", "dual", "--conv", "gaussian", "--weights", "BAD_GAMMA"], ("gamma_conv", "positive")),
])
def test_conv_errors(argv, words, small_data_dir, tmp_path, capsys):
    files = {"LINEAR": {}, "BAD_GAMMA": {"gamma_conv": np.array([[1.0], [0.0], [2.0]])}}
    argv = list(argv)
    if "--weights" in argv:
        name = argv[argv.index("--weights") + 1]
        path = tmp_path / f"{name}.mat"
        scipy.io.savemat(path, {"w_conv": np.zeros((3, 3, 1, 3)), "b_conv": np.zeros((3, 1)),
                                "w_fc": np.zeros((10, 147)), "b_fc": np.zeros((10, 1)), **files[name]})
        argv[argv.index("--weights") + 1] = path
    code, _, err = run(argv + ["--data-dir", small_data_dir, "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, *words)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("variant", ["reference", "dual"])
def test_loop_form_conv_trains_the_same_weights(variant, small_data_dir, tmp_path, capsys):
    common = ["--variant", variant, "--iterations", 4, "--data-dir", small_data_dir, "--quiet"]
    if variant == "reference":
        common += ["--errata", "fix"]
    for impl in ("im2col", "loops"):
        assert run(common + ["--conv-impl", impl, "--out-dir", tmp_path / impl], capsys)[0] == 0
    a, b = (scipy.io.loadmat(tmp_path / n / "cnn.mat") for n in ("im2col", "loops"))
    for k in ("w_conv", "b_conv", "w_fc", "b_fc"):
        # the same convolution summed in another order: rounding over 4 steps
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-14)
    assert json.loads((tmp_path / "loops" / "metrics.json").read_text())["conv_impl"] == "loops"


def test_loop_form_is_for_the_linear_conv_only(small_data_dir, tmp_path, capsys):
    code, _, err = run(["--variant", "dual", "--conv", "gaussian", "--conv-impl", "loops",
                        "--data-dir", small_data_dir, "--out-dir", tmp_path], capsys)
    assert_one_line_error(code, err, "loops", "gaussian")
