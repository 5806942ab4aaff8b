"""What the lessons (docs/lessons/*.py) share: where the project's data is, found through the
package (never through a path relative to the notebook), and a check that says what failed."""

from pathlib import Path

import numpy as np

from shared.mistakes import name_mistake
from shared.data import SPLITS, load_split
from shared.gradcheck import relative_error

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"


def mnist(split="train"):
    """(images 196xN in [0, 1], labels 1xN) of the MNIST split, or None with a line saying how
    to get it (python scripts/get_data.py), so that a lesson can go on without it."""
    path = DATA_DIR / SPLITS[split][0]
    if not path.is_file():
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown} is absent: python scripts/get_data.py fetches it; "
              "this lesson goes on with synthetic images")
        return None
    images, labels = load_split(path, split)
    return images / 255, labels


def synthetic_images(n, seed=0):
    """n images like MNIST's (196 values each, three quarters exact zeros), 196 x n."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, (196, n)) * (rng.random((196, n)) < 0.25)


def check(name, got, want, tolerance, upstream=None, ties=None, known=()):
    """A lesson's check: prints what was compared and passes, or raises AssertionError saying
    what is wrong: the shapes, or by how much ``got`` is off (relative to max |want|) with the
    first entry that differs, expected beside got; and, when ``got`` is a known mistake of the
    catalogue shared with the MATLAB checker (shared/mistakes.py: the opposite sign, a
    transpose, a column-major read, a missing factor, ...), its name. ``upstream`` (dL/dy) and
    ``ties`` (the answer with ties counted twice) let it name those mistakes too, and ``known``
    ((catalogue name, wrong answer) pairs) any other the lesson can build. Returns
    nothing (a notebook shows a cell's last value)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        problem = f"{name}: shape {got.shape}, expected {want.shape}"
    else:
        error = relative_error(got, want)
        if error <= tolerance:
            print(f"{name}: ok (relative error {error:.1e} <= {tolerance:g})")
            return
        problem = (f"{name}: off by {error:.2g} (relative), more than {tolerance:g}\n"
                   f"{first_difference(got, want, tolerance)}")
    mistake = name_mistake(got, want, max(tolerance, 1e-12), upstream, ties, known)
    raise AssertionError(problem + (f"\nthis looks like {mistake}" if mistake else ""))


def first_difference(got, want, tolerance):
    """'at [i, j]: expected w, got g' for the first entry (in numpy's order) that is off by more
    than ``tolerance`` times max |want| (or is nan)."""
    scale = max(float(np.max(np.abs(want), initial=0.0)), np.finfo(float).tiny)
    off = ~(np.abs(got - want) <= tolerance * scale)  # nan counts as off
    index = np.unravel_index(int(np.argmax(off)), want.shape) if want.ndim else ()
    where = f" at [{', '.join(str(int(i)) for i in index)}]" if index else ""
    return f"first difference{where}: expected {want[index]:.6g}, got {got[index]:.6g}"
