# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2: MATLAB to Python
#
# Three things trip up a port from MATLAB to numpy, and the original's `Conv.m` meets all
# three: **column-major order** (MATLAB stores and reshapes arrays first index fastest, numpy
# last index fastest), **1-based indices**, and **`im2col`**, which numpy does not have.
# `shared/matlab.py` has the port's answers; `reference/conv.py` uses them line by line.

# %% [markdown]
# *Setup.* Run this first. From the project's folder (or any folder below it: `build/notebooks`,
# `build/student`) it finds the project's code; anywhere else (a fresh Jupyter, a hosted
# notebook), install the project first, `pip install -e ".[lessons]"` in its checkout, and
# `python scripts/get_data.py` for MNIST (a lesson without it goes on with synthetic images).

# %%
import sys
from pathlib import Path

for folder in (Path.cwd(), *Path.cwd().parents):  # the project's code, from this notebook's folder
    if (folder / "mains" / "lessons.py").is_file():
        sys.path.insert(0, str(folder))
        break

# %%
import inspect
import shutil

import numpy as np

import reference.conv
from mains.lessons import DATA_DIR, ROOT, check
from shared.matlab import im2col_distinct, im2col_sliding, reshape_f

# %% [markdown]
# ## Column-major order
#
# MATLAB's `reshape(1:6, [2 3])` fills the first column first: `[1 3 5; 2 4 6]`. numpy's
# `np.reshape` fills the first row first, unless told `order="F"` (Fortran's, MATLAB's order).

# %%
a = np.arange(1, 7)
print("np.reshape(a, (2, 3)):\n", np.reshape(a, (2, 3)))
print("MATLAB's reshape(a, [2 3]):\n", np.reshape(a, (2, 3), order="F"))

# %% [markdown]
# **Exercise.** Write MATLAB's `A(:)` (all of A as one column, column-major) for a numpy array.

# %% tags=["exercise"]
def colon(A):
    """MATLAB's A(:): an n x 1 column, first index fastest."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def colon(A):
    """MATLAB's A(:): an n x 1 column, first index fastest."""
    return np.reshape(A, (-1, 1), order="F")


# %% tags=["check"]
A = np.arange(24.0).reshape(2, 3, 4)
check("A(:) of a 2x3x4 array", colon(A), reshape_f(A, (24, 1)), 0.0)
check("A(:) read back with reshape(v, size(A))", reshape_f(colon(A), A.shape), A, 0.0)

# %% [markdown]
# ## 1-based indices
#
# MATLAB's `x(r, c)` is numpy's `x[r - 1, c - 1]`; `1:n` is `range(1, n + 1)` as values, or
# `slice(0, n)` as indices. The port keeps MATLAB's names and comments with MATLAB's indices
# ([original.md](../original.md#where-the-ports-lines-are-not-the-matlabs-and-why), "Where the
# port's lines are not the MATLAB's, and why").
#
# ## im2col
#
# `im2col(x_padded, [3 3])` (the image package's, 'sliding') makes one column per 3x3 patch:
# 196 columns for a 16x16 padded image, each patch's 9 values listed column-major, the patches
# in column-major order of their positions. `'distinct'` takes the non-overlapping blocks, as
# `Pool2x2.m` does. A 4x4 image shows both:

# %%
img = np.arange(1.0, 17.0).reshape(4, 4, order="F")  # MATLAB's reshape(1:16, [4 4])
print(img)
print("im2col(img, [3 3]) (sliding):\n", im2col_sliding(img, 3))
print("im2col(img, [2 2], 'distinct'):\n", im2col_distinct(img, 2))

# %% [markdown]
# ## `Conv.m` beside `reference/conv.py`
#
# The original's `Conv.m` reshapes the image, pads it with a row and a column of zeros on each
# side, takes the patches with `im2col`, and multiplies them by the filters reshaped to 9x3
# (its lines 16 to 30). The port, line for line (it runs a whole batch at once, hence the
# extra axis):

# %%
print(inspect.getsource(reference.conv.conv))

# %% [markdown]
# The original is not part of this project (it has no licence): `python scripts/get_data.py
# --matlab` fetches it into `data/matlab/`. When it is there, here it is:

# %%
original = DATA_DIR / "matlab" / "Conv.m"
if original.is_file():
    print(original.read_text())
else:
    print(f"{original.relative_to(ROOT)} is absent: python scripts/get_data.py --matlab "
          "fetches the original")

# %% [markdown]
# ## The same input in Octave
#
# When GNU Octave is installed (with its image package: `apt install octave octave-image`), the
# checker's bridge (`checker/engine.py`) runs MATLAB code on the same input: the original's
# `Conv.m` when it is in `data/matlab/`, else the checker's own `Conv.m`
# (`checker/solution/`, written for the checker). The port must agree to rounding.

# %%
if shutil.which("octave-cli") is None:
    print("GNU Octave is not installed: apt install octave octave-image (the rest of this "
          "lesson needs no Octave)")
else:
    import tempfile
    from pathlib import Path

    from checker.check import SOLUTION
    from checker.engine import EngineUnavailable, Octave

    folder = original.parent if original.is_file() else SOLUTION
    rng = np.random.default_rng(2)
    x = rng.uniform(0.0, 1.0, (14, 14))
    w_conv, b_conv = rng.standard_normal((3, 3, 1, 3)), rng.standard_normal((3, 1))
    try:
        with Octave(folder) as octave, tempfile.TemporaryDirectory() as work:
            shutil.copy(folder / "Conv.m", Path(work) / "Conv.m")
            if folder == SOLUTION:
                shutil.copy(SOLUTION / "conv_patches.m", Path(work) / "conv_patches.m")
            (y_octave,) = octave.call(work, "Conv", [x, w_conv, b_conv], 1, timeout=60)
        print(f"{folder.name}/Conv.m in {octave.version}: y is {y_octave.shape}")
        check("reference.conv against Octave", reference.conv.conv(x, w_conv, b_conv),
              y_octave, 1e-13)
    except EngineUnavailable as error:
        print(error)

# %% [markdown]
# **Question.** `Conv.m` computes `transpose(x_row_version) * w_reshaped`, a 196x9 times 9x3
# product. Which index of `w_conv` runs fastest down the 9 rows of `w_reshaped`, and why does
# that make the layer a correlation and not a convolution? (Lesson 4 shows what goes wrong
# when a gradient is read back in the other order.)

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# `reshape(w_conv, [9 3])` reads column-major, so the kernel's **row** index runs fastest down
# the 9 rows, then its column. `im2col` lists each 3x3 patch in the same order (the patch's row
# offset fastest). Row $q$ of `w_reshaped` therefore meets entry $q$ of the patch: $w_{ij}$
# multiplies $x_{r+i-1,\,c+j-1}$, the kernel laid on the image as it is. A convolution would
# flip it ($w_{ij}$ times $x_{r-i+1,\,c-j+1}$, up to the padding's shift).
#
# </details>
