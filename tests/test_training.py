"""The training loop's watch for divergence (shared.errors.DivergenceWatch), for every variant:
a run whose loss explodes, finite or not, stops with one line naming the iteration."""

import numpy as np
import pytest

from conftest import assert_one_line_error, load_script, run_main
from dual.extensions.conv_kinds import widths
from shared.errors import DivergenceWatch, TrainingDiverged

main_cnn = load_script("main_cnn")
compare_filters = load_script("compare_filters")


def test_a_loss_grown_by_six_orders_of_magnitude_is_divergence():
    with DivergenceWatch() as watch:
        assert watch.check(1, 120.0) == 120.0
        assert watch.check(2, 119.0 * 1e6) == 119.0 * 1e6  # within 1e6 times the first: goes on
        with pytest.raises(TrainingDiverged, match="at iteration 3"):
            watch.check(3, 121.0 * 1e6)


@pytest.mark.parametrize("loss", [np.nan, np.inf, -np.inf])
def test_a_non_finite_loss_is_divergence(loss):
    with DivergenceWatch() as watch, pytest.raises(TrainingDiverged, match="iteration 1"):
        watch.check(1, loss)


def test_a_small_first_loss_does_not_make_the_watch_too_strict():
    with DivergenceWatch() as watch:  # the first loss counts as at least 1
        watch.check(1, 1e-3)
        assert watch.check(2, 1e5) == 1e5


def test_an_overflow_a_layer_refuses_is_divergence_at_the_next_iteration():
    with pytest.raises(TrainingDiverged, match="at iteration 8 .*overflowed.*--lr"):
        with DivergenceWatch() as watch:
            for iteration in range(1, 8):
                watch.check(iteration, 10.0)
            widths(np.array([[800.0], [1.0]]))  # exp(800) = inf


def test_non_finite_weights_after_the_last_step_are_divergence():
    with DivergenceWatch() as watch:
        watch.check(1, 10.0)
        with pytest.raises(TrainingDiverged, match="weight"):
            watch.check_parameters(np.ones(3), np.array([1.0, np.inf]))


@pytest.mark.parametrize("flags", [
    ["--errata", "fix"], ["--errata", "keep"], ["--variant", "dual"],
    ["--variant", "dual", "--grad-mode", "forward"], ["--conv", "volterra", "--errata", "fix"],
    ["--variant", "dual", "--conv", "gaussian"], ["--variant", "dual", "--activation", "sigmoid"],
], ids=lambda flags: " ".join(flags))
def test_every_variant_stops_a_diverging_run(flags, small_data_dir, tmp_path, capsys):
    # lr 1e15: the loss grows to ~1e16 and stays finite (the case), or overflows
    out = tmp_path / "o"
    iterations = 3 if "forward" in flags else 100
    code, _, err = run_main(main_cnn, [*flags, "--lr", "1e15", "--iterations", iterations,
                                       "--data-dir", small_data_dir, "--out-dir", out, "--quiet"],
                            capsys)
    assert_one_line_error(code, err, "training diverged at iteration", "--lr")
    assert not out.exists()


def test_compare_filters_stops_a_diverging_run(small_data_dir, tmp_path, capsys):
    code, _, err = run_main(compare_filters, ["--filters", "gaussian", "--seeds", 1, "--lr", "1e15",
                                              "--iterations", 100, "--data-dir", small_data_dir,
                                              "--out-dir", tmp_path / "o", "--quiet"], capsys)
    assert_one_line_error(code, err, "training diverged at iteration")
