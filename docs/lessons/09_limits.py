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
# # Lesson 9: where dual numbers stop
#
# Dual numbers give exact derivatives of whatever code runs on them, but only of what runs on
# them, only where a derivative exists, and at a cost that grows with the number of partials.
# Four places they stop, and one where they go further than first derivatives.

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

from dual import DualArray, derivative, hessian_vector_product
from dual.dual_array import defjvp, deljvp
from mains.lessons import check, synthetic_images
from reference.train_cnn import forward_backward, initial_weights

# %% [markdown]
# ## 1. Kinks and ties: a derivative that does not exist is a convention
#
# $\max(0, x)$ has no derivative at 0. The MATLAB original's `ReLu_backward` takes 0.5 there,
# and `DualArray`'s `np.maximum` splits a tie 1/2 : 1/2, which gives the same. A pooling block
# of equal values passes its gradient to the first maximum in column-major order, MATLAB's
# `max`. Central differences split ties; PyTorch takes ReLU'(0) = 0. None of them is "right":
# compare methods away from kinks and ties.

# %%
relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
print("ReLU' at -1, 0, 1:", derivative(relu, np.array([-1.0, 0.0, 1.0])))
block = DualArray(np.array([[2.0, 2.0], [1.0, 2.0]]), np.eye(4).reshape(2, 2, 4, order="F"))
print("d max / d entry (column-major):", np.max(np.reshape(block, -1, order="F")).dual)

# %% [markdown]
# ## 2. Writing into a plain array drops the dual part: so it is refused
#
# ForwardDiff.jl's best-known pitfall: a buffer made with `np.zeros` holds floats, and writing a
# dual number into it would keep the value and lose the derivative, silently. `DualArray`
# refuses; build buffers with `np.zeros_like(dual_array)`.

# %%
x = DualArray(np.arange(3.0), np.eye(3))
buffer = np.zeros(3)
try:
    buffer[0] = x[0]
except (TypeError, ValueError) as error:  # (numpy wraps the TypeError for one element)
    print("refused:", error.__cause__ or error)
good = np.zeros_like(x)
good[0] = x[0]
print(good.dual[0])

# %% [markdown]
# ## 3. The cost grows with K
#
# Each of the K partials is carried through every operation after its seed enters, so a pass
# with K seeds costs about K + 1 plain passes in the layers its seeds reach. Forward mode pays
# that for every parameter it seeds: the 27 conv weights are cheap, all 1,510 parameters of the
# CNN are not. The benchmark (`scripts/benchmark.py`, committed in `benchmarks/results.json`)
# measured one batch with all 1,510 parameters seeded in chunks of K (the conv weights first):

# %%
import json  # noqa: E402

from mains.lessons import ROOT  # noqa: E402

growth = json.loads((ROOT / "benchmarks" / "results.json").read_text())["forward_mode_growth"]
for k, seconds, per_pass in zip(growth["partials"], growth["seconds"], growth["seconds_per_pass"]):
    print(f"K = {k:5d}: {seconds * 1000:8.1f} ms for the whole gradient, {per_pass * 1000:7.2f} ms a pass")
megabytes = 14 * 14 * 3 * 30 * 1510 * 8 / 1e6
print(f"at K = 1510, the conv layer's output alone: 14x14x3x30 values x 1510 partials = "
      f"{megabytes:.0f} MB")

# %% [markdown]
# Up to K = 100 the whole gradient costs about the same: the first pass, with the conv weights,
# carries its partials through every layer; the others seed FC weights, whose partials ride
# only through the last layer and the loss. Then the cost runs away, far faster than K: a pass's
# dual parts outgrow the cache and then the memory bandwidth, and every operation becomes a
# walk through hundreds of megabytes. "About K + 1" holds only while the partials fit.

# %% [markdown]
# ## 4. Only the rules in the table
#
# A numpy function without a rule raises `TypeError`, naming it. `np.logaddexp` is one:
# $\log(e^x + e^y)$, whose derivatives are the softmax weights
# $\partial/\partial x = e^x/(e^x + e^y)$, $\partial/\partial y = e^y/(e^x + e^y)$.
#
# **Exercise.** Give it a rule. `defjvp(ufunc, d_by_x, d_by_y)` (the public way, as HIPS
# autograd's `defjvp`) takes one function per argument, each called as `(value, x, y)` with
# `value = np.logaddexp(x, y)`, returning that partial derivative elementwise; the rule then
# multiplies each by the incoming partials and adds them. Write the two derivatives with
# numpy calls only (`np.exp`, not `math.exp`), so that they also work on nested dual numbers,
# and without computing `np.exp(x)` alone, which overflows for large x.
#
# (A built-in rule is written in `dual/dual_array.py` beside the others, with a test;
# `defjvp` adds one from outside, and `deljvp` takes it away, as the check below does.)

# %%
try:
    np.logaddexp(DualArray(0.0, [1.0]), 1.0)
except TypeError as error:
    print(error)


# %% tags=["exercise"]
def dlogaddexp_dx(value, x, y):
    """d/dx log(e^x + e^y), elementwise."""
    raise NotImplementedError("your code here")  # TODO


def dlogaddexp_dy(value, x, y):
    """d/dy log(e^x + e^y), elementwise."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def dlogaddexp_dx(value, x, y):
    """d/dx log(e^x + e^y), elementwise."""
    return np.exp(x - value)  # e^x / (e^x + e^y), as e^(x - value): never overflows


def dlogaddexp_dy(value, x, y):
    """d/dy log(e^x + e^y), elementwise."""
    return np.exp(y - value)


# %% tags=["check"]
defjvp(np.logaddexp, dlogaddexp_dx, dlogaddexp_dy)
try:
    a, b, h = 0.3, -1.2, 1e-6
    central = (np.logaddexp(a + h, b) - np.logaddexp(a - h, b)) / (2 * h)
    check("d/dx logaddexp(x, -1.2) at 0.3", derivative(lambda t: np.logaddexp(t, b), a), central, 1e-8)
    second = (np.logaddexp(a + 1e-4, b) - 2 * np.logaddexp(a, b) + np.logaddexp(a - 1e-4, b)) / 1e-8
    check("and its second derivative (nested)", derivative(
        lambda s: derivative(lambda t: np.logaddexp(t, b), s), a), second, 1e-5)
    check("d/dx logaddexp(x, 0) at x = 1000 (no overflow)",
          derivative(lambda t: np.logaddexp(t, 0.0), 1000.0), 1.0, 1e-12)
finally:
    deljvp(np.logaddexp)  # the lesson leaves numpy's functions as it found them

# %% [markdown]
# ## Beyond: second derivatives, by nesting
#
# A dual number whose parts are dual numbers carries second derivatives. `dual/curvature.py`
# runs the chain-mode gradient on parameters that carry a direction v: the dual part of the
# gradient is then $Hv$, the Hessian times v, never forming H. Tags keep the two seedings
# apart ([dual_numbers.md](../dual_numbers.md#nested-dual-numbers-tags-and-second-derivatives)).
# Against central differences of the gradient along v:

# %%
rng = np.random.default_rng(9)
params = list(initial_weights(rng).values())
params[1], params[3] = 0.1 * rng.standard_normal((3, 1)), 0.1 * rng.standard_normal((10, 1))
images = synthetic_images(30, seed=9)
labels = np.eye(10)[:, rng.integers(10, size=30)]
v = [rng.standard_normal(np.shape(p)) for p in params]
loss, gradient, hv = hessian_vector_product(images, labels, params, v)
h = 1e-6
up = forward_backward(images, labels, *[p + h * d for p, d in zip(params, v)], errata="fix")[1:]
down = forward_backward(images, labels, *[p - h * d for p, d in zip(params, v)], errata="fix")[1:]
for name, got, a, b in zip(("w_conv", "b_conv", "w_fc", "b_fc"), hv, up, down):
    check(f"(Hv) of {name}", got, (a - b) / (2 * h), 1e-8)

# %% [markdown]
# **Question.** The curvature along v is $v^\top H v$. Why is it never negative when v moves the
# conv weights only?

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# Before the softmax the network is piecewise linear in the conv weights: the conv layer is
# linear in them, ReLU and pooling are piecewise linear, and so is the FC layer in its input.
# So H is $J^\top H_L J$, and the softmax cross-entropy's $H_L$ is positive semi-definite.
# `python scripts/curvature.py` checks it on a trained network.
#
# </details>
