"""The lessons (docs/lessons/NN_*.py): each runs, as a notebook in a real kernel, in a few
seconds, with no failing cell and no widget warning; the student's version fails at its check
until the exercise is done; make_lessons.py writes both. Skipped without the lesson tools
(pip install -e '.[lessons]')."""

import re
import time

import numpy as np
import pytest

from conftest import ROOT, assert_one_line_error, load_script, run_main
from shared.matlab import reshape_f

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
nbformat = pytest.importorskip("nbformat")

make_lessons = load_script("make_lessons")
LESSONS = make_lessons.lesson_files()
SECONDS = 30  # per lesson: they read long results from committed files instead of computing them


def execute(notebook):
    """Run ``notebook`` in a Python kernel started in the checkout (so that it imports this
    checkout's code); raises nbclient's CellExecutionError at a failing cell."""
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return notebook


def outputs(notebook):
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_there_are_lessons_numbered_in_order():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == sorted(set(numbers)) and len(numbers) >= 2


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_is_a_percent_file_with_a_title_and_known_tags(lesson):
    notebook = jupytext.read(lesson)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# Lesson {int(lesson.name[:2])}: ", first.source)
    tags = [t for c in notebook.cells for t in c.metadata.get("tags", [])]
    assert set(tags) <= set(make_lessons.TAGS)
    assert tags.count("exercise") == tags.count("solution")
    for cell in notebook.cells:  # a solution is folded on the site (myst-nb's hide-input), and
        tags = cell.metadata.get("tags", [])  # only a solution ("Show the solution")
        assert ("solution" in tags) == ("hide-input" in tags)
        if "answer" in tags:  # folded in Jupyter and on the site alike
            assert cell.cell_type == "markdown"
            assert cell.source.startswith("<details><summary>") and cell.source.endswith("</details>")
    for cell in notebook.cells:  # data through the package, not paths relative to the lesson
        assert cell.cell_type == "markdown" or "../" not in cell.source  # (links to pages may)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_runs_in_a_kernel_in_seconds(lesson):
    start = time.perf_counter()
    notebook = execute(jupytext.read(lesson))
    took = time.perf_counter() - start
    assert took < SECONDS, f"{lesson.name} took {took:.1f} s"
    text = outputs(notebook)
    assert "IProgress" not in text and "Traceback" not in text
    checks = [c for c in notebook.cells if "check" in c.metadata.get("tags", [])]
    assert checks and all(": ok (relative error" in "".join(o.get("text", "") for o in c.outputs)
                          for c in checks if "check(" in c.source)


@pytest.mark.parametrize("lesson", [p for p in LESSONS if "tags=[\"exercise\"]" in p.read_text()],
                         ids=lambda p: p.stem)
def test_the_students_version_fails_at_the_check_until_the_exercise_is_done(lesson):
    notebook = make_lessons.student(jupytext.read(lesson))
    assert not any({"solution", "answer"} & set(c.metadata.get("tags", [])) for c in notebook.cells)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failure:
        execute(notebook)
    assert "NotImplementedError" in str(failure.value) and "your code here" in str(failure.value)
    failed = next(c for c in notebook.cells if c.cell_type == "code" and any(
        o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert "check" in failed.metadata.get("tags", [])


@pytest.mark.parametrize("version", ["notebooks", "student"])
def test_make_lessons_writes_a_notebook_per_lesson(tmp_path, capsys, version):
    code, out, err = run_main(make_lessons, [version, "--out-dir", tmp_path], capsys)
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"{p.stem}.ipynb" for p in LESSONS]
    for name in written:
        notebook = nbformat.read(tmp_path / name, as_version=4)
        has_solution = any("solution" in c.metadata.get("tags", []) for c in notebook.cells)
        assert has_solution == (version == "notebooks" and "exercise" in str(notebook))


def test_make_lessons_bad_version_is_one_line(capsys):
    code, _, err = run_main(make_lessons, ["teacher"], capsys)
    assert_one_line_error(code, err, "invalid choice")


def test_a_check_says_what_passed_and_by_how_much_a_wrong_answer_is_off(capsys):
    from mains.lessons import check
    assert check("x * x at x = 3", (9.0, 6.0), (9.0, 6.0), 0.0) is None  # no stray cell value
    assert capsys.readouterr().out == "x * x at x = 3: ok (relative error 0.0e+00 <= 0)\n"
    with pytest.raises(AssertionError, match=r"^x \* x at x = 3: off by 0\.33 \(relative\), "
                                             r"more than 0\nfirst difference at \[1\]: "
                                             r"expected 6, got 3$"):
        check("x * x at x = 3", (9.0, 3.0), (9.0, 6.0), 0.0)
    with pytest.raises(AssertionError, match=r"^step: shape \(27,\), expected \(3, 3, 1, 3\)$"):
        check("step", range(27), [[[[0.0] * 3]] * 3] * 3, 1e-12)
    with pytest.raises(AssertionError, match="off by nan"):
        check("nan", [float("nan")], [1.0], 1e-3)


def test_without_mnist_a_lesson_is_told_how_to_get_it(tmp_path, monkeypatch, capsys):
    import mains.lessons
    monkeypatch.setattr(mains.lessons, "DATA_DIR", tmp_path)
    assert mains.lessons.mnist() is None
    assert "python scripts/get_data.py fetches it" in capsys.readouterr().out
    images = mains.lessons.synthetic_images(5)
    assert images.shape == (196, 5) and images.min() >= 0 and images.max() <= 1


W = np.arange(1.0, 13.0).reshape(3, 4) + 0.5  # no symmetry, no whole numbers: each mistake differs


@pytest.mark.parametrize("wrong, extra, named", [
    (-W, {}, "the opposite sign"),
    (W.T, {}, "the transpose"),
    (reshape_f(W.reshape(-1), W.shape), {}, "column-major read of a row-major gradient"),
    (W / 2, {}, "missing factor 2"),
    (np.floor(W), {}, "floor where ceil"),
    (W / 3, {"upstream": np.full(W.shape, 3.0)}, "upstream gradient dropped"),
    (W + 1, {"ties": W + 1}, "a tie counted twice"),
], ids=["sign", "transpose", "E2", "factor", "floor", "upstream", "tie"])
def test_a_check_names_the_known_mistake_of_a_wrong_answer(wrong, extra, named):
    """Each mistake of the catalogue shared with the MATLAB checker is named, beside the first
    differing entry (expected, got); exact arithmetic on small numbers, so tolerance 1e-12."""
    from mains.lessons import check
    with pytest.raises(AssertionError) as failure:
        check("dLdw", wrong, W, 1e-12, **extra)
    message = str(failure.value)
    assert named in message
    assert "first difference" in message or "shape (4, 3), expected (3, 4)" in message


def test_a_wrong_answer_that_is_no_known_mistake_names_none():
    from mains.lessons import check
    with pytest.raises(AssertionError) as failure:
        check("dLdw", W + np.eye(3, 4), W, 1e-12)
    assert "looks like" not in str(failure.value)


def test_the_checker_and_the_lessons_share_one_catalogue():
    import checker.layers
    import shared.mistakes
    import checker.training
    assert checker.training.E2 is shared.mistakes.E2 and checker.training.E3 is shared.mistakes.E3
    assert checker.layers.FC_TRANSPOSE is shared.mistakes.FC_TRANSPOSE


def wrong_answer(lesson, function, source, expect=AssertionError):
    """The message of the check after ``function``'s exercise in ``lesson`` (a file name's start)
    when the student's cell is ``source``: the lesson's code cells run in-process, in order, up
    to that check (no kernel: cheap), the solution replaced by ``source``. ``expect``: what the
    check raises (a failed check, or the one-line error of a half-done answer)."""
    import matplotlib
    matplotlib.use("Agg")
    path = next(p for p in LESSONS if p.name.startswith(lesson))
    namespace, answered = {"__name__": "lesson"}, False
    for cell in jupytext.read(path).cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "exercise" in tags:
            continue
        if "solution" in tags and re.search(rf"^(def|class) {function}\b", cell.source, re.M):
            exec(source, namespace)
            answered = True
            continue
        if answered and "check" in tags:
            with pytest.raises(expect) as failure:
                exec(cell.source, namespace)
            return str(failure.value)
        exec(cell.source, namespace)
    raise AssertionError(f"no check after {function} in {path.name}")


@pytest.mark.parametrize("lesson, function, source, named", [
    ("04", "conv_step", "def conv_step(d):\n    return reshape_f(d, (3, 3, 1, 3))\n",
     "column-major read of a row-major gradient"),
    ("06", "passes", "def passes(n, k):\n    return n // k\n", "floor where ceil is meant"),
    ("05", "softplus", "def softplus(x):\n    return np.log(1 + np.exp(x))\n",
     "softplus at x = 1000 (no overflow): off by inf"),
    ("10", "pool_backward", "def pool_backward(dldy, x):\n"
     "    up = np.kron(dldy, np.ones((2, 2, 1)))\n"
     "    return up * (x == np.kron(pool2x2(x), np.ones((2, 2, 1))))\n", "a tie counted twice"),
    ("10", "Dual", "class Dual:\n    def __init__(self, value, deriv=0.0):\n"
     "        self.value, self.deriv = value, deriv\n"
     "    def __add__(self, o):\n        o = o if isinstance(o, Dual) else Dual(o)\n"
     "        return Dual(self.value + o.value, self.deriv + o.deriv)\n    __radd__ = __add__\n"
     "    def __mul__(self, o):\n        o = o if isinstance(o, Dual) else Dual(o)\n"
     "        return Dual(self.value * o.value, self.deriv * o.value + self.value * o.deriv)\n"
     "    __rmul__ = __mul__\n    def __truediv__(self, o):\n"
     "        o = o if isinstance(o, Dual) else Dual(o)\n"
     "        return Dual(self.value / o.value, (self.value * o.deriv - self.deriv * o.value)"
     " / o.value ** 2)\n    def __rtruediv__(self, o):\n        return Dual(o) / self\n"
     "def dsin(u):\n    return Dual(math.sin(u.value), math.cos(u.value) * u.deriv)\n"
     "def dexp(u):\n    return Dual(math.exp(u.value), math.exp(u.value) * u.deriv)\n",
     "your Dual's g'(0.3) against DualArray's: off by"),
    ("04", "unblock", "def unblock(dldx_rv):\n    return reshape_f(dldx_rv, (14, 14, 3))\n",
     "erratum E1 of the original"),
    ("10", "conv_weight_gradient", "def conv_weight_gradient(dldy, x):\n"
     "    return conv_weight_step(row, w_conv.shape, errata='keep')\n",
     "a column-major read of a row-major gradient"),
    ("10", "conv_weight_gradient", "def conv_weight_gradient(dldy, x):\n"
     "    padded, dldw = np.pad(x[:, :, 0], 1), np.zeros((3, 3, 1, dldy.shape[2]))\n"
     "    for i in range(3):\n        for j in range(3):\n"
     "            for k in range(dldy.shape[2]):\n"
     "                dldw[2 - i, 2 - j, 0, k] = np.sum(dldy[:, :, k] * padded[i:i + 14, j:j + 14])\n"
     "    return dldw\n", "the kernel flipped"),
], ids=["E2 reading", "floor for ceil", "naive softplus", "ties twice", "quotient sign",
        "E1 as written", "conv: E2's reading", "conv: flipped kernel"])
def test_a_wrong_answer_from_the_issue_gets_its_named_message(lesson, function, source, named):
    assert named in wrong_answer(lesson, function, source)


LOGADDEXP = "def dlogaddexp_dx(value, x, y):\n    {}\ndef dlogaddexp_dy(value, x, y):\n    return np.exp(y - value)\n"


@pytest.mark.parametrize("body, expect, named", [
    ("return np.exp(x) / (np.exp(x) + np.exp(y))", AssertionError,
     "at x = 1000 (no overflow): off by nan"),
    ("np.exp(x - value)", TypeError,
     "the rule of logaddexp: its derivative by argument 1 returned NoneType, not an array or a "
     "number (did it return at all?)"),
], ids=["overflows", "no return"])
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_lesson_9s_half_done_or_overflowing_rule_gets_its_named_message(body, expect, named):
    message = wrong_answer("09", "dlogaddexp_dx", LOGADDEXP.format(body), expect)
    assert named in message
    if expect is TypeError:  # a half-done rule: one line, not a traceback from inside numpy
        assert "\n" not in message


def test_the_teachers_guide_covers_every_lesson_and_is_on_the_site():
    guide = (ROOT / "docs" / "teachers.md").read_text()
    for lesson in LESSONS:
        assert f"| {int(lesson.name[:2])} " in guide, f"{lesson.name} missing from the guide's table"
    assert "make student" in guide and "check_matlab.py --class" in guide
    assert "\nteachers\n" in (ROOT / "docs" / "index.md").read_text()


def test_a_written_notebooks_links_to_the_notes_lead_to_pages(tmp_path, capsys):
    """Before, ../original.md#... was relative to docs/lessons and led nowhere from the
    notebook's folder."""
    out = tmp_path / "deep" / "notebooks"
    code, _, err = run_main(make_lessons, ["notebooks", "--out-dir", out], capsys)
    assert code == 0, err
    links = []
    for notebook in out.iterdir():
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "markdown":
                links += re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)\s]*)?\)", cell.source)
    assert links and all((out / link).resolve().is_file() for link in links), links


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_starts_with_a_setup_cell_that_finds_the_project(lesson):
    """A notebook opened in build/notebooks (or any folder under the checkout) imports the
    project's code without being started from the checkout's root."""
    first = next(c for c in jupytext.read(lesson).cells if c.cell_type == "code")
    assert 'folder / "mains" / "lessons.py"' in first.source and "sys.path.insert" in first.source


def test_timed_cells_pin_blas_to_one_thread_and_show_the_committed_benchmark():
    """Lesson 6 printed 55 ms for chain mode beside its text saying it is tens of times cheaper
    (BLAS threads spinning on a busy machine): its timings now run under one_blas_thread, with
    the committed benchmark's figure beside them."""
    lesson = next(p for p in LESSONS if p.name.startswith("06"))
    timed = [c.source for c in jupytext.read(lesson).cells
             if c.cell_type == "code" and "= ms(" in c.source]
    assert timed and all("with one_blas_thread():" in source and "benchmark" in source
                         for source in timed)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_question_has_an_answer(lesson):
    """Before, 2 of 9 questions had one."""
    cells = jupytext.read(lesson).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and "**Question.**" in cell.source:
            assert "<details>" in cell.source or (
                i + 1 < len(cells) and "answer" in cells[i + 1].metadata.get("tags", [])), \
                f"{lesson.name}: a question without an answer"
