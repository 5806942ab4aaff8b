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
# # Lesson 1: a dual number
#
# A **dual number** is $a + b\varepsilon$, where $\varepsilon$ is a new number with
# $\varepsilon^2 = 0$ (and $\varepsilon \ne 0$). Compute with it as with any sum, drop every
# $\varepsilon^2$, and a function's derivative appears beside its value:
#
# $$f(a + b\varepsilon) = f(a) + f'(a)\, b\, \varepsilon .$$
#
# (Taylor: $f(a + h) = f(a) + f'(a) h + \frac12 f''(a) h^2 + \dots$, and every power
# $h^2, h^3, \dots$ of $h = b\varepsilon$ is 0.) This is forward-mode automatic
# differentiation: no formula for $f'$ is written anywhere, and nothing is approximated.
#
# The whole project rests on this: `dual/` gets every gradient of the MATLAB network this way.
# Here: the arithmetic by hand, then with the project's `DualArray`, then against the other
# way to get a derivative without a formula, finite differences.

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
import matplotlib.pyplot as plt
import numpy as np

from dual import DualArray
from mains.lessons import check

# %% [markdown]
# ## By hand
#
# Multiply two dual numbers:
#
# $$(a + b\varepsilon)(c + d\varepsilon) = ac + (ad + bc)\varepsilon + bd\,\varepsilon^2
# = ac + (ad + bc)\varepsilon .$$
#
# The dual part follows the product rule.
#
# **Exercise.** Write the product as a pair (value, dual part).

# %% tags=["exercise"]
def dual_multiply(a, b, c, d):
    """(a + b eps)(c + d eps) -> (value, dual part)."""
    raise NotImplementedError("your code here")  # TODO: two numbers


# %% tags=["solution", "hide-input"]
def dual_multiply(a, b, c, d):
    """(a + b eps)(c + d eps) -> (value, dual part)."""
    return a * c, a * d + b * c


# %% tags=["check"]
# x = 3 + 1 eps carries dx/dx = 1: x * x must be 9 + 6 eps, since d(x^2)/dx = 2x = 6
check("x * x at x = 3", dual_multiply(3.0, 1.0, 3.0, 1.0), (9.0, 6.0), 0.0)
check("(2 + 5 eps)(7 - eps)", dual_multiply(2.0, 5.0, 7.0, -1.0), (14.0, 33.0), 0.0)

# %% [markdown]
# For $\exp$: $\exp(a + b\varepsilon) = e^a e^{b\varepsilon} = e^a (1 + b\varepsilon)$. So for
# $f(x) = x^2 e^x$ at $x = 1$, seeded $x = 1 + 1\varepsilon$:

# %%
a, b = 1.0, 1.0
square = dual_multiply(a, b, a, b)                 # x^2 = 1 + 2 eps
exp_x = (np.exp(a), np.exp(a) * b)                 # e^x = e + e eps
f_by_hand = dual_multiply(*square, *exp_x)         # x^2 e^x
print(f"f(1) = {f_by_hand[0]:.15f}, f'(1) = {f_by_hand[1]:.15f}")
print(f"exact:  e = {np.e:.15f},    3e = {3 * np.e:.15f}")  # f'(x) = (x^2 + 2x) e^x

# %% [markdown]
# ## With `DualArray`
#
# `dual/dual_array.py` does the same for whole numpy arrays, through numpy's own operators and
# functions: `DualArray(value, dual part)`. The dual part has one more axis than the value:
# K **partials** per entry, K directions carried at once. A 0-d one prints as the number
# $a + b\varepsilon$.

# %%
x = DualArray(1.0, [1.0])
print(x)
print(x * x * np.exp(x))

# %% [markdown]
# The same code runs on arrays: seed every entry with its own 1 and the dual part holds the
# elementwise derivative.

# %%
def f(x):
    return x * x * np.exp(x)


xs = np.linspace(-2.0, 1.0, 4)
print(f(DualArray(xs, np.ones(xs.shape + (1,)))).dual[:, 0])
print((xs ** 2 + 2 * xs) * np.exp(xs))  # the formula, for comparison

# %% [markdown]
# ## Against central differences
#
# The central difference $\frac{f(x + h) - f(x - h)}{2h}$ approximates $f'(x)$ with an error
# of order $h^2$ (the *truncation* error, from the Taylor terms it drops), but it subtracts two
# nearly equal numbers, each rounded to about $\epsilon_{\text{mach}} |f| \approx 10^{-16}|f|$:
# a *round-off* error of order $\epsilon_{\text{mach}} / h$. The best step balances the two,
# around $h \approx \epsilon_{\text{mach}}^{1/3} \approx 10^{-5}$, give or take a decade (where
# exactly depends on $f'''$ and on how the roundings fall); the dual number has neither error.

# %%
exact = 3 * np.e
dual_derivative = f(DualArray(1.0, [1.0])).dual[0]
steps = np.logspace(-15, -1, 57)
central = np.array([(f(1.0 + h) - f(1.0 - h)) / (2 * h) for h in steps])
errors = np.abs(central - exact) / exact

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(steps, errors, ".-", label="central difference")
ax.loglog(steps, steps ** 2, ":", label="$h^2$ (truncation)")
ax.loglog(steps, 1e-16 / steps, "--", label=r"$\epsilon/h$ (round-off)")
dual_error = abs(dual_derivative - exact) / exact
ax.axhline(max(dual_error, 1e-17), color="k", lw=1,  # an error of 0 has no place on a log axis
           label="dual number" + (" (error 0, drawn at 1e-17)" if dual_error == 0 else ""))
ax.set_xlabel("step $h$")
ax.set_ylabel("relative error of $f'(1)$")
ax.set_ylim(1e-18, 1)
ax.legend(fontsize=8)
plt.show()

best = steps[np.argmin(errors)]
print(f"best step {best:.1e}: error {errors.min():.1e}; dual number: {dual_error:.1e}")

# %% tags=["check"]
check("the dual derivative of x^2 e^x at 1", dual_derivative, exact, 1e-15)
assert 1e-7 < best < 1e-3, "the best step should sit near the cube root of machine epsilon"

# %% [markdown]
# **Question.** Why does the curve for large $h$ have slope 2, and for small $h$ slope $-1$?
# What would the best step be for a one-sided difference $\frac{f(x+h) - f(x)}{h}$?
#
# Next: the MATLAB original and its Python port, side by side (lesson 2).

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# The central difference's error has two parts: truncation, $f^{(3)}(x)\,h^2/6$, which rules for
# large $h$ (slope 2 on the log-log plot), and rounding, about $\varepsilon |f(x)| / h$ with
# $\varepsilon \approx 2.2 \times 10^{-16}$, which rules for small $h$ (slope $-1$). They balance
# near $h \approx \varepsilon^{1/3} \approx 10^{-5}$. A one-sided difference truncates at order
# $h$ (error $f''(x)\,h/2$), so its best step is near $\sqrt{\varepsilon} \approx 10^{-8}$, and
# its best error about $10^{-8}$, far worse than the central one's $10^{-11}$.
#
# </details>
