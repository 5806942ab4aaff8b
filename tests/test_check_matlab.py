"""scripts/check_matlab.py in a real GNU Octave: the original (errata E1-E4 found and named,
nothing else), its patched copy (all correct), the checker's own layer functions, planted
bugs each caught and named, and the failure paths (errors, hangs, no Octave)."""

import contextlib
import io
import json
import re
import shutil
import stat
import sys

import pytest

from checker.check import FUNCTIONS, SOLUTION
from checker.judging import TOLERANCE
from checker.layers import CORRELATION, E1, FC_COLUMNS, NO_FACTOR_2
from checker.minibatch import HARD_CODED, ROW_CELLS
from checker.training import E2, E3, NOT_RESET, OPPOSITE
from conftest import ROOT, assert_one_line_error, load_script, run_main

check_matlab = load_script("check_matlab")

ERRATA = {"Pool2x2_backward": E1, "TrainCNN": E2, "TrainSLP_linear": E3, "TrainSLP": E3,
          "TrainMLP": E3, "GetMiniBatch": HARD_CODED}


def check(folder, capsys, *flags):
    """Run the checker on ``folder``; (exit code, the JSON report)."""
    code, out, err = run_main(check_matlab, [folder, "--format", "json", "--quiet", *flags],
                              capsys)
    assert "Traceback" not in err, err
    return code, json.loads(out)


def snapshot(folder):
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


@pytest.fixture(scope="module")
def original_report(octave, original_matlab):
    """The checker's report on the original (run once, about 20 s; capsys is per test)."""
    before = snapshot(original_matlab)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = check_matlab.main([str(original_matlab), "--format", "json", "--quiet"])
    return code, json.loads(out.getvalue()), before, snapshot(original_matlab)


def test_the_original_has_errata_e1_e2_e3_and_nothing_else(original_report):
    code, report, _, _ = original_report
    assert code == 1 and report["ok"] is False
    assert list(report["functions"]) == list(FUNCTIONS)
    for name, verdict in report["functions"].items():
        if name in ERRATA:
            assert verdict["status"] == "wrong", (name, verdict)
            assert verdict["note"].startswith(ERRATA[name]), verdict["note"]
            if name != "GetMiniBatch":
                assert verdict["max_rel_error"] > 0.1
        else:
            assert verdict["status"] == "correct", (name, verdict)
            assert verdict["max_rel_error"] is None or verdict["max_rel_error"] <= 1e-10


def test_the_original_conventions_are_reported_as_notes(original_report):
    functions = original_report[1]["functions"]
    assert functions["ReLu_backward"]["note"] == "ReLU'(0) = 0.5, the original's convention"
    # TrainCNN is judged with the checker's own Pool2x2_backward, the original's being E1
    assert functions["TrainCNN"]["note"].endswith(
        "judged with the checker's own Pool2x2_backward (yours is wrong) in place of yours")


def test_nothing_is_written_into_the_folder(original_report):
    _, _, before, after = original_report
    assert before == after


def test_the_patched_original_passes_every_function(octave, patched_matlab, capsys):
    code, report = check(patched_matlab, capsys)
    assert code == 0 and report["ok"] is True
    assert {v["status"] for v in report["functions"].values()} == {"correct"}
    assert "first maximum in column-major order, the original's convention" in \
        report["functions"]["Pool2x2_backward"]["note"]
    trained = [report["functions"][n]["max_rel_error"] for n in ERRATA if n.startswith("Train")]
    assert max(trained) <= 1e-9


def test_the_checkers_own_layer_functions_pass(octave, tmp_path, capsys):
    folder = tmp_path / "solution"
    shutil.copytree(SOLUTION, folder)
    code, report = check(folder, capsys)
    assert code == 0, report
    present = {n for n, v in report["functions"].items() if v["status"] != "missing"}
    assert present == {p.stem for p in SOLUTION.glob("*.m")} - {"conv_patches"}


# ---- planted bugs: copies of the patched original, one bug each --------------------------

PLANTED = {  # id -> (file, line as patched, the line with the bug, expected note or None)
    "flipped kernel": (
        "Conv", "w_reshaped = reshape(w_conv, [f*f c2]);",
        "w_reshaped = reshape(w_conv(end:-1:1, end:-1:1, :, :), [f*f c2]);", CORRELATION),
    "conv weight gradient sign": (
        "Conv_backward", "dLdw = dLdy_reshaped * transpose(x_row_version);",
        "dLdw = -dLdy_reshaped * transpose(x_row_version);", "dLdw has the opposite sign"),
    "ReLU' = 1 below 0": (
        "ReLu_backward", "dydx(x < 0) = 0;", "dydx(x < 0) = 1;", None),
    "min pooling": (
        "Pool2x2", "= max(x_row_version(:, :, iDepth));",
        "= min(x_row_version(:, :, iDepth));", None),
    "transposed unflattening": (
        "Flattening_backward", "dLdx = reshape(dLdy, size(x));",
        "dLdx = permute(reshape(dLdy, size(x)), [2 1 3]);", None),
    "softmax gradient sign": (
        "Loss_cross_entropy_softmax", "dLdy = transpose(y_tilde - y);",
        "dLdy = transpose(y - y_tilde);", "dLdy has the opposite sign"),
    "Euclidean gradient without its 2": (
        "Loss_euclidean", "dLdy = transpose(-2 * (y - y_tilde));",
        "dLdy = transpose(-(y - y_tilde));", NO_FACTOR_2),
    "labels not shuffled with the images": (
        "GetMiniBatch", "label_train_enc = label_train_enc(:, perm);", "", None),
    "forgotten ReLu_backward (CNN)": (
        "TrainCNN", "[dldx_relu] = ReLu_backward(dldx_pool, pred1, pred2);",
        "dldx_relu = dldx_pool;", None),
    "FC step scrambled (CNN)": (
        "TrainCNN", "reshape(dldw, [size(dLdw, 2) size(dLdw, 1)])';",
        "reshape(dldw, [size(dLdw, 1) size(dLdw, 2)]);", None),
    "bias step uphill": (
        "TrainSLP", "b = b - gamma/currBatchSize * dLdb;", "b = b + gamma/currBatchSize * dLdb;",
        f"b {OPPOSITE}"),
    "sums not reset between batches": (
        "TrainSLP_linear", "dLdw = zeros(10, 196); dLdb = zeros(10, 1);",
        "if iIter == 1, dLdw = zeros(10, 196); dLdb = zeros(10, 1); end", NOT_RESET),
    "forgotten ReLu_backward (MLP)": (
        "TrainMLP", "dlda1 = ReLu_backward(dldf1, a1, f1);", "dlda1 = dldf1;", None),
}


def plant(patched, folder, name, line, bug):
    """A copy of the patched original with ``line`` of ``name``.m replaced by ``bug``."""
    shutil.copytree(patched, folder)
    path = folder / f"{name}.m"
    text = path.read_text()
    assert text.count(line) == 1, f"{line!r} is not once in {name}.m"
    path.write_text(text.replace(line, bug))
    return folder


@pytest.mark.parametrize("bug", PLANTED)
def test_a_planted_bug_is_caught_and_named(octave, patched_matlab, tmp_path, capsys, bug):
    name, line, planted, note = PLANTED[bug]
    folder = plant(patched_matlab, tmp_path / "planted", name, line, planted)
    code, report = check(folder, capsys, "--functions", name)
    verdict = report["functions"][name]
    assert code == 1 and verdict["status"] == "wrong", verdict
    assert list(report["functions"]) == [name]
    if note is not None:
        assert verdict["note"].split("; judged with")[0] == note


def test_right_values_in_another_layout_are_a_layout(octave, patched_matlab, tmp_path, capsys):
    """dL/dw listed column after column: the values are right, the order is not the
    assignment's: a layout, which fails the check only under --strict."""
    folder = plant(patched_matlab, tmp_path / "planted", "FC_backward", "dLdw = dLdy * X;",
                   "dLdw = reshape(transpose(dLdy) * transpose(x), 1, []);")
    code, report = check(folder, capsys, "--functions", "FC_backward")
    verdict = report["functions"]["FC_backward"]
    assert code == 0 and verdict["status"] == "layout", verdict
    assert verdict["note"] == f"dLdw is 1x1470 ({FC_COLUMNS})"
    code, report = check(folder, capsys, "--functions", "FC_backward", "--strict")
    assert code == 1 and report["ok"] is False


def test_a_convention_of_its_own_is_a_note_not_a_fault(octave, patched_matlab, tmp_path, capsys):
    folder = plant(patched_matlab, tmp_path / "planted", "ReLu_backward", "dydx(x == 0) = 0.5;",
                   "dydx(x == 0) = 0;")
    code, report = check(folder, capsys, "--functions", "ReLu_backward")
    assert code == 0
    # max_rel_error 0.0 exactly on any CPU: dLdx is dLdy times 0 or 1 away from the kink, in
    # Octave and here, and such products are exact in IEEE arithmetic (no sum, no rounding)
    assert report["functions"]["ReLu_backward"] == {
        "status": "correct", "max_rel_error": 0.0,
        "note": "ReLU'(0) = 0 (PyTorch's convention); the original takes 0.5"}


# ---- failures ---------------------------------------------------------------------------

def test_errors_and_hangs_are_reported_and_the_rest_still_judged(octave, patched_matlab,
                                                                 tmp_path, capsys):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "Conv.m").write_text("function y = Conv(x, w, b)\n  while true\n  end\nend\n")
    (folder / "ReLu.m").write_text("function y = ReLu(x)\n  y = max(0, x;\nend\n")
    (folder / "FC.m").write_text("function y = FC(x, w, b)\n  exit(3);\nend\n")
    (folder / "Flattening.m").write_text("function y = Flattening(x)\n  y = nothing(x);\nend\n")
    shutil.copy(patched_matlab / "Pool2x2.m", folder)
    code, report = check(folder, capsys, "--timeout", "3")
    functions = report["functions"]
    assert code == 1
    assert functions["Conv"] == {"status": "error", "max_rel_error": None,
                                 "note": "did not return within 3 s"}
    assert functions["ReLu"]["status"] == "error"
    assert f"parse error near line 2 of file {folder / 'ReLu.m'}" in functions["ReLu"]["note"]
    assert functions["FC"]["status"] == "error" and "Octave exited" in functions["FC"]["note"]
    assert functions["Flattening"]["status"] == "error"
    assert "'nothing' undefined" in functions["Flattening"]["note"]
    assert functions["Pool2x2"]["status"] == "correct"  # judged after the hang and the exit
    assert functions["TrainCNN"]["status"] == "missing"


def test_the_text_and_markdown_tables(octave, patched_matlab, capsys):
    code, out, _ = run_main(check_matlab, [patched_matlab, "--quiet", "--functions",
                                           "Conv,ReLu_backward"], capsys)
    assert code == 0
    assert out.splitlines()[0].endswith(")") and "2 correct" in out.splitlines()[0]
    assert out.splitlines()[2].split() == ["function", "status", "max", "rel.", "error", "note"]
    code, out, _ = run_main(check_matlab, [patched_matlab, "--quiet", "--format", "markdown",
                                           "--functions", "Conv"], capsys)
    assert "| function | status | max rel. error | note |" in out.splitlines()
    rows = [line for line in out.splitlines() if line.startswith("| `Conv` |")]
    assert len(rows) == 1, out
    name, status, error, note = (cell.strip() for cell in rows[0].strip("|").split("|"))
    assert (name, status, note) == ("`Conv`", "correct", "")
    # the error is rounding (0.0e+00 here, 1.7e-16 on another CPU: other summation orders in
    # Octave's BLAS and ours), so only its format and the checker's own bound for correct
    assert re.fullmatch(r"\d\.\de[+-]\d\d", error) and float(error) <= TOLERANCE, error


def test_no_octave_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    (tmp_path / "Conv.m").write_text("function y = Conv(x, w, b)\n  y = x;\nend\n")
    monkeypatch.setattr("checker.engine.shutil.which", lambda name: None)
    code, _, err = run_main(check_matlab, [tmp_path], capsys)
    assert code == 2
    assert_one_line_error(code, err, "apt install octave octave-image")


def test_no_image_package_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    """An 'Octave' that answers the checker's start-up as one without the image package."""
    fake = tmp_path / "octave-cli"
    fake.write_text(f"#!{sys.executable}\nprint('noimage 9.9.9')\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "Conv.m").write_text("function y = Conv(x, w, b)\n  y = x;\nend\n")
    monkeypatch.setattr("checker.engine.shutil.which",
                        lambda name: str(fake) if name == "octave-cli" else None)
    code, _, err = run_main(check_matlab, [tmp_path, "--no-sandbox"], capsys)
    assert code == 2
    assert_one_line_error(code, err, "image package", "octave-image")


@pytest.mark.parametrize("argv, words", [
    (["{tmp}/nowhere"], ["no such folder"]),
    (["{tmp}"], ["defines none of the assignment's functions", "Conv.m"]),
    (["{tmp}", "--functions", "Conv,Nope"], ["not a function of the assignment: Nope"]),
    (["{tmp}", "--engine", "julia"], ["invalid choice"]),
    (["{tmp}", "--timeout", "0"], ["--timeout"]),
    (["{tmp}", "--timeout", "1e10"], ["--timeout", "at most"]),
    (["{tmp}", "--functions", ","], ["no function named"]),
    (["{tmp}", "--class", "{tmp}", "--out", "{tmp}/r"], ["DIR or --class"]),
    (["--class", "{tmp}"], ["--class and --out go together"]),
    (["{tmp}", "--jobs", "0"], ["--jobs"]),
    ([], ["DIR or --class"]),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, argv, words):
    code, _, err = run_main(check_matlab, [a.format(tmp=tmp_path) for a in argv], capsys)
    assert_one_line_error(code, err, *words)


def test_the_errata_patches_change_a_few_lines_each():
    for patch in sorted((ROOT / "docs" / "errata").glob("*.patch")):
        changed = [line for line in patch.read_text().splitlines()
                   if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
        removed = [line for line in changed if line.startswith("-")]
        assert 1 <= len(removed) <= 4 and len(changed) == 2 * len(removed), patch.name


def test_functions_that_print_are_judged_all_the_same(octave, patched_matlab, tmp_path, capsys):
    """Output left without a newline, a stream of lines from a hang, bytes that are not UTF-8:
    none of them confuses the pipe (the time limit is per call)."""
    folder = tmp_path / "noisy"
    shutil.copytree(patched_matlab, folder)
    conv = (folder / "Conv.m").read_text()
    (folder / "Conv.m").write_text(conv.replace("    y = reshape(y, [height width c2]);",
                                                "    y = reshape(y, [height width c2]);\n"
                                                "    fprintf('conv done'); disp(char(200));"))
    (folder / "ReLu.m").write_text("function y = ReLu(x)\n  while true\n    disp('still here');"
                                   "\n  end\nend\n")
    code, report = check(folder, capsys, "--timeout", "3", "--functions", "Conv,ReLu")
    assert report["functions"]["Conv"]["status"] == "correct"
    assert report["functions"]["ReLu"]["note"] == "did not return within 3 s"


def test_a_file_named_in_another_case_is_an_error(octave, patched_matlab, tmp_path, capsys):
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(patched_matlab / "ReLu.m", folder / "relu.m")
    code, report = check(folder, capsys, "--functions", "ReLu")
    assert code == 1
    assert report["functions"]["ReLu"] == {
        "status": "error", "max_rel_error": None,
        "note": "found relu.m: MATLAB's names are case-sensitive, rename it ReLu.m"}


def test_an_error_names_the_students_file_and_line(octave, patched_matlab, tmp_path, capsys):
    """An error raised in the student's FC because of what their TrainSLP passed names both
    files, as the student has them (not the run's copies)."""
    folder = plant(patched_matlab, tmp_path / "planted", "TrainSLP", "y_tilde = FC(x, w, b);",
                   "y_tilde = FC(transpose(x), w, b);")
    code, report = check(folder, capsys, "--functions", "TrainSLP")
    note = report["functions"]["TrainSLP"]["note"]
    assert report["functions"]["TrainSLP"]["status"] == "error"
    line = 1 + (folder / "TrainSLP.m").read_text().splitlines().index(
        "           y_tilde = FC(transpose(x), w, b);")
    assert f"(in {folder / 'FC.m'}, line " in note, note
    assert f"called from {folder / 'TrainSLP.m'}, line {line})" in note, note
    assert "cnn_dual" not in note


def test_a_relu_slope_beyond_0_and_1_at_the_kink_is_wrong(octave, patched_matlab, tmp_path, capsys):
    folder = plant(patched_matlab, tmp_path / "planted", "ReLu_backward", "dydx(x == 0) = 0.5;",
                   "dydx(x == 0) = 7;")
    code, report = check(folder, capsys, "--functions", "ReLu_backward")
    assert report["functions"]["ReLu_backward"]["status"] == "wrong"
    assert "not between the one-sided derivatives 0 and 1" in report["functions"]["ReLu_backward"]["note"]


def test_mini_batches_in_a_row_cell_are_allowed_and_noted(octave, patched_matlab, tmp_path,
                                                            capsys):
    folder = plant(patched_matlab, tmp_path / "planted", "GetMiniBatch",
                   "mini_batch_x = cell(nCells, 1);", "mini_batch_x = cell(1, nCells);")
    code, report = check(folder, capsys, "--functions", "GetMiniBatch")
    assert report["functions"]["GetMiniBatch"] == {"status": "correct", "max_rel_error": None,
                                                   "note": ROW_CELLS}


@pytest.mark.parametrize("seed", [3, 4])
def test_e3_is_named_also_where_the_originals_loss_becomes_nan(octave, original_matlab, capsys,
                                                                 seed):
    code, report = check(original_matlab, capsys, "--functions", "TrainSLP", "--seed", str(seed))
    assert report["functions"]["TrainSLP"]["note"] == E3


@pytest.mark.parametrize("script, words", [
    ("echo 'octave-cli: error while loading shared libraries: liboctinterp.so.8' >&2; exit 127",
     ["did not start", "exit code 127", "liboctinterp.so.8"]),
    ("exit 0", ["did not start", "exit code 0"]),
])
def test_a_broken_octave_is_one_line_and_exit_2(octave, patched_matlab, tmp_path, monkeypatch,
                                                capsys, script, words):
    """An octave-cli that exits at once, or cannot load its libraries: one line, exit 2."""
    fake = tmp_path / "bin" / "octave-cli"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    which = shutil.which
    monkeypatch.setattr("checker.engine.shutil.which",
                        lambda name: str(fake) if name == "octave-cli" else which(name))
    code, _, err = run_main(check_matlab, [patched_matlab, "--functions", "FC"], capsys)
    assert code == 2
    assert_one_line_error(code, err, *words)


def test_a_folder_whose_name_holds_a_newline_is_checked(octave, patched_matlab, tmp_path, capsys):
    folder = tmp_path / "line\nbreak"
    folder.mkdir()
    shutil.copy(patched_matlab / "FC.m", folder)
    code, report = check(folder, capsys, "--functions", "FC")
    assert code == 0 and report["functions"]["FC"]["status"] == "correct"
