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
# # Lesson 5: the dual twin
#
# `reference/` has the original's backward functions, derived by hand. `dual/` has a twin of
# each, line for line the same, except where a hand-derived local derivative becomes the dual
# part of the forward layer run on **seeded** inputs. The trick that keeps it cheap: a layer's
# Jacobian is mostly zeros, and its structure says which seeds can share a partial.
#
# | layer | its Jacobian | seeds (partials per pass) |
# |---|---|---|
# | ReLu (elementwise) | diagonal | 1: every value carries the same seed |
# | Pool2x2 | each output sees one 2x2 block | 4: one per position in the block |
# | Conv | filter k acts on channel k as filter 1 on channel 1 | 10: one filter, and its bias |
# | FC | row i acts on output i as row 1 on output 1 | 148: one row, and its bias |
#
# These are *compressed Jacobians*: columns that never overlap share one partial.

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
import difflib
import inspect

import numpy as np
import scipy.special

import dual.relu_backward
import reference.relu_backward
from dual.seeding import dual_part, elementwise_derivative, seed_identity
from mains.lessons import check
from reference.relu import relu

# %% [markdown]
# ## One seed for a diagonal Jacobian
#
# Seed every entry of x with the same partial: since output $i$ depends on input $i$ only, the
# one partial of output $i$ is $\partial y_i / \partial x_i$, the diagonal. Seeding each entry
# with a partial of its own (`seed_identity`) gives the whole Jacobian, at K = n times the cost:

# %%
rng = np.random.default_rng(5)
x = rng.standard_normal((4, 3))
diagonal = elementwise_derivative(relu, x)
seeded = seed_identity(x)  # 12 partials, one per entry (column-major)
full = dual_part(relu(seeded), seeded).reshape(12, 12, order="F")
print("the full Jacobian is diagonal:", np.count_nonzero(full - np.diag(np.diag(full))) == 0)
check("one seed gives its diagonal", diagonal.reshape(-1, order="F"), np.diag(full), 0.0)

# %% [markdown]
# ## The twin beside the reference
#
# The two `ReLu_backward`s differ in one line, taken out of the reference (`-`) and put into the
# twin (`+`): the reference writes the derivative as a formula, the twin reads it off the dual
# number (docstrings aside):

# %%
def code(function):
    source = inspect.getsource(function)
    body = source.split('"""')[-1] if '"""' in source else source
    return [line for line in body.splitlines() if line.strip()]


for line in difflib.unified_diff(code(reference.relu_backward.relu_backward),
                                 code(dual.relu_backward.relu_backward), lineterm="", n=0):
    if not line.startswith(("---", "+++", "@@")):
        print(line)

dldy = rng.standard_normal(x.shape)
check("the twin equals the reference away from the kink",
      dual.relu_backward.relu_backward(dldy, x, relu(x)),
      reference.relu_backward.relu_backward(dldy, x, relu(x)), 0.0)

# %% [markdown]
# `tests/test_mirror.py` diffs every pair this way and counts the lines that differ, taken out
# plus put in: 2 for `ReLu_backward`, 11 for `Pool2x2_backward`, ...
#
# ## A new activation, written forward only
#
# With the twin, a new layer needs only its forward pass: its backward comes from the dual
# number. Softplus, $\log(1 + e^x)$, is a smooth ReLU.
#
# **Exercise.** Write softplus with numpy calls that `DualArray` has rules for (`np.log1p`,
# `np.exp`, `np.abs`, `np.maximum`, ...), numerically safe for large $x$: at $x = 1000$,
# $e^x$ overflows, yet softplus(1000) is 1000 to the last digit. (Hint: take the large part of
# $x$ out of the logarithm before you exponentiate. Not `np.logaddexp(0, x)`: `DualArray` has
# no rule for it, and says so; lesson 9 writes one.)

# %% tags=["exercise"]
def softplus(x):
    """log(1 + exp(x)), elementwise."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def softplus(x):
    """log(1 + exp(x)), elementwise."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


# %% tags=["check"]
z = np.linspace(-30.0, 30.0, 13)
check("softplus itself", softplus(z), np.log1p(np.exp(z)), 1e-15)
# exact in any arithmetic: log1p(exp(-1000)) is 0, so a safe softplus gives 1000.0 itself;
# the naive log(1 + exp(x)) overflows to inf here, and fails
with np.errstate(over="ignore"):
    check("softplus at x = 1000 (no overflow)", softplus(np.array([1000.0])), [1000.0], 1e-15)
# its derivative, from dual numbers alone, is the logistic sigmoid
check("its derivative, read off a dual number", elementwise_derivative(softplus, z),
      scipy.special.expit(z), 1e-15)

# %% [markdown]
# **Question.** `np.maximum(x, 0)` has a kink at 0, but softplus does not. What does the dual
# number give for softplus'(0), and why is the tie convention of `np.maximum` (split 1/2 : 1/2)
# the reason it comes out right? ([extensions.md](../extensions.md) has the network with other
# activations; `python scripts/main_cnn.py --activation sigmoid` trains one.)

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# $\frac{1}{2}$, the sigmoid at 0, which is right. In $\log(1 + e^{-|x|}) + \max(x, 0)$ both
# terms have a kink at 0 that the sum does not. The dual rule for `np.abs` takes
# $\operatorname{sign}(0) = 0$, so the first term contributes 0; `np.maximum`'s tie gives half
# of $x$'s derivative, $\frac{1}{2}$. Had the tie gone all to $x$ or all to 0, the dual number
# would say 1 or 0: the kinks cancel in the function, but in the derivative only when the
# conventions agree with the smooth sum.
#
# </details>
