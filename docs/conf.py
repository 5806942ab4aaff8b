"""Sphinx configuration of the project's site: the lessons (docs/lessons/NN_*.py, executed by
myst-nb at build time, so that a failing lesson fails ``make docs``, which builds with -W) and
the notes (docs/*.md).

    make docs        # python -m sphinx -W --keep-going -E -b html -d build/doctrees docs build/site

The math is rendered by MathJax 3.2.2 served with the site (its SVG output: no web fonts, no
CDN), so that a page renders with no network; ``python scripts/get_data.py --mathjax`` fetches
it into data/, checksum-verified.
"""

import hashlib
import os
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the lessons' kernels import this checkout's code (reference, dual, mains), installed or not
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this Python's kernel, not a user's

from shared.downloads import DOCS_FILES, MATHJAX  # noqa: E402

project = "cnn-dual"
author = "the cnn-dual authors"
copyright = "the cnn-dual authors"

extensions = ["myst_nb", "sphinx.ext.mathjax"]
exclude_patterns = ["conf.py", "lessons/results", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".py": "myst-nb"}
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

nb_execution_mode = "force"  # a lesson runs whenever its page is built (make docs: every build, -E)
nb_execution_timeout = 120
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_merge_streams = True
nb_output_stderr = "warn"  # a lesson that warns (or writes to stderr) fails the build too (-W)
nb_code_prompt_show = "Show the solution"  # only the solutions are folded (tag hide-input)
nb_code_prompt_hide = "Hide the solution"

html_theme = "alabaster"
html_title = "cnn-dual"
html_theme_options = {"description": "a MATLAB CNN, its Python port, and its dual-number twin",
                      # wide enough for the lessons' 100-column code, narrow enough for a
                      # 1200-pixel window (below page_width alabaster drops the sidebar)
                      "page_width": "1160px", "sidebar_width": "220px", "body_max_width": "none",
                      "font_size": "16px", "code_font_size": "0.85em", "show_relbars": True}
html_static_path = ["_static"]  # custom.css

# MathJax from data/, copied into the site (_static/mathjax/) when the build is done
MATHJAX_ARCHIVE = ROOT / "data" / MATHJAX
MATHJAX_FILES = {"package/es5/tex-svg.js": "tex-svg.js", "package/LICENSE": "LICENSE"}
mathjax_path = "mathjax/tex-svg.js"
mathjax3_config = {"svg": {"fontCache": "global"}}


FETCH = f"make docs fetches it, or in {ROOT}: python scripts/get_data.py --mathjax"


def check_mathjax():
    """Check MATHJAX_ARCHIVE against its SHA-256. When it is absent or another file: one line
    and exit 1 (a SystemExit, which Sphinx lets through without its crash report)."""
    if not MATHJAX_ARCHIVE.is_file():
        raise SystemExit(f"error: {MATHJAX_ARCHIVE} is absent ({FETCH}); the site serves its own "
                         "MathJax")
    if hashlib.sha256(MATHJAX_ARCHIVE.read_bytes()).hexdigest() != DOCS_FILES[MATHJAX][1]:
        raise SystemExit(f"error: {MATHJAX_ARCHIVE} is not {MATHJAX} as npm publishes it (its "
                         f"SHA-256 differs): {FETCH} again")


def copy_mathjax(app, exception):
    """Unpack MathJax's single-file TeX-to-SVG build and its licence into _static/mathjax/."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(MATHJAX_ARCHIVE) as archive:  # checked by setup, before the build
        for member, name in MATHJAX_FILES.items():
            (target / name).write_bytes(archive.extractfile(member).read())


LESSON_PAGE = re.compile(r"lessons/(\d\d_\w+)$")


def lesson_downloads(app, pagename, templatename, context, doctree):
    """Each lesson's page offers its notebook for download, full and student's (written by
    ``write_notebooks`` into notebooks/ and notebooks/student/ of the site)."""
    lesson = LESSON_PAGE.match(pagename)
    if lesson is None or "body" not in context:
        return
    stem = lesson[1]
    context["body"] = (
        '<p class="lesson-downloads">This lesson as a Jupyter notebook: '
        f'<a href="../notebooks/{stem}.ipynb" download>with the solutions</a>, '
        f'<a href="../notebooks/student/{stem}.ipynb" download>for students</a> (its exercises '
        "to do). Its first cell says how to get the code and the data.</p>\n" + context["body"])


def write_notebooks(app, exception):
    """The lessons as notebooks into notebooks/ (full) and notebooks/student/ of the site."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    from mains.notebooks import lesson_files, read_lesson, student
    out = Path(app.outdir) / "notebooks"
    (out / "student").mkdir(parents=True, exist_ok=True)
    for lesson in lesson_files():
        notebook = read_lesson(lesson)
        nbformat.write(notebook, str(out / f"{lesson.stem}.ipynb"))
        nbformat.write(student(notebook), str(out / "student" / f"{lesson.stem}.ipynb"))


def setup(app):
    check_mathjax()  # before the lessons run: a missing or wrong MathJax fails at once
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", write_notebooks)
    app.connect("html-page-context", lesson_downloads)
