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
# # Lesson 8: filters nobody differentiates by hand
#
# The study behind this project asked what dual numbers buy when a layer's derivative is
# tedious or unknown. Two non-linear filters take the conv layer's place
# ([extensions.md](../extensions.md#non-linear-filters)):
#
# - **Volterra** (second order): per 3x3 patch $x_1 \dots x_9$ and channel $k$,
#   $y = \sum_i w^{(1)}_{ik} x_i + \sum_{i \le j} w^{(2)}_{ijk} x_i x_j + b_k$. Its backward can
#   be derived by hand (the study's eq. 4.4/4.5), and the reference has it; the dual twin gets
#   it from the forward alone.
# - **Gaussian kervolution**: $y = \exp(-\gamma_k \lVert x_p - w_k \rVert^2) + b_k$. Nobody
#   wrote its backward: it exists only in the dual twin.

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
import numpy as np

import dual.extensions.gaussian_conv_backward as gaussian_backward
import dual.extensions.volterra_conv_backward as dual_volterra
import reference.extensions.volterra_conv_backward as hand_volterra
from dual.extensions.gaussian_conv import gaussian_conv
from mains.lessons import ROOT, check
from reference.extensions.volterra_conv import volterra_conv
from shared.gradcheck import finite_differences

rng = np.random.default_rng(8)
x = rng.uniform(0.0, 1.0, (14, 14, 1))
dldy = rng.standard_normal((14, 14, 3))

# %% [markdown]
# ## Volterra: the hand-derived backward against the dual one

# %%
w1 = rng.standard_normal((3, 3, 1, 3))
w2 = 0.1 * rng.standard_normal((9, 9, 3))
b = rng.standard_normal((3, 1))
y = volterra_conv(x, w1, w2, b)
by_hand = hand_volterra.volterra_conv_backward(dldy, x, w1, w2, b, y)
by_dual = dual_volterra.volterra_conv_backward(dldy, x, w1, w2, b, y)
for name, h, d in zip(("dL/dx", "dL/dw1", "dL/dw2", "dL/db"), by_hand, by_dual):
    check(f"Volterra {name}, by hand against dual numbers", h, d, 1e-13)

# %% [markdown]
# ## Gaussian kervolution: dual numbers only
#
# There is no hand-derived backward to compare with, so the dual one is checked against central
# differences of $\langle dL/dy, y \rangle$.
#
# **Exercise.** Write the forward of one Gaussian filter on one patch (9 values) and check its
# derivative in $\gamma$, read off a dual number, against the formula
# $\partial y / \partial \gamma = -\lVert x - w \rVert^2 e^{-\gamma \lVert x - w \rVert^2}$.

# %% tags=["exercise"]
def gaussian_response(patch, centre, gamma):
    """exp(-gamma ||patch - centre||^2) for one patch and one filter (no bias)."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def gaussian_response(patch, centre, gamma):
    """exp(-gamma ||patch - centre||^2) for one patch and one filter (no bias)."""
    return np.exp(-gamma * np.sum((patch - centre) ** 2))


# %% tags=["check"]
from dual import derivative  # noqa: E402

patch, centre, gamma0 = rng.uniform(0, 1, 9), rng.uniform(0, 1, 9), 0.7
distance = np.sum((patch - centre) ** 2)
check("d/dgamma of your filter, by a dual number",
      derivative(lambda g: gaussian_response(patch, centre, g), gamma0),
      -distance * np.exp(-gamma0 * distance), 1e-14)

# %%
w = rng.uniform(0.0, 1.0, (3, 3, 1, 3))
b = rng.standard_normal((3, 1))
gamma = np.array([[0.3], [1.0], [2.0]])
y = gaussian_conv(x, w, b, gamma)
dldx, dldw, dldb, dldgamma = gaussian_backward.gaussian_conv_backward(dldy, x, w, b, gamma, y)
check("Gaussian dL/dw against finite differences", dldw,
      finite_differences(lambda v: np.sum(dldy * gaussian_conv(x, v, b, gamma)), w), 1e-8)
check("Gaussian dL/dgamma against finite differences", dldgamma,
      finite_differences(lambda v: np.sum(dldy * gaussian_conv(x, w, b, v)), gamma), 1e-8)

# %% [markdown]
# ## Trained
#
# `python scripts/compare_filters.py --seeds 5` trained the CNN with each filter (10,000
# iterations, 5 seeds, minutes each). Its results, as [extensions.md](../extensions.md) records
# them: linear 0.7787 ± 0.0911, Volterra 0.8558 ± 0.0530, Gaussian 0.8281 ± 0.0248 (test
# accuracy), and the filters seed 0 learned (for Volterra its linear part, for the Gaussian layer
# the centres):

# %%
from IPython.display import Image, display  # noqa: E402

display(Image(filename=str(ROOT / "docs" / "filters.png")))

# %% [markdown]
# **Question.** The Volterra layer has 9 + 45 weights per filter and is still linear in them
# (though not in x). Why does that let one seeded filter serve all three channels, as for the
# original's conv layer (`dual/seeding.py`), while the Gaussian layer needs every filter's
# parameters seeded?

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# Linear in its weights, a filter's output $y_k = \sum_q w_{kq}\,\phi_q(\text{patch})$ has
# $\partial y_k / \partial w_{kq} = \phi_q(\text{patch})$: the same features whatever the
# weights and whichever filter $k$, and 0 for the other filters' outputs. So one seeded filter's
# partials are every filter's. The Gaussian's $\exp(-\gamma \lVert \text{patch} - c_k \rVert^2)$
# has a derivative that depends on its own centre $c_k$ and $\gamma$: each filter's differs,
# so every filter's parameters need their own seeds.
#
# </details>
