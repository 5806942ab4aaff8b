"""Write the lessons (docs/lessons/NN_*.py, jupytext percent files) as Jupyter notebooks.

    python scripts/make_lessons.py notebooks [--out-dir build/notebooks]
    python scripts/make_lessons.py student [--out-dir build/student]

notebooks: each lesson as it is (the teacher's version: exercises with their solutions).
student: the same without the cells tagged "solution" or "answer"; each exercise is left to
do, and the check after it fails until it is done. No outputs are written in either: run them in Jupyter
(or Colab) from the project's folder, where `import reference, dual, mains` finds the code.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys

from mains.notebooks import (ROOT, TAGS, lesson_files, read_lesson,  # noqa: F401 (TAGS: the
                             relink, student)                        # tests read it here)
from shared.cli import ArgumentParser, path, run_cli
from shared.file_set import write_output_set

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
