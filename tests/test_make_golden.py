"""scripts/make_golden.py: the golden files are the original's own outputs, made anew in Octave
(the one-image cases here, in a second; the training files take minutes each, see
docs/checker.md), and tests/golden equals the goldens beside the project when they are there."""

import shutil

import numpy as np
import pytest
import scipy.io

from checker.golden import GOLDEN_FILES, QUICK
from conftest import GOLDEN_DIR, ROOT, assert_one_line_error, load_script, run_main
from shared.gradcheck import relative_error

make_golden = load_script("make_golden")
SHARED_GOLDEN = ROOT.parent / "shared" / "golden"


def variables(path):
    contents = scipy.io.loadmat(path)
    return {k: v for k, v in contents.items() if not k.startswith("__")}


def assert_same_golden(made, recorded, tolerance):
    """The same variables in the same order and shapes, values within ``tolerance``
    (relative to each variable's largest value: Octave's BLAS may round differently)."""
    made, recorded = variables(made), variables(recorded)
    assert list(made) == list(recorded)
    for name in made:
        assert made[name].shape == recorded[name].shape, name
        assert relative_error(made[name], recorded[name]) <= tolerance, name


def test_the_quick_goldens_are_the_originals_outputs(octave, original_matlab, tmp_path, capsys):
    code, out, err = run_main(make_golden, ["--matlab-dir", original_matlab, "--quick",
                                            "--out-dir", tmp_path], capsys)
    assert code == 0, err
    assert len(out.splitlines()) == len(QUICK)
    for name in QUICK:
        assert_same_golden(tmp_path / f"{name}.mat", GOLDEN_DIR / f"{name}.mat", 1e-13)


def test_the_as_written_and_fixed_cases_differ_where_the_errata_are(octave, original_matlab,
                                                                   tmp_path, capsys):
    run_main(make_golden, ["--matlab-dir", original_matlab, "--out-dir", tmp_path, "--files",
                           "case_bias,case_bias_fixed"], capsys)
    written, fixed = variables(tmp_path / "case_bias.mat"), variables(tmp_path / "case_bias_fixed.mat")
    same = [k for k in written if written[k].shape == fixed[k].shape
            and np.array_equal(written[k], fixed[k])]
    assert set(written) - set(same) == {"dldx_pool", "dldx_relu", "dldw_conv", "dldb_conv",
                                        "dLdw_conv_step"}


@pytest.mark.parametrize("name", list(GOLDEN_FILES))
def test_tests_golden_equals_the_shared_goldens(name):
    if not (SHARED_GOLDEN / f"{name}.mat").is_file():
        pytest.skip("the goldens beside the project are absent")
    assert_same_golden(GOLDEN_DIR / f"{name}.mat", SHARED_GOLDEN / f"{name}.mat", 1e-12)


def test_a_changed_original_is_refused(original_matlab, tmp_path, capsys):
    folder = tmp_path / "matlab"
    shutil.copytree(original_matlab, folder)
    (folder / "FC.m").write_text((folder / "FC.m").read_text() + "% changed\n")
    code, _, err = run_main(make_golden, ["--matlab-dir", folder, "--quick", "--out-dir",
                                          tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "FC.m", "differs from the original's")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, words", [
    (["--matlab-dir", "{tmp}/nowhere", "--quick"], ["no such folder", "get_data.py --matlab"]),
    (["--files", "case_nope"], ["not a golden file: case_nope"]),
    (["--files", "case_bias", "--quick"], ["not allowed with"]),
    (["--timeout", "1e300"], ["--timeout: must be at most 604,800 seconds"]),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, argv, words):
    code, _, err = run_main(make_golden, [a.format(tmp=tmp_path) for a in argv], capsys)
    assert_one_line_error(code, err, *words)
