"""What the lessons (docs/lessons/*.py) share: where the project's data is, found through the
package (never through a path relative to the notebook), and a check that says what failed."""

from pathlib import Path

import numpy as np

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


def check(name, got, want, tolerance):
    """A lesson's check: prints what was compared and passes, or raises AssertionError saying
    by how much ``got`` is off (relative to max |want|). Returns nothing (a notebook shows a
    cell's last value)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        raise AssertionError(f"{name}: shape {got.shape}, expected {want.shape}")
    error = relative_error(got, want)
    if not error <= tolerance:
        raise AssertionError(f"{name}: off by {error:.2g} (relative), more than {tolerance:g}")
    print(f"{name}: ok (relative error {error:.1e} <= {tolerance:g})")
