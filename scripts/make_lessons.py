"""Write the lessons (docs/lessons/NN_*.py, jupytext percent files) as Jupyter notebooks.

    python scripts/make_lessons.py notebooks [--out-dir build/notebooks]
    python scripts/make_lessons.py student [--out-dir build/student]

notebooks: each lesson as it is (the teacher's version: exercises with their solutions).
student: the same without the cells tagged "solution" or "answer"; each exercise is left to
do, and the check after it fails until it is done. No outputs are written in either: run them in Jupyter
(or Colab) from the project's folder, where `import reference, dual, mains` finds the code.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import os
import re
import sys
from pathlib import Path

from shared.cli import ArgumentParser, path, run_cli
from shared.errors import CnnDualError
from shared.file_set import write_output_set

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


def parse_args(argv):
    parser = ArgumentParser(prog="make_lessons.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("version", choices=("notebooks", "student"),
                        help="notebooks: the lessons as they are; student: without solutions and answers")
    parser.add_argument("--out-dir", type=path, default=None,
                        help="where the .ipynb files go (default: build/notebooks or "
                             "build/student)")
    return parser.parse_args(argv)


def _run(args):
    import nbformat
    out_dir = args.out_dir or ROOT / "build" / args.version
    writers = {}
    for lesson in lesson_files():
        notebook = read_lesson(lesson)
        if args.version == "student":
            notebook = student(notebook)
        relink(notebook, out_dir)
        writers[f"{lesson.stem}.ipynb"] = (
            lambda target, notebook=notebook: nbformat.write(notebook, str(target)))
    write_output_set(out_dir, writers)
    print(f"wrote {len(writers)} notebooks into {out_dir}")
    return 0


def main(argv=None):
    return run_cli(_run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
