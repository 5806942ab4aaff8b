"""The training loop's watch for divergence (shared.divergence.DivergenceWatch), for every variant
and script: a run whose weights explode, or whose loss stays far above chance without coming
down, or becomes NaN or inf, stops with one line naming the iteration (a NaN before any step:
the starting weights'); a healthy run is not flagged; the original as written goes on, saying
so in one line."""

import json
import warnings

import numpy as np
import pytest

from conftest import assert_one_line_error, load_script, run_main
from dual.extensions.conv_kinds import widths
from mains.comparison import divergence_notes
from shared.divergence import CROSS_ENTROPY_CHANCE, DivergenceWatch
from shared.errors import NonFiniteStart, TrainingDiverged, TrainingDivergedWarning

main_cnn = load_script("main_cnn")
main_slp = load_script("main_slp")
main_mlp = load_script("main_mlp")
main_slp_linear = load_script("main_slp_linear")
compare_filters = load_script("compare_filters")

WINDOW = DivergenceWatch.WINDOW


# ---- the watch ----------------------------------------------------------------------------


def test_weights_grown_a_hundredfold_are_divergence():
    with DivergenceWatch([np.ones(10)]) as watch:  # root mean square 1
        watch.check_parameters(1, [np.full(10, 99.0)])  # within 100 times: goes on
        with pytest.raises(TrainingDiverged, match=r"at iteration 2 \(the weights' root mean "
                                                   r"square grew from 1 to 101.*--lr"):
            watch.check_parameters(2, [np.full(10, 101.0)])


def test_a_small_start_does_not_make_the_watch_too_strict():
    with DivergenceWatch([np.zeros(10)]) as watch:  # the start counts as at least 1
        watch.check_parameters(1, [np.full(10, 50.0)])


def feed(watch, per_image, first_iteration, batch_size=30):
    """WINDOW iterations whose summed loss of ``batch_size`` images is ``per_image`` each."""
    for i in range(first_iteration, first_iteration + WINDOW):
        watch.check(i, per_image * batch_size, batch_size)


def test_a_loss_far_above_chance_that_does_not_come_down_is_divergence():
    far = 15 * CROSS_ENTROPY_CHANCE  # above FAR_ABOVE_CHANCE = 10 times chance
    with DivergenceWatch([np.ones(3)]) as watch:
        feed(watch, far, 1)  # the first window: the start, judged by the next
        with pytest.raises(TrainingDiverged, match=rf"at iteration {2 * WINDOW} \(the loss per "
                                                   rf"image stayed at 34.5, 15 times chance"):
            feed(watch, far, WINDOW + 1)


def test_a_loss_far_above_chance_that_comes_down_is_not_divergence():
    with DivergenceWatch([np.ones(3)]) as watch:
        for k, times in enumerate([300, 100, 20, 12, 5, 8, 9]):  # falling; then below 10 times
            feed(watch, times * CROSS_ENTROPY_CHANCE, 1 + k * WINDOW)


def test_the_chance_is_the_models():
    # the linear SLP's Euclidean loss: a guess gives 0.9 per image, 10 times that is 9; 9.5 is
    # 4 times the cross-entropy's chance (2.3) but 11 times the Euclidean's
    with DivergenceWatch([np.ones(3)]) as watch:
        for k in range(3):
            feed(watch, 9.5, 1 + k * WINDOW)
    with DivergenceWatch([np.ones(3)], chance=0.9) as watch:
        feed(watch, 9.5, 1)
        with pytest.raises(TrainingDiverged, match=r"stayed at 9.5, 11 times chance \(0.9\)"):
            feed(watch, 9.5, WINDOW + 1)


@pytest.mark.parametrize("loss", [np.nan, np.inf, -np.inf])
def test_a_non_finite_loss_before_any_step_is_the_starting_weights_fault(loss):
    with DivergenceWatch([np.ones(3)]) as watch, pytest.raises(NonFiniteStart) as info:
        watch.check(1, loss)
    message = str(info.value)
    assert "at iteration 1, before any step was taken" in message
    assert "starting weights" in message and "--lr" not in message


def test_a_non_finite_loss_after_a_step_is_divergence():
    with DivergenceWatch([np.ones(3)]) as watch:
        watch.check(1, 10.0)
        watch.check_parameters(1, [np.ones(3)])
        with pytest.raises(TrainingDiverged, match=r"at iteration 2 \(the loss became nan\).*--lr"):
            watch.check(2, np.nan)


def test_an_overflow_a_layer_refuses_is_divergence_at_the_next_iteration():
    with pytest.raises(TrainingDiverged, match="at iteration 8 .*overflowed.*--lr"):
        with DivergenceWatch([np.ones(3)]) as watch:
            for iteration in range(1, 8):
                watch.check(iteration, 10.0)
                watch.check_parameters(iteration, [np.ones(3)])
            widths(np.array([[800.0], [1.0]]))  # exp(800) = inf


def test_an_overflow_before_any_step_is_the_starting_weights_fault():
    with pytest.raises(NonFiniteStart, match="overflowed.*starting weights"):
        with DivergenceWatch([np.ones(3)]):
            widths(np.array([[800.0], [1.0]]))


def test_non_finite_weights_after_a_step_are_divergence():
    with DivergenceWatch([np.ones(3)]) as watch:
        watch.check(1, 10.0)
        with pytest.raises(TrainingDiverged, match="at iteration 1 .*a weight became NaN or inf"):
            watch.check_parameters(1, [np.ones(3), np.array([1.0, np.inf])])


def test_the_original_as_written_warns_once_and_goes_on():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with DivergenceWatch([np.ones(3)], stop=False) as watch:
            for iteration in (1, 2, 3):
                watch.check_parameters(iteration, [np.full(3, 1e3 * iteration)])
            assert watch.diverged.startswith("training diverged at iteration 1 ")
            assert "errata keep" in watch.diverged and "--lr" not in watch.diverged
            with pytest.raises(TrainingDiverged, match="NaN or inf"):  # NaN still stops it
                watch.check_parameters(4, [np.full(3, np.nan)])
    assert [w.category for w in caught] == [TrainingDivergedWarning]


# ---- every script: the cases that exited 0 with an accuracy line --------------------------


@pytest.mark.parametrize("flags, words", [
    # loss 377 -> 450,000 at iteration 2 on the real data; the weights 1,700 times their start
    (["--activation", "sigmoid", "--lr", "1e4", "--errata", "fix", "--iterations", 30],
     ["at iteration 1 ", "root mean square"]),
    (["--activation", "study-sigmoid", "--lr", "1000", "--errata", "fix", "--iterations", 30],
     ["at iteration 1 ", "root mean square"]),
    (["--errata", "fix", "--lr", "1000", "--iterations", 30], ["at iteration 1 ",
                                                               "root mean square"]),
    # on these 90 images the weights grow 65 times and stay; the loss stays at 19 times chance
    # (on the real data the weights grow 2,000 times at iteration 2)
    (["--errata", "fix", "--lr", "100", "--iterations", 3 * WINDOW], ["loss per image"]),
    (["--lr", "100", "--iterations", 3 * WINDOW], ["loss per image"]),
], ids=lambda value: " ".join(map(str, value)) if len(value) > 2 else None)
def test_main_cnn_stops_a_diverged_run(flags, words, small_data_dir, tmp_path, capsys):
    out = tmp_path / "o"
    code, stdout, err = run_main(main_cnn, [*flags, "--data-dir", small_data_dir, "--out-dir",
                                            out, "--quiet"], capsys)
    assert_one_line_error(code, err, "error: training diverged", "--lr", *words)
    assert stdout == "" and not out.exists()  # no accuracy line, nothing written


@pytest.mark.parametrize("flags", [
    ["--errata", "fix"], ["--errata", "keep"], ["--variant", "dual"],
    ["--variant", "dual", "--grad-mode", "forward"], ["--conv", "volterra", "--errata", "fix"],
    ["--variant", "dual", "--conv", "gaussian"], ["--variant", "dual", "--activation", "sigmoid"],
], ids=lambda flags: " ".join(flags))
def test_every_variant_stops_a_diverging_run(flags, small_data_dir, tmp_path, capsys):
    # lr 1e15: the weights grow by orders of magnitude at the first step, or overflow
    out = tmp_path / "o"
    iterations = 3 if "forward" in flags else 100
    code, _, err = run_main(main_cnn, [*flags, "--lr", "1e15", "--iterations", iterations,
                                       "--data-dir", small_data_dir, "--out-dir", out, "--quiet"],
                            capsys)
    assert_one_line_error(code, err, "training diverged at iteration", "--lr")
    assert not out.exists()


@pytest.mark.parametrize("filters, lr", [("linear", "1000"), ("gaussian", "1e15")])
def test_compare_filters_stops_a_diverging_run(filters, lr, small_data_dir, tmp_path, capsys):
    # before: --lr 1000 averaged the diverged runs into filters.json
    out = tmp_path / "o"
    code, stdout, err = run_main(compare_filters, ["--filters", filters, "--seeds", 1, "--lr", lr,
                                                   "--iterations", 30, "--data-dir",
                                                   small_data_dir, "--out-dir", out, "--quiet"],
                                 capsys)
    assert_one_line_error(code, err, "training diverged at iteration")
    assert stdout == "" and not out.exists()


@pytest.mark.parametrize("script, flags", [
    (main_cnn, []), (main_cnn, ["--errata", "fix"]), (main_cnn, ["--variant", "dual"]),
    (main_slp, ["--errata", "fix"]), (main_mlp, []), (main_mlp, ["--errata", "fix"]),
    # these 90 random images are denser than MNIST's: 0.03 is too large a step for a linear
    # model of them (it diverges, and says so); a tenth of it trains
    (main_slp_linear, ["--errata", "fix", "--lr", "0.003"]),
], ids=lambda value: value.__name__ if hasattr(value, "__name__") else " ".join(value))
def test_a_healthy_run_is_not_flagged(script, flags, small_data_dir, tmp_path, capsys):
    code, stdout, err = run_main(script, [*flags, "--iterations", 3 * WINDOW, "--data-dir",
                                          small_data_dir, "--out-dir", tmp_path, "--quiet"],
                                 capsys)
    assert code == 0 and err == ""
    assert stdout.startswith("Accuracy: ")
    model = script.__name__.removeprefix("main_")
    assert json.loads((tmp_path / f"{model}_metrics.json").read_text())["diverged"] is None


@pytest.mark.parametrize("script", [main_slp_linear, main_slp], ids=lambda s: s.__name__)
def test_the_original_as_written_diverges_and_says_so_in_one_line(script, small_data_dir,
                                                                   tmp_path, capsys):
    # E3: the linear SLP's weights grow without bound, the SLP's loss climbs (in Octave too)
    code, stdout, err = run_main(script, ["--iterations", 5 * WINDOW, "--data-dir",
                                          small_data_dir, "--out-dir", tmp_path, "--quiet"],
                                 capsys)
    assert code == 0 and stdout.startswith("Accuracy: ")  # the original's run, reproduced
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: training diverged at iteration")
    assert "errata keep" in lines[0]
    model = script.__name__.removeprefix("main_")
    metrics = json.loads((tmp_path / f"{model}_metrics.json").read_text())
    assert lines[0] == f"warning: {metrics['diverged']}"


def test_compare_models_notes_the_runs_that_diverged_as_written():
    message = "training diverged at iteration 490 (...); as in the original as written ..."
    runs = [{"model": "slp_linear", "setting": "keep", "seed": seed,
             "diverged": message if seed else None} for seed in range(3)]
    runs += [{"model": "mlp", "setting": "keep", "seed": 0, "diverged": None}]
    assert divergence_notes(runs) == [
        f"note: slp_linear, errata keep: 2 of 3 runs diverged (seed 1: {message})"]


# ---- weights far beyond training's -----------------------------------------------------------


def test_a_non_finite_starting_loss_blames_the_weights(huge_weights, small_data_dir, tmp_path,
                                                       capsys):
    # as written, the softmax overflows at these weights: NaN at iteration 1 (before: "training
    # diverged at iteration 1 ...; try a smaller learning rate (--lr)")
    code, _, err = run_main(main_cnn, ["--weights", huge_weights, "--iterations", 5, "--data-dir",
                                       small_data_dir, "--out-dir", tmp_path / "o", "--quiet"],
                            capsys)
    assert_one_line_error(code, err, "the loss is nan at iteration 1, before any step",
                          "starting weights")
    assert "--lr" not in err


@pytest.mark.parametrize("variant, mode, errata", [("reference", None, "keep"),
                                                    ("reference", None, "fix"),
                                                    ("dual", "chain", "fix"),
                                                    ("dual", "forward", "fix")])
def test_the_original_network_is_one_network_among_others(variant, mode, errata):
    """The extensions' network with relu and the linear conv is the original: no fast path, and
    the same training and test loop, to the last bit, as the Train*.m mirror's own
    (reference.train_cnn / dual.train_cnn): the same operations in the same order."""
    from dual import train_cnn as dual_train
    from dual.extensions import network as dual_network
    from reference import train_cnn as reference_train
    from reference.extensions import network as reference_network
    from reference.main_cnn import predict

    rng = np.random.default_rng(3)
    batches_x = [rng.random((196, 5)) for _ in range(2)]
    batches_y = [np.eye(10)[:, rng.integers(0, 10, 5)] for _ in range(2)]
    network, mirror = ((reference_network, reference_train) if variant == "reference"
                       else (dual_network, dual_train))
    settings = {} if mode is None else {"mode": mode}
    through_network = network.train_cnn(batches_x, batches_y, iterations=4, lr=0.1, rng=7,
                                        errata=errata, progress=False, **settings)
    through_mirror = mirror.train_cnn(batches_x, batches_y, iterations=4, lr=0.1, rng=7,
                                      errata=errata, progress=False, **settings)
    assert list(through_network.params) == list(through_mirror.params)
    for name, value in through_mirror.params.items():
        np.testing.assert_array_equal(through_network.params[name], value, err_msg=name)
    np.testing.assert_array_equal(through_network.loss, through_mirror.loss)
    im = rng.random((196, 40))
    np.testing.assert_array_equal(network.predict(im, *through_mirror.params.values(), chunk=7),
                                  predict(im, *through_mirror.params.values(), chunk=7))
