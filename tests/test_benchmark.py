"""scripts/benchmark.py --quick runs and writes well-formed output (no timing is asserted)."""

import json

import pytest

from conftest import DATA_DIR, load_script

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
