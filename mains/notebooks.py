"""The lessons (docs/lessons/NN_*.py, jupytext percent files) as Jupyter notebooks: the full
version and the student's, for scripts/make_lessons.py and for the site's downloads
(docs/conf.py)."""

import os
import re
from pathlib import Path

from shared.errors import CnnDualError

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "docs" / "lessons"
TAGS = ("exercise", "solution", "check", "hide-input", "answer")
"""The cell tags a lesson may use: an exercise (the student's to fill in), its solution (left
out of the student's notebooks), and a check that passes only when the exercise is done;
hide-input, which folds a cell's code on the site (myst-nb), as it does every solution's; and
answer, a markdown cell answering a question, folded (<details>) and left out of the student's
notebooks."""
HIDDEN_FROM_STUDENTS = ("solution", "answer")


def lesson_files():
    return sorted(LESSONS.glob("[0-9][0-9]_*.py"))


def read_lesson(path):
    """The lesson at ``path`` as a notebook (nbformat), needing jupytext."""
    try:
        import jupytext
    except ImportError:
        raise CnnDualError("the lessons need jupytext: pip install -e '.[lessons]'") from None
    return jupytext.read(path)


def student(notebook):
    """``notebook`` without its solution and answer cells (a copy)."""
    import copy
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells
                      if not set(HIDDEN_FROM_STUDENTS) & set(c.metadata.get("tags", []))]
    return notebook


LINK = re.compile(r"\]\(\.\./([^)#\s]+)(#[^)\s]*)?\)")
"""A lesson's link to a page of the notes, ``](../page.md#heading)``: relative to docs/lessons,
where the site builds it, so it leads nowhere from the folder a notebook is written to."""


def relink(notebook, out_dir):
    """``notebook`` (changed in place) with each link to the notes made relative to ``out_dir``,
    leading to the page in docs/ from where the notebook is opened."""
    docs = os.path.relpath(ROOT / "docs", Path(out_dir).resolve()).replace(os.sep, "/")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = LINK.sub(lambda m: f"]({docs}/{m[1]}{m[2] or ''})", cell.source)
    return notebook
