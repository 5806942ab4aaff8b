"""scripts/main_cnn.py end to end: outputs and their contents, and every bad input."""

import errno
import json
import math
import os
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.io

from conftest import (DATA_DIR, ROOT, assert_one_line_error, fifo_at, load_script, run_main,
                      write_mnist)
from mains.pipeline import CnnModel, Model, Perceptron, RunConfig, perceptron
from shared.errors import CnnDualError

main_cnn = load_script("main_cnn")
OUTPUTS = {"cnn.mat", "cnn_metrics.json", "cnn_loss.png", "cnn_confusion.png"}
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

    metrics = json.loads((out / "cnn_metrics.json").read_text())
    assert metrics["variant"] == "reference" and metrics["errata"] == "keep"
    assert (metrics["iterations"], metrics["batch_size"], metrics["lr"], metrics["seed"]) == (50, 30, 0.03, 3)
    confusion = np.array(metrics["confusion"])
    assert confusion.shape == (10, 10)
    np.testing.assert_allclose(confusion.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # 10 fractions summed: a few ulp
    assert 0 <= metrics["accuracy"] <= 1 and math.isfinite(metrics["final_loss"])
    assert metrics["training_seconds"] > 0
    assert f"Accuracy: {metrics['accuracy']:.4f}" in stdout
    for png in ("cnn_loss.png", "cnn_confusion.png"):
        assert (out / png).read_bytes()[:8] == PNG_SIGNATURE

    # The saved weights are the trained ones: evaluating them gives the same accuracy.
    code, stdout, _ = run(["--iterations", 0, "--weights", out / "cnn.mat", "--data-dir",
                           real_data_dir, "--out-dir", tmp_path / "eval", "--quiet"], capsys)
    assert code == 0
    # exact: the same weights (a .mat round trip of float64 is exact) and accuracy = count / n; a
    # last-bit difference in the scores could flip an argmax only at a tie within ~1e-16
    assert json.loads((tmp_path / "eval" / "cnn_metrics.json").read_text())["accuracy"] == metrics["accuracy"]


def test_original_weights_reach_the_published_accuracy(real_data_dir, tmp_path, capsys):
    weights = DATA_DIR / "original_cnn.mat"
    if not weights.is_file():
        pytest.skip("data/original_cnn.mat (the original repository's Outputs/cnn.mat) is absent")
    code, stdout, _ = run(["--iterations", 0, "--weights", weights, "--data-dir", real_data_dir,
                           "--out-dir", tmp_path, "--quiet"], capsys)
    assert code == 0
    # exact on any BLAS and SIMD kernel: 1683 / 2000 is one correctly rounded division, the same
    # double as the literal, and the closest top-two probabilities are 2e-4 apart (rounding: 1e-16)
    assert json.loads((tmp_path / "cnn_metrics.json").read_text())["accuracy"] == 0.8415
    assert "Accuracy: 0.8415" in stdout
    assert not (tmp_path / "cnn_loss.png").exists()  # nothing was trained


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
    assert not out.exists()  # not even an empty folder


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
    assert not out.exists()


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
    assert not out.exists()


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
    metrics = json.loads((tmp_path / "d" / "cnn_metrics.json").read_text())
    assert (metrics["variant"], metrics["grad_mode"], metrics["errata"], metrics["activation"]) == (
        "dual", "chain", "fix", "sigmoid")
    reference_metrics = json.loads((tmp_path / "r" / "cnn_metrics.json").read_text())
    assert reference_metrics["grad_mode"] == "hand-derived backward"


def test_dual_forward_mode_from_the_command_line(small_data_dir, tmp_path, capsys):
    code, _, _ = run(["--variant", "dual", "--grad-mode", "forward", "--iterations", 1,
                      "--data-dir", small_data_dir, "--out-dir", tmp_path, "--quiet"], capsys)
    assert code == 0
    assert json.loads((tmp_path / "cnn_metrics.json").read_text())["grad_mode"] == "forward"


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
    assert json.loads((tmp_path / "cnn_metrics.json").read_text())["conv"] == conv
    # the saved file starts a new run (evaluation only) with the same accuracy
    code, _, _ = run(["--variant", variant, "--conv", conv, "--iterations", 0, "--weights",
                      tmp_path / "cnn.mat", "--data-dir", small_data_dir, "--out-dir",
                      tmp_path / "again", "--quiet"], capsys)
    assert code == 0
    first, again = (json.loads((d / "cnn_metrics.json").read_text())["accuracy"]
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
    assert not (tmp_path / "o").exists()


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
    assert json.loads((tmp_path / "loops" / "cnn_metrics.json").read_text())["conv_impl"] == "loops"


def test_loop_form_is_for_the_linear_conv_only(small_data_dir, tmp_path, capsys):
    code, _, err = run(["--variant", "dual", "--conv", "gaussian", "--conv-impl", "loops",
                        "--data-dir", small_data_dir, "--out-dir", tmp_path], capsys)
    assert_one_line_error(code, err, "loops", "gaussian")


# ---- issue 10: bad input refused in one line, outputs all or nothing ------------------------


def volterra_weights(tmp_path, w2_conv):
    path = tmp_path / "volterra.mat"
    scipy.io.savemat(path, {"w_conv": np.zeros((3, 3, 1, 3)), "b_conv": np.zeros((3, 1)),
                            "w_fc": np.zeros((10, 147)), "b_fc": np.zeros((10, 1)),
                            "w2_conv": w2_conv})
    return path


@pytest.mark.parametrize("w2_conv, words", [
    (np.full((9, 9, 3), np.nan), ("w2_conv", "NaN")),
    (np.full((9, 9, 3), 1 + 1j), ("w2_conv", "real numeric", "complex")),
    (np.full((9, 9, 3), 1e200), ("w2_conv", "limit")),
    (np.zeros((9, 9, 2)), ("w2_conv", "9x9x3", "9x9x2")),
    ("hello", ("w2_conv", "real numeric", "<U5")),
])
def test_bad_extra_weights_are_refused(w2_conv, words, small_data_dir, tmp_path, capsys):
    weights = volterra_weights(tmp_path, w2_conv)
    out = tmp_path / "o"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning or RuntimeWarning on the way
        code, _, err = run(["--conv", "volterra", "--iterations", 0, "--weights", weights,
                            "--data-dir", small_data_dir, "--out-dir", out, "--quiet"], capsys)
    assert_one_line_error(code, err, str(weights), *words)
    assert not out.exists()


def test_images_already_divided_by_255_are_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = write_mnist(tmp_path / "data", im_train=rng.integers(0, 256, (196, 90)) / 255)
    code, _, err = run(["--iterations", 2, "--data-dir", data, "--out-dir", tmp_path / "o"],
                       capsys)
    assert_one_line_error(code, err, "im_train", "divided by 255", "0..255", "mnist_train.mat")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("argv, message", [
    (["--iterations", "1000000000000000"],
     "argument --iterations: must be at most 10,000,000"),
    (["--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
    (["--weights", ""], "argument --weights: must be a file or directory name, got ''"),
    (["--out-dir", ""], "argument --out-dir: must be a file or directory name"),
    (["--data-dir", " "], "argument --data-dir: must be a file or directory name"),
])
def test_arguments_are_refused_naming_the_flag(argv, message, small_data_dir, tmp_path, capsys):
    defaults = {"--data-dir": small_data_dir, "--out-dir": tmp_path / "o"}
    for flag, value in defaults.items():
        if flag not in argv:
            argv = argv + [flag, value]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert_one_line_error(code, err, message)
    assert not (tmp_path / "o").exists()


def test_a_directory_as_weights_is_one_line(small_data_dir, tmp_path, capsys):
    code, _, err = run(["--weights", tmp_path, "--data-dir", small_data_dir, "--out-dir",
                        tmp_path / "o"], capsys)
    assert_one_line_error(code, err, str(tmp_path), "is a directory")


@pytest.mark.parametrize("which", ["--weights", "--data-dir"])
def test_a_fifo_as_weights_or_data_is_one_line_not_a_hang(which, small_data_dir, tmp_path,
                                                           capsys):
    data = small_data_dir
    if which == "--data-dir":  # a data folder whose mnist_train.mat is a FIFO
        data = tmp_path / "fifo_data"
        data.mkdir()
        (data / "mnist_test.mat").write_bytes((small_data_dir / "mnist_test.mat").read_bytes())
    with fifo_at(data / "mnist_train.mat" if which == "--data-dir"
                 else tmp_path / "cnn.mat") as fifo:
        weights = ["--weights", fifo] if which == "--weights" else []
        code, _, err = run([*weights, "--iterations", 0, "--data-dir", data, "--out-dir",
                            tmp_path / "o"], capsys)
    assert_one_line_error(code, err, str(fifo), "is a FIFO (named pipe)")
    assert not (tmp_path / "o").exists()


def earlier_run(out):
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out / name).write_bytes(b"earlier " + name.encode())


def test_evaluation_only_removes_the_earlier_runs_loss_plot(small_data_dir, tmp_path, capsys):
    trained = tmp_path / "trained"
    assert run(["--iterations", 3, "--data-dir", small_data_dir, "--out-dir", trained,
                "--quiet"], capsys)[0] == 0
    assert run(["--iterations", 0, "--weights", trained / "cnn.mat", "--data-dir",
                small_data_dir, "--out-dir", trained, "--quiet"], capsys)[0] == 0
    assert {p.name for p in trained.iterdir()} == OUTPUTS - {"cnn_loss.png"}
    assert json.loads((trained / "cnn_metrics.json").read_text())["iterations"] == 0


def test_sigterm_while_writing_leaves_the_earlier_outputs(small_data_dir, tmp_path, capsys,
                                                          monkeypatch):
    import mains.pipeline

    out = tmp_path / "o"
    earlier_run(out)
    real_plot = mains.pipeline.plot_confusion

    def plot_then_terminated(*args, **kwargs):  # as `kill <pid>` in the middle of the writes
        real_plot(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(mains.pipeline, "plot_confusion", plot_then_terminated)
    before = signal.getsignal(signal.SIGTERM)
    code, _, err = run(["--iterations", 2, "--data-dir", small_data_dir, "--out-dir", out,
                        "--quiet"], capsys)
    assert code == 128 + signal.SIGTERM
    assert_one_line_error(code, err, "terminated; nothing was written")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        name: b"earlier " + name.encode() for name in OUTPUTS}  # no staging folder either
    assert signal.getsignal(signal.SIGTERM) is before  # run_cli restored the handler


def test_a_stale_staging_folder_is_removed(small_data_dir, tmp_path, capsys):
    out = tmp_path / "o"
    stale = out / ".staging-999999999-abcdefgh"  # of a run killed while writing
    stale.mkdir(parents=True)
    (stale / "cnn.mat").write_bytes(b"finished, never moved")
    assert run(["--iterations", 1, "--data-dir", small_data_dir, "--out-dir", out, "--quiet"],
               capsys)[0] == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS


def test_a_full_disk_names_the_file_and_keeps_the_earlier_outputs(small_data_dir, tmp_path,
                                                                   capsys, monkeypatch):
    out = tmp_path / "o"
    earlier_run(out)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("shared.file_set.os.fsync", full)
    code, _, err = run(["--iterations", 1, "--data-dir", small_data_dir, "--out-dir", out,
                        "--quiet"], capsys)
    assert_one_line_error(code, err, f"cannot write {out / 'cnn.mat'}: No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        name: b"earlier " + name.encode() for name in OUTPUTS}


def test_a_failing_run_leaves_no_out_dir_and_the_hint_works_from_the_cwd(tmp_path, capsys,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the project: the hint names the script by its full path
    code, _, err = run(["--iterations", 1], capsys)
    assert_one_line_error(code, err, f"python {ROOT / 'scripts' / 'get_data.py'} --data-dir data")
    assert list(tmp_path.iterdir()) == []  # no outputs/ created
    monkeypatch.chdir(ROOT)  # in the project: relative, as a user would type it
    code, _, err = run(["--iterations", 1, "--data-dir", tmp_path / "none"], capsys)
    assert_one_line_error(code, err, f"python scripts/get_data.py --data-dir {tmp_path / 'none'}")


def test_a_cnn_model_is_checked_when_built():
    """was: CnnModel(network module) took anything, and run_main's model.check(config) later
    set its kind and config on it; the perceptrons refused RunConfig's CNN fields."""
    with pytest.raises(CnnDualError, match="the reference variant has no 'gaussian' conv layer"):
        CnnModel("reference", conv="gaussian")
    with pytest.raises(CnnDualError, match="the volterra conv has no loop form"):
        CnnModel("dual", conv="volterra", conv_impl="loops")
    with pytest.raises(ValueError, match="activation must be one of 'relu', "):
        CnnModel("dual", activation="tanh")
    model = CnnModel("dual", activation="sigmoid", conv="volterra")
    assert model.settings(None) == {"activation": "sigmoid", "conv": "volterra",
                                    "conv_impl": "im2col"}
    assert not hasattr(CnnModel, "check") and not hasattr(Perceptron, "check")
    assert not {"activation", "conv", "conv_impl"} & set(RunConfig.__dataclass_fields__)


def test_a_model_is_chosen_by_name_and_variant_in_one_place():
    """mains.pipeline.model: the CNN's network class follows the variant; a perceptron refuses
    the CNN's settings; an unknown model is named."""
    from dual.extensions.network import DualNetwork
    from mains.pipeline import MODELS, model
    from reference.extensions.network import Network
    assert MODELS == ("slp_linear", "slp", "mlp", "cnn")
    assert type(model("cnn").network) is Network
    assert type(model("cnn", "dual", conv="gaussian").network) is DualNetwork
    assert model("mlp", "dual").train_function.__module__ == "dual.train_mlp"
    with pytest.raises(CnnDualError, match="main_slp.m's model has no setting activation"):
        model("slp", activation="sigmoid")
    with pytest.raises(ValueError, match="model must be one of 'slp_linear', "):
        model("rnn")


def test_every_model_has_the_one_protocol():
    # was: CnnModel and Perceptron implemented the same members with nothing saying so
    for model in (CnnModel("dual"), perceptron("slp"), perceptron("mlp", "dual")):
        assert isinstance(model, Model)
