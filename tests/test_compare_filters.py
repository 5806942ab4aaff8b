"""scripts/compare_filters.py: a short run of every filter kind writes a table, JSON and a figure."""

import json

import numpy as np
import pytest

from conftest import assert_one_line_error, load_script

compare_filters = load_script("compare_filters")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_short_comparison_of_the_three_filter_kinds(small_data_dir, tmp_path, capsys):
    code = compare_filters.main(["--seeds", "2", "--iterations", "3", "--data-dir",
                                 str(small_data_dir), "--out-dir", str(tmp_path), "--quiet"])
    assert code == 0
    table = capsys.readouterr().out
    report = json.loads((tmp_path / "filters.json").read_text())
    assert (tmp_path / "filters.png").read_bytes()[:8] == PNG_SIGNATURE
    summary = report["summary"]
    assert list(summary) == ["linear", "volterra", "gaussian"]
    # 27 + 3 conv weights and biases + 1470 + 10 FC; Volterra adds 3 x 45 (i <= j of 9 x 9),
    # the Gaussian 3 widths
    assert [summary[k]["parameters"] for k in summary] == [1510, 1645, 1513]
    for conv, row in summary.items():
        accuracies = [run["accuracy"] for run in report["runs"][conv]]
        assert row["seeds"] == len(accuracies) == 2
        # the mean and std of two numbers in [0, 1], maybe summed in another order: a few ulp of 1
        assert row["accuracy_mean"] == pytest.approx(np.mean(accuracies), abs=1e-15)
        assert row["accuracy_std"] == pytest.approx(np.std(accuracies, ddof=1), abs=1e-15)
        assert f"| {conv} | {row['parameters']} |" in table
    assert summary["linear"]["time_x_linear"] == 1.0  # t / t: exact in IEEE arithmetic
    gaussian_run = report["runs"]["gaussian"][0]
    assert np.shape(gaussian_run["log_gamma_conv"]) == (3, 1)
    assert np.shape(report["runs"]["volterra"][0]["w2_conv"]) == (9, 9, 3)


def test_same_seed_same_result(small_data_dir, tmp_path, capsys):
    for name in ("a", "b"):
        assert compare_filters.main(["--seeds", "1", "--iterations", "2", "--filters", "gaussian",
                                     "--data-dir", str(small_data_dir), "--out-dir",
                                     str(tmp_path / name), "--quiet"]) == 0
    a, b = (json.loads((tmp_path / n / "filters.json").read_text())["runs"]["gaussian"][0]
            for n in ("a", "b"))
    # same seed, same machine: bit-identical with OpenBLAS here, but a BLAS build may reorder a
    # sum with the data's alignment (MKL without MKL_CBWR): rounding only; another seed moves them far
    for name in ("w_conv", "log_gamma_conv"):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("argv, code", [(["--filters", "quadratic"], 2), (["--seeds", "0"], 2)])
def test_bad_arguments(argv, code, small_data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare_filters.main(argv + ["--data-dir", str(small_data_dir), "--out-dir", str(tmp_path)])
    assert exit_info.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")


@pytest.mark.parametrize("argv, message", [
    (["--filters", "linear,linear"], "argument --filters: linear given more than once"),
    (["--iterations", "1000000000000000"], "argument --iterations: must be at most 10,000,000"),
    (["--seeds", "1001"], "argument --seeds: must be at most 1,000"),
])
def test_arguments_refused_in_one_line(argv, message, small_data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare_filters.main(argv + ["--data-dir", str(small_data_dir), "--out-dir",
                                     str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert_one_line_error(2, capsys.readouterr().err, message)
    assert not (tmp_path / "o").exists()


def test_json_and_png_are_written_all_or_nothing(small_data_dir, tmp_path, capsys, monkeypatch):
    import errno
    import os

    def full(path, runs):  # the figure meets a full disk after the JSON was written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(compare_filters, "plot", full)
    out = tmp_path / "o"
    code = compare_filters.main(["--seeds", "1", "--iterations", "1", "--filters", "linear",
                                 "--data-dir", str(small_data_dir), "--out-dir", str(out),
                                 "--quiet"])
    assert_one_line_error(code, capsys.readouterr().err, f"{out / 'filters.png'}: No space")
    assert not out.exists()  # no filters.json without its figure
