"""scripts/check_python.py: Python solutions of the homework judged with the MATLAB checker's
judges, in the same sandbox. Five real students' solutions (../shared/real_python, read only,
never copied into the project) held to what their README says is true of each function; a
right solution (tests/python_homework.py) with bugs and variants planted one at a time; the
ways real modules fail to load; hostile code; a class. Skips without bubblewrap (and the real
solutions without the shared folder)."""

import csv
import hashlib
import json
import shutil
import uuid
import warnings

import numpy as np
import pytest

from checker import python_check
from checker.classroom import check_class
from checker.judging import STATUSES, Verdict
from checker.layers import (CORRELATION, LEAKY, NO_FACTOR_2, loss_cases, loss_euclidean_judge,
                            relu_backward_cases, relu_backward_judge)
from checker.python_check import C_ORDER, HARD_CODED, PYTHON, PythonConvention, check_module
from checker.training import NOT_RESET, OVERWRITTEN
from conftest import ROOT, assert_one_line_error, load_script, run_main

check_python = load_script("check_python")
REAL = ROOT.parent / "shared" / "real_python"
HOMEWORK = (ROOT / "tests" / "python_homework.py").read_text()

C, W, L = "correct", "wrong", "layout"


def numpy_refuses_one_element_arrays():
    """Whether this NumPy refuses a 1-element array where a number goes (2.4 does; 2.2 only
    warns): only then does code of 2019-2022 that does it need the checker's shim, and say so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            float(np.array([1.0]))
            np.zeros(2)[0] = np.array([1.0])
        except (TypeError, ValueError):
            return True
    return False


SHIMMED = ["NumPy compatibility"] if numpy_refuses_one_element_arrays() else []
TRUTH = {  # solution -> function -> (status, words the note must hold); None: not scored
    "Nablax+Computer-Vision-5561": {
        "get_mini_batch": (W, ["drops the last", "(K, 196, b) array"]),
        "fc_backward": (L, ["takes dl_dy as a row", "dl_dx is (1, 147)"]),
        "relu": (C, [LEAKY, "slope 0.01"]),
        "relu_backward": (C, ["a leaky ReLU's derivative (slope 0.01"]),
        "conv": (W, []), "conv_backward": (W, []),
        "train_cnn": (C, ["learning rate 3.2 on the batch mean", "the checker's own conv"]),
    },
    "PranaySPatil+ComputerVision-CSCI5561": {
        "get_mini_batch": (W, ["fails", "(129 images, batch size 32)", "not shuffled"]),
        "fc_backward": (L, ["dl_dx is (1, 147)"]),
        "loss_euclidean": (W, ["l is (10, 1), expected a scalar"]),
        "loss_cross_entropy_softmax": (W, ["l is (10, 1), expected a scalar"]),
        "relu": (W, []),
        "relu_backward": (L, ["dl_dx is (588, 1)"]),
        "conv": (C, SHIMMED and [*SHIMMED, "a 1-element array used as a number", "line 101"]),
        "pool2x2_backward": (W, ["whole gradient to every maximum"]),
        "flattening": (C, [C_ORDER]),
        "flattening_backward": (C, ["inverts a flattening in C order"]),
        "train_cnn": (W, ["conv_backward is given pool2x2_backward's result, not "
                          "relu_backward's"]),
    },
    "TonyLiu836+CSCI5561CV": {
        "get_mini_batch": (W, ["fails"]),
        "fc_backward": (L, ["dl_dw is (1470,) (flattened row after row"]),
        "loss_cross_entropy_softmax": None,  # debatable: L = +sum(y log p), as the handout
        "relu_backward": (W, []),
        "conv": (L, ["y is (196, 3)", "positions column after column"]),
        "conv_backward": (W, []),
        "pool2x2": (L, ["takes x as (196, 3), positions row after row"]),
        "pool2x2_backward": (W, []),
        "flattening": (L, ["y is (147,) (a 1-D array)"]),
        "train_slp": (W, [OVERWRITTEN]),
        "train_cnn": (W, ["b_conv is never updated"]),
    },
    "mohitydv09+computer_vision": {
        "get_mini_batch": (C, ["reseeds NumPy's global generator"]),
        "loss_cross_entropy_softmax": (C, ["numerical safety"]),
        "relu": (C, ["changes its argument x in place"]),
        "conv_backward": (W, ["dl_db is off"]),
        "train_mlp": (W, ["a layer fed the pre-activation: fc_backward (of the second fc) is "
                          "given fc's result as x, where its fc was given relu's"]),
    },
    "patel607+CSCI_5561": {
        "get_mini_batch": (L, ["images and labels as rows"]),
        "fc_backward": (L, ["takes dl_dy as a row", "dl_db is (1, 10)"]),
        "loss_euclidean": (L, ["dl_dy is (1, 10) (MATLAB's layout)"]),
        "loss_cross_entropy_softmax": (W, ["l is off"]),
        "relu": (C, [LEAKY, "slope 0.9"]),
        "relu_backward": (W, []),
        "conv": (C, SHIMMED),
        "conv_backward": (L, ["dl_db is (1, 3)"]),
        "train_mlp": (C, ["the checker's own relu (yours is a leaky ReLU)"]),
        "train_cnn": (W, ["b_conv is never updated"]),
    },
}


@pytest.fixture(scope="session")
def bwrap():
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (Debian: apt install bubblewrap)")


@pytest.fixture(scope="module")
def real_reports(bwrap, tmp_path_factory):
    """The five real solutions, checked as a class (two at a time): {name: report dict}."""
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is absent (the shared test material)")
    return check_class(REAL, tmp_path_factory.mktemp("real"), jobs=2, progress=False,
                       checker=PYTHON, functions=None, seed=0, timeout=120.0, strict=False,
                       sandbox=True)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_every_function_as_the_readme_says(real_reports, name):
    functions = real_reports[name]["functions"]
    assert list(functions) == list(python_check.NAMES)
    for function in python_check.NAMES:
        truth = TRUTH[name].get(function, (C, []))
        if truth is None:
            continue
        status, words = truth
        assert functions[function]["status"] == status, (function, functions[function])
        for word in words:
            assert word in functions[function]["note"], (function, word)


def test_trainers_judged_on_their_own_logic(real_reports):
    """No trainer is refused or misread, whatever its learning rate and start; a correct one
    says its learning rate; accuracy is no verdict (Tony's train_slp, 0.72, is wrong)."""
    for report in real_reports.values():
        for function in python_check.TRAINERS:
            verdict = report["functions"][function]
            assert verdict["status"] in (C, W), (function, verdict)
            if verdict["status"] == C:
                assert "learning rate" in verdict["note"] and verdict["max_rel_error"] < 1e-6


def test_the_handouts_sign_of_the_loss_is_named(real_reports):
    """Tony's loss takes 1-D vectors and returns L = +sum(y log p), as the handout writes it:
    not scored (as MATLAB's myatmo), but both are said."""
    verdict = real_reports["TonyLiu836+CSCI5561CV"]["functions"]["loss_cross_entropy_softmax"]
    assert "takes 1-D vectors" in verdict["note"] and "l has the opposite sign" in verdict["note"]


# ---- a right solution, with bugs and variants planted -----------------------------------------

def homework(folder, *replacements, text=HOMEWORK, name="cnn.py", **files):
    """``folder`` holding the right solution (``text``) with ``replacements`` (old, new) made
    (each old string must be there), as ``name``, and ``files`` beside it."""
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    for file, contents in files.items():
        (folder / f"{file}.py").write_text(contents)
    return folder


def verdicts(folder, *functions, **options):
    report = check_module(folder, functions=list(functions) or None, **options)
    return {name: v for name, v in report.verdicts.items()}


def test_the_right_solution_is_right_and_nothing_is_written(bwrap, tmp_path, capsys):
    folder = homework(tmp_path / "hw")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, err = run_main(check_python, [folder, "--format", "json", "--quiet"], capsys)
    assert code == 0 and "Traceback" not in err
    report = json.loads(out)
    assert report["ok"] and list(report["functions"]) == list(python_check.NAMES)
    assert {v["status"] for v in report["functions"].values()} == {C}
    assert report["engine"].startswith("Python ") and "NumPy" in report["engine"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


PLANTED = [  # (name, function, replacements, status, words)
    ("flipped kernel", "conv", [("patch * w_conv[:, :, :, k]", "patch * w_conv[::-1, ::-1, :, k]")],
     W, [CORRELATION]),
    ("dl_dw transposed", "fc_backward", [("dl_dy @ x.T, dl_dy", "x @ dl_dy.T, dl_dy")],
     L, ["dl_dw is (147, 10) (transposed)"]),
    ("no factor 2", "loss_euclidean", [("2 * (y_tilde - y)", "(y_tilde - y)")],
     W, [NO_FACTOR_2.replace("dLdy", "dl_dy")]),
    ("relu' below 0", "relu_backward", [("dl_dy * (x > 0)", "dl_dy * (x < 0)")], W, []),
    ("hard-coded 32", "get_mini_batch", [("range(0, n, batch_size)", "range(0, n, 32)"),
                                         ("i:i + batch_size]", "i:i + 32]")], W, [HARD_CODED]),
    ("hard-coded 12,000 images", "get_mini_batch", [("n = im_train.shape[1]", "n = 12000")], W,
     ["hard-codes the 12,000 images of the course's data: right at 12,000, wrong at 100 and "
      "129 and 232 images"]),
    ("1-D flattening", "flattening", [('x.reshape(-1, 1, order="F")', 'x.ravel(order="F")')],
     L, ["y is (147,) (a 1-D array)"]),
]


@pytest.mark.parametrize("planted", PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_bug_is_named(bwrap, tmp_path, planted):
    _, function, replacements, status, words = planted
    verdict = verdicts(homework(tmp_path / "hw", *replacements), function)[function]
    assert verdict.status == status, verdict
    for word in words:
        assert word in verdict.note, (word, verdict.note)


def test_a_flattening_in_c_order_needs_a_backward_in_c_order(bwrap, tmp_path):
    """C order is right when its backward inverts it; F order's backward then is wrong."""
    c_order = ('x.reshape(-1, 1, order="F")', "x.reshape(-1, 1)")
    found = verdicts(homework(tmp_path / "c", c_order), "flattening", "flattening_backward")
    assert found["flattening"].status == C and C_ORDER in found["flattening"].note
    assert found["flattening_backward"].status == W
    both = verdicts(homework(tmp_path / "cc", c_order, ('dl_dy.reshape(x.shape, order="F")',
                                                         "dl_dy.reshape(x.shape)")),
                    "flattening_backward", "train_cnn")
    assert both["flattening_backward"].status == C
    # its w_fc is the original's with its columns permuted: judged in its order
    assert both["train_cnn"].status == C and "another order" in both["train_cnn"].note


TRAINER_BUGS = {  # trainer -> (replacement, words): one each, in one module
    "train_slp_linear": (("l, dl_dy = loss_euclidean(y_tilde, y)\n"
                          "            _, g_w, g_b = fc_backward(dl_dy, x, w, b, y_tilde)\n"
                          "            dl_dw, dl_db = dl_dw + g_w, dl_db + g_b",
                          "l, dl_dy = loss_euclidean(y_tilde, y)\n"
                          "            _, dl_dw, dl_db = fc_backward(dl_dy, x, w, b, y_tilde)"),
                         [OVERWRITTEN]),
    "train_slp": (("        b -= 0.1 / mini_batch_x[k].shape[1] * dl_db\n    return w, b\n\n\n"
                   "def train_mlp", "    return w, b\n\n\ndef train_mlp"), ["b is never updated"]),
    "train_mlp": (("fc_backward(dl_dy, f1, w2", "fc_backward(dl_dy, a1, w2"),
                  ["a layer fed the pre-activation"]),
    "train_cnn": (("conv_backward(dl_da1, x", "conv_backward(dl_df1, x"),
                  ["conv_backward is given pool2x2_backward's result, not relu_backward's"]),
}


def test_wrong_trainers_are_named(bwrap, tmp_path):
    """Sums overwritten by each image, a bias never updated, a layer fed the pre-activation,
    ReLU's backward skipped: each named, whatever the accuracy it would reach."""
    folder = homework(tmp_path / "hw", *(plant for plant, _ in TRAINER_BUGS.values()))
    found = verdicts(folder, *TRAINER_BUGS)
    for trainer, (_, words) in TRAINER_BUGS.items():
        assert found[trainer].status == W, (trainer, found[trainer])
        for word in words:
            assert word in found[trainer].note, (trainer, word, found[trainer].note)


def test_sums_never_reset_are_named(bwrap, tmp_path):
    folder = homework(tmp_path / "hw", (
        "    for iteration in range(10000):\n        k = iteration % len(mini_batch_x)\n"
        "        dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)\n",
        "    dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)\n"
        "    for iteration in range(10000):\n        k = iteration % len(mini_batch_x)\n"))
    verdict = verdicts(folder, "train_slp_linear")["train_slp_linear"]
    assert verdict.status == W and NOT_RESET in verdict.note


def test_variants_are_judged_and_named(bwrap, tmp_path):
    """The 2023 signatures (no y), a misspelled name, a pool2x2 returning a tuple, a trainer
    that hard-codes the assignment's batch size of 32."""
    folder = homework(
        tmp_path / "hw",
        ("def fc_backward(dl_dy, x, w, b, y):", "def fc_backward(dl_dy, x, w, b):"),
        ("fc_backward(dl_dy, x, w, b, y_tilde)", "fc_backward(dl_dy, x, w, b)"),
        ("def relu_backward(dl_dy, x, y):", "def relu_backward(dl_dy, x):"),
        ("def loss_euclidean(", "def loss_euclidian("),
        ("l, dl_dy = loss_euclidean(y_tilde, y)", "l, dl_dy = loss_euclidian(y_tilde, y)"),
        ("    return x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))",
         "    y = x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))\n    return y, x == 0"),
        ("for j in range(mini_batch_x[k].shape[1]):", "for j in range(32):"))
    found = verdicts(folder, "fc_backward", "relu_backward", "loss_euclidean", "pool2x2",
                     "train_slp_linear")
    assert found["fc_backward"].status == C and "takes no y" in found["fc_backward"].note
    assert found["relu_backward"].status == C and "takes no y" in found["relu_backward"].note
    assert found["loss_euclidean"].status == C
    assert "found as loss_euclidian" in found["loss_euclidean"].note
    assert found["pool2x2"].status == C and "returns a tuple of 2" in found["pool2x2"].note
    trainer = found["train_slp_linear"]
    assert trainer.status == C and "mini-batches of 32 (the assignment's sizes" in trainer.note


# ---- how real modules fail to load -------------------------------------------------------------

def test_a_module_that_does_not_compile_is_an_error_naming_the_line(bwrap, tmp_path, capsys):
    folder = homework(tmp_path / "hw", ("def fc(x, w, b):", "def fc(x, w, b)"))
    code, out, err = run_main(check_python, [folder, "--format", "json", "--quiet"], capsys)
    functions = json.loads(out)["functions"]
    assert code == 1 and "Traceback" not in err
    line = HOMEWORK.splitlines().index("def fc(x, w, b):") + 1
    for verdict in functions.values():
        assert verdict == {"status": "error", "max_rel_error": None,
                           "note": f"cnn.py does not compile: line {line}: expected ':'"}


def test_a_script_at_import_is_not_run(bwrap, tmp_path):
    """Module-level code that needs what the box lacks, or trains at length: skipped (noted
    where a function needed it), the rest judged; the long statement not run again."""
    script = ("\nimport scipy.io as sio\nDATA = sio.loadmat('mnist_train.mat')\n"
              "w, b = train_slp_linear(*get_mini_batch(np.random.rand(196, 5000),\n"
              "                                        np.zeros((1, 5000), int), 5000))\n"
              "def scale(x):\n    return x / DATA['im_train'].max()\n"
              "def fc(x, w, b):\n    return b + w @ x\n")  # right, after the training
    folder = homework(tmp_path / "hw", ("return w @ x + b", "return w @ x"),  # wrong before
                      text=HOMEWORK + script)
    found = verdicts(folder, "fc", "loss_euclidean", timeout=8)
    assert found["fc"].status == C and found["loss_euclidean"].status == C
    folder = homework(tmp_path / "hw2", ("return np.maximum(x, 0)", "return scale(x)"),
                      text=HOMEWORK + script)
    found = verdicts(folder, "fc", "relu", timeout=8)
    relu = found["relu"]
    assert relu.status == "error" and "NameError: name 'DATA' is not defined" in relu.note
    assert "raised at import (FileNotFoundError" in relu.note
    assert "was not run (at an earlier import it ran for more than 2 s)" in relu.note


DRIVER = """import numpy as np
from cnn import get_mini_batch, fc, train_slp
raise RuntimeError('the driver ran')
"""


def test_display_libraries_and_the_driver_are_stubbed(bwrap, tmp_path):
    """cnn.py imports cv2, matplotlib, tqdm and its driver, which imports it back; its
    trainer draws a bar and a plot."""
    header = ("import cv2\nimport matplotlib.pyplot as plt\nfrom tqdm import tqdm\n"
              "import main_functions as main\n")
    folder = homework(tmp_path / "hw",
                      ("    for iteration in range(10000):\n        k = iteration % len(mini_batch_x)\n"
                       "        dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)\n"
                       "        for j in range(mini_batch_x[k].shape[1]):\n"
                       "            x, y = mini_batch_x[k][:, [j]], mini_batch_y[k][:, [j]]\n"
                       "            y_tilde = fc(x, w, b)\n            l, dl_dy = loss_cross",
                       "    plt.figure()\n    fig, ax = plt.subplots()\n"
                       "    for iteration in tqdm(range(10000)):\n        k = iteration % len(mini_batch_x)\n"
                       "        dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)\n"
                       "        for j in range(mini_batch_x[k].shape[1]):\n"
                       "            x, y = mini_batch_x[k][:, [j]], mini_batch_y[k][:, [j]]\n"
                       "            y_tilde = fc(x, w, b)\n            l, dl_dy = loss_cross"),
                      ("def relu(x):\n    return np.maximum(x, 0)",
                       "def relu(x):\n    return np.maximum(cv2.blur(x, (1, 1)), 0)"),
                      text=header + HOMEWORK, main_functions=DRIVER)
    found = verdicts(folder, "fc", "relu", "train_slp")
    assert found["fc"].status == C and found["train_slp"].status == C
    import importlib.util
    if importlib.util.find_spec("cv2") is None:  # where OpenCV is installed, it is used
        assert found["relu"].status == "unsupported"
        assert found["relu"].note.startswith("needs cv2, which is not installed")
        assert "cv2.blur: cv2 is not installed where the checker runs" in found["relu"].note


def test_removed_numpy_aliases_are_restored_and_said(bwrap, tmp_path):
    folder = homework(tmp_path / "hw", ("return np.maximum(x, 0)",
                                        "return np.maximum(x, 0).astype(np.float)"),
                      ("return dl_dy * (x > 0)", "return dl_dy * (x > 0).astype(np.int)"))
    found = verdicts(folder, "relu", "relu_backward")
    for name in ("relu", "relu_backward"):
        assert found[name].status == C
        assert "needs an older NumPy" in found[name].note
    assert "np.float (removed in NumPy 1.24) at cnn.py line" in found["relu"].note
    assert "np.int (removed in NumPy 1.24)" in found["relu_backward"].note


def test_a_function_that_mutates_or_reseeds_gets_a_copy_and_a_note(bwrap, tmp_path):
    folder = homework(tmp_path / "hw",
                      ("def relu(x):\n    return np.maximum(x, 0)",
                       "def relu(x):\n    x[x < 0] = 0\n    return x"),
                      ("    order = np.random.permutation(n)",
                       "    np.random.seed(37)\n    order = np.random.permutation(n)"))
    found = verdicts(folder, "relu", "get_mini_batch")
    assert found["relu"].status == C and "changes its argument x in place" in found["relu"].note
    assert found["get_mini_batch"].status == C and "reseeds" in found["get_mini_batch"].note


# ---- hostile code ------------------------------------------------------------------------------

def test_hostile_code_is_contained_and_the_rest_still_judged(bwrap, tmp_path):
    token = uuid.uuid4().hex
    outside = tmp_path / f"outside-{token}"
    in_checkout = ROOT / "build" / f"pwned-{token}"
    own = ROOT / "checker" / "python_check.py"
    before = hashlib.sha256(own.read_bytes()).hexdigest()
    attack = f"""
import os, subprocess
def fc(x, w, b):
    for path in ({str(outside)!r}, {str(in_checkout)!r}, {str(own)!r}):
        try:
            with open(path, 'a') as file:
                file.write('x')
        except OSError:
            pass
    subprocess.call(['touch', {str(outside) + '-touched'!r}])
    subprocess.Popen(['sleep', '600', {token!r}])
    return w @ x + b
def relu(x):
    return bytearray(50 * 10 ** 9)
def pool2x2(x):
    while True:
        print('x' * 10000)
def flattening(x):
    os._exit(0)
def conv(x, w_conv, b_conv):
    while True:
        pass
"""
    folder = homework(tmp_path / "hw", text=HOMEWORK + attack)
    found = verdicts(folder, "fc", "fc_backward", "relu", "pool2x2", "flattening", "conv",
                     timeout=4)
    assert found["fc"].status == C and found["fc_backward"].status == C
    assert found["relu"].status == "error" and "MemoryError" in found["relu"].note
    assert found["pool2x2"].status == "error" and "output limit" in found["pool2x2"].note
    assert found["flattening"].status == "error" and "os._exit" in found["flattening"].note
    assert found["conv"] == Verdict("error", None, "did not return within 4 s")
    assert not outside.exists() and not outside.with_name(outside.name + "-touched").exists()
    assert not in_checkout.exists()
    assert hashlib.sha256(own.read_bytes()).hexdigest() == before
    from test_checker_sandbox import processes_with
    assert processes_with(token) == []


# ---- the command line and a class ----------------------------------------------------------

def test_bad_input_is_one_line(tmp_path, capsys):
    (tmp_path / "notes.py").write_text("x = 1\n")
    code, _, err = run_main(check_python, [tmp_path, "--quiet"], capsys)
    assert_one_line_error(code, err, "defines none of the assignment's functions")
    code, _, err = run_main(check_python, [tmp_path / "absent", "--quiet"], capsys)
    assert_one_line_error(code, err, "absent")
    code, _, err = run_main(check_python, [tmp_path, "--functions", "Conv"], capsys)
    assert_one_line_error(code, err, "not a function of the assignment: Conv")


def test_no_bubblewrap_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    folder = homework(tmp_path / "hw")
    real = shutil.which
    monkeypatch.setattr("checker.sandbox.shutil.which",
                        lambda name: None if name == "bwrap" else real(name))
    code, _, err = run_main(check_python, [folder, "--functions", "fc"], capsys)
    assert code == 2
    assert_one_line_error(code, err, "apt install bubblewrap", "--no-sandbox")
    code, out, _ = run_main(check_python, [folder, "--functions", "fc", "--quiet",
                                           "--no-sandbox", "--format", "markdown"], capsys)
    assert code == 0 and "| `fc` | correct |" in out


def test_a_class(bwrap, tmp_path, capsys):
    """Folders and a .zip, a module one folder down, a broken one and one without code: a
    row each, the same verdicts as alone."""
    submissions = tmp_path / "submissions"
    homework(submissions / "alice")
    homework(submissions / "bob" / "hw4", ("2 * (y_tilde - y)", "(y_tilde - y)"))
    homework(tmp_path / "carol", ("def fc(x, w, b):", "def fc(x, w, b)"))
    shutil.make_archive(str(submissions / "carol"), "zip", tmp_path / "carol")
    (submissions / "dave").mkdir()
    (submissions / "dave" / "README.md").write_text("no code")
    out = tmp_path / "report"
    only = "fc,loss_euclidean,train_slp_linear"
    code, _, err = run_main(check_python, ["--class", submissions, "--out", out, "--quiet",
                                           "--functions", only, "--jobs", "2"], capsys)
    assert code == 1 and "Traceback" not in err
    with open(out / "grades.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["submission", *only.split(","), *STATUSES]
    table = {row[0]: dict(zip(rows[0][1:], row[1:])) for row in rows[1:]}
    assert table["alice"]["correct"] == "3"
    assert table["bob"]["loss_euclidean"] == W and table["bob"]["train_slp_linear"] == C
    assert table["carol"]["error"] == "3" and table["dave"]["error"] == "3"
    assert (out / "feedback" / "bob.md").read_text().startswith(
        "# bob\n\n**Fix first: `loss_euclidean`** (wrong): dl_dy lacks the factor 2")
    assert "does not compile" in (out / "feedback" / "carol.md").read_text()
    alone = check_module(submissions / "bob", functions=only.split(","))
    assert {n: v.status for n, v in alone.verdicts.items()} == {
        n: table["bob"][n] for n in only.split(",")}


# ---- the judges under the Python convention (no sandbox) ---------------------------------------

def test_a_column_for_the_row_with_its_own_relu_kink_is_a_layout():
    """ReLu_backward's 1x30 case answered with a 30x1 column and ReLU'(0) = 0: read in the
    row's shape at the kink, a layout (MATLAB) and correct (Python's layout); it was called
    wrong, the kink compared with the original's 0.5."""
    rng = np.random.default_rng(0)
    cases = relu_backward_cases(rng)
    (d1, x1, _), (d2, x2, _) = cases
    results = [[d1 * (x1 > 0)], [(d2.T * (x2 > 0))]]  # ReLU'(0) = 0, a 30x1 column
    verdict = relu_backward_judge(cases, results, rng)
    assert verdict.status == L and "ReLU'(0) = 0" in verdict.note
    with python_check.python_convention("ReLu_backward", cases[0]):
        verdict = relu_backward_judge(cases, results, rng)
    assert verdict.status == C, verdict


def test_a_loss_with_a_small_constant_for_safety_is_right():
    """log(p + 1e-10) is off by about 1e-9: allowed, said; a wrong loss is still wrong."""
    rng = np.random.default_rng(1)
    cases = loss_cases(rng)
    x, y = cases[0]
    l_true = np.sum((y - x) ** 2)
    safe = loss_euclidean_judge(cases, [[l_true * (1 + 3e-9), (2 * (x - y)).T]], rng)
    assert safe.status == C and "numerical safety" in safe.note
    wrong = loss_euclidean_judge(cases, [[l_true * 1.01, (2 * (x - y)).T]], rng)
    assert wrong.status == W


def test_the_convention_puts_true_values_in_the_variables_shapes():
    """Under the Python convention a MATLAB row is a column, FC's dl_dw w's (n, m) matrix read
    row after row, Conv's the (3, 3, 1, 3) of w_conv; MATLAB's own layout is a layout."""
    w = np.arange(6.0).reshape(2, 3)
    convention = PythonConvention("FC_backward", [None, None, w])
    row = np.arange(6.0)[None]
    what, want, _, layouts, _ = convention.adapt("dLdw", row, [], [], [])
    assert what == "dl_dw" and np.array_equal(want, row.reshape(2, 3))
    assert layouts[0] == ("MATLAB's layout", row)
    what, want, *_ = convention.adapt("dLdb", np.array([[1.0, 2.0]]), [], [], [])
    assert want.shape == (2, 1)
    assert convention.shape(np.ones(3)) != convention.shape(np.ones((3, 1)))
    assert convention.shape(np.ones((1, 1))) == convention.shape(2.0) == ()


CAPSTONE_BUGS = {"loss_euclidean", "relu_backward", "conv_backward", "pool2x2_backward",
                 "flattening_backward"}
"""The capstone's planted bugs (capstone/cnn.py; its fixed version is tests/python_homework.py,
kept here, out of the students' folder)."""


def test_the_capstone_differs_from_the_right_solution_in_its_planted_bugs_only():
    import ast

    def functions(text):
        return {node.name: ast.dump(node) for node in ast.parse(text).body
                if isinstance(node, ast.FunctionDef)}

    planted, right = functions((ROOT / "capstone" / "cnn.py").read_text()), functions(HOMEWORK)
    assert set(planted) == set(right) == set(python_check.NAMES)
    assert {name for name in right if planted[name] != right[name]} == CAPSTONE_BUGS


def test_the_checker_finds_exactly_the_capstones_bugs_from_a_relative_path(bwrap, monkeypatch,
                                                                           capsys):
    # a relative PATH (the box runs the module from another folder: it once failed to find it)
    monkeypatch.chdir(ROOT)
    code, out, err = run_main(check_python, ["capstone", "--format", "json", "--quiet"], capsys)
    assert code == 1 and "Traceback" not in err
    statuses = {name: v["status"] for name, v in json.loads(out)["functions"].items()}
    assert {name for name, status in statuses.items() if status != C} == CAPSTONE_BUGS
    assert {statuses[name] for name in CAPSTONE_BUGS} == {W}
