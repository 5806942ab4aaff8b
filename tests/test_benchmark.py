"""scripts/benchmark.py --quick runs and writes well-formed output (no timing is asserted)."""

import json

import pytest

from conftest import DATA_DIR, ROOT, assert_one_line_error, load_script, run_main
from mains import model_timings

benchmark = load_script("benchmark")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_quick_benchmark_writes_results_and_figure(tmp_path, capsys):
    assert benchmark.main(["--quick", "--out-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    report = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "scaling.png").read_bytes()[:8] == PNG_SIGNATURE

    expected = {"reference, errata keep", "reference, errata fix", "reference, one image at a time",
                "dual, chain mode", "dual, forward mode", benchmark.NUMPY_FLOOR}
    assert expected <= set(report["training"])
    for name, row in report["training"].items():
        assert name in table
        assert row["min"] <= row["seconds"] <= row["max"] and row["seconds"] > 0
        assert row["extrapolated"] is True  # --quick extrapolates everything
    assert report["training"]["reference, errata keep"]["x_reference"] == 1.0  # t / t: exact
    assert report["machine"]["cores"] >= 1 and report["machine"]["numpy"]
    models = report["models_ms_per_iteration"]
    assert list(models) == ["slp_linear", "slp", "mlp", "cnn"]
    for model, by_condition in models.items():
        assert list(by_condition) == list(model_timings.CONDITIONS)
        for timings in by_condition.values():
            assert {model_timings.REFERENCE, "dual, chain", "dual, forward",
                    "numpy floor"} <= set(timings)
            assert all(ms > 0 for ms in timings.values())
        assert f"{model}: ms/iter (x reference)" in table
    for key in ("batch_size", "filters"):
        scaling = report["scaling_ms_per_iteration"][key]
        assert len(scaling["reference"]) == len(scaling["dual"]) == len(scaling["values"])
    layers = report["layers_us_per_iteration"]
    for label in ("reference", "dual"):
        rows = layers[label]
        assert list(rows) == list(benchmark.LAYER_NAMES.values()) + [benchmark.REST, "total"]
        assert all(rows[name] > 0 for name in benchmark.LAYER_NAMES.values())
        # a sum of a dozen timings, maybe in another order: approx's 1e-6 is far above rounding
        assert rows["total"] == pytest.approx(sum(v for k, v in rows.items() if k != "total"))
        assert "Conv_backward" in table
    growth = report["forward_mode_growth"]
    assert growth["partials"] == [27, 100, 400, 1510]
    assert len(growth["seconds_per_pass"]) == 4 and growth["seconds_per_pass"][-1] == growth["seconds"][-1]
    if (DATA_DIR / "mnist_train.mat").is_file():  # main_cnn.py needs the data to run
        assert all(v > 50 for v in report["peak_rss_mb"].values())  # a real process was measured


def test_timings_run_in_rounds_so_that_the_hosts_load_touches_every_method_alike(monkeypatch):
    calls = []
    fake = {
        "reference, errata keep": (lambda n: calls.append("keep"), 10000),
        "dual, forward mode": (lambda n: calls.append("forward"), 10),  # slow: one run
        "PyTorch eager": (lambda n: calls.append("torch"), 2000),
    }
    monkeypatch.setattr(benchmark, "methods", lambda batches, weights, quick: fake)
    results = benchmark.run_timings(None, None, quick=False, repeats=3)
    assert calls == ["keep", "forward", "torch", "keep", "torch", "keep", "torch"]
    assert [results[name]["runs"] for name in fake] == [3, 1, 3]
    assert results["dual, forward mode"]["extrapolated"] is True
    assert results["reference, errata keep"]["x_reference"] == 1.0  # t / t: exact


def test_a_corrupt_data_file_is_an_error_not_absent_data(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "mnist_train.mat").write_bytes(b"not a MATLAB file" * 20)
    code, _, err = run_main(benchmark, ["--quick", "--no-memory", "--data-dir", data,
                                        "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, "mnist_train.mat", "not a readable MATLAB .mat file")
    assert not (tmp_path / "o").exists()


def test_absent_data_is_random_images(tmp_path):
    _, source = benchmark.training_data(tmp_path / "nowhere", 30)
    assert source == "random images (mnist_train.mat absent)"


def test_the_out_dir_is_checked_before_the_timings(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("not a directory")
    monkeypatch.setattr(benchmark, "run_timings", lambda *a: pytest.fail("timed first"))
    code, _, err = run_main(benchmark, ["--quick", "--out-dir", tmp_path / "file" / "o"], capsys)
    assert_one_line_error(code, err, "output directory", "file")


def test_results_and_figure_are_written_all_or_nothing(tmp_path, monkeypatch):
    import errno
    import os

    from shared.errors import OutputError

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(benchmark, "plot_scaling", full)
    # the report itself, without minutes of timing
    monkeypatch.setattr(benchmark, "run_timings", lambda *a: {benchmark.NUMPY_FLOOR: {
        "seconds": 1.0, "min": 1.0, "max": 1.0, "ms_per_iteration": 0.1, "x_reference": 1.0,
        "x_pytorch": None, "extrapolated": True}})
    for name in ("scaling", "micro", "speed_tricks"):
        monkeypatch.setattr(benchmark, name, lambda *a: {})
    monkeypatch.setattr(benchmark, "layer_times", lambda *a: {"reference": {}, "dual": {}})
    monkeypatch.setattr(benchmark, "time_models", lambda *a, **k: {})
    monkeypatch.setattr(benchmark, "forward_mode_growth",
                        lambda *a: {"partials": [], "seconds": [], "seconds_per_pass": []})
    out = tmp_path / "o"
    with pytest.raises(OutputError) as info:
        benchmark._run(benchmark.parse_args(["--quick", "--no-memory", "--out-dir", str(out),
                                             "--data-dir", str(tmp_path)]))
    assert str(info.value) == f"cannot write {out / 'scaling.png'}: No space left on device"
    assert not out.exists()  # no results.json without its figure


def test_speed_tricks_time_each_setting_and_a_baseline_in_its_own_process():
    tricks = benchmark.speed_tricks(ROOT, iterations=3, repeats=2, models=("slp",))
    # allocator kept, default allocator (the CNN's reference); the SLP's reference and dual
    # twin, here and in the baseline
    assert len(tricks) == 6 and sum("slp: dual (chain)" in name for name in tricks) == 2
    for row in tricks.values():
        assert row["runs"] == 2 and 0 < row["min"] <= row["ms_per_iteration"] <= row["max"]
    assert tricks["slp: reference"]["iterations"] == 3 * benchmark.BASELINE_MODELS["slp"]
    table = benchmark.format_before_after(tricks, ROOT).splitlines()
    assert len(table) == 4 and table[3].startswith("slp ")  # a row for the model timed only


def test_curvature_table_has_ours_beside_pytorchs(capsys):
    code, out, err = run_main(benchmark, ["--curvature", "--repeats", "1"], capsys)
    assert code == 0, err
    names = [line[:34].strip() for line in out.splitlines()[2:]]
    assert names[:3] == ["dual chain gradient", "dual HVP, forward-over-chain",
                         "dual HVP, forward-over-forward"]
    if benchmark.torch_available():
        assert "PyTorch HVP, double backward" in names


def test_a_repeat_count_of_a_typo_is_one_line(tmp_path, capsys):
    code, _, err = run_main(benchmark, ["--repeats", "100000", "--out-dir", tmp_path / "o"],
                            capsys)
    assert code == 2
    assert_one_line_error(code, err, "--repeats: must be at most 100")


def test_a_baseline_that_is_no_checkout_is_one_line(tmp_path, capsys):
    code, _, err = run_main(benchmark, ["--quick", "--no-memory", "--baseline", tmp_path,
                                        "--out-dir", tmp_path / "o"], capsys)
    assert_one_line_error(code, err, "not a checkout")
    assert not (tmp_path / "o").exists()
