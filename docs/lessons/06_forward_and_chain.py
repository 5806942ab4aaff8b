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
# # Lesson 6: forward mode and chain mode
#
# The dual twin gets the CNN's gradient two ways (`dual/train_cnn.py`):
#
# - **forward mode**: seed the parameters and run only the forward pass; the dual part of the
#   loss is the gradient. One pass carries K partials, so the 1,510 parameters take
#   $\lceil 1510 / K \rceil$ passes, each costing about $K + 1$ plain passes in the layers its
#   seeds reach (while its arrays fit in the cache: lesson 9).
# - **chain mode**: the original's backward pass, line for line, where each layer's local
#   derivative is read off dual numbers seeded by the layer's structure (one seed per value of
#   an elementwise layer, four per pooling block, one filter, one FC row), then chained as the
#   hand-derived code chains them. Its cost hardly depends on the number of parameters.
#
# Which is cheaper is a question of the Jacobian's shape. The loss is a function
# $\mathbb{R}^{1510} \to \mathbb{R}$: a **wide** Jacobian (one row, 1,510 columns). Forward mode
# builds a Jacobian column by column (K columns a pass); reverse mode (and the chain rule run
# backward) row by row. For a **tall** one (few inputs, many outputs), forward mode wins.

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
import json
import math
import time

import matplotlib.pyplot as plt
import numpy as np

from shared.mistakes import FLOOR_FOR_CEIL
from dual.train_cnn import forward_backward, forward_mode_gradient
from mains.lessons import ROOT, check, synthetic_images
from reference.train_cnn import as_images, initial_weights
from shared.training import one_blas_thread

rng = np.random.default_rng(6)
params = tuple(initial_weights(rng).values())  # w_conv, b_conv, w_fc, b_fc
x = as_images(synthetic_images(30, seed=6))
y = np.eye(10)[:, rng.integers(10, size=30)]

# %% [markdown]
# Both give the same gradient, to rounding:

# %%
chain = forward_backward(x, y, *params)
loss, forward = forward_mode_gradient(x, y, params, range(4), chunk=302)
for name, a, b in zip(("w_conv", "b_conv", "w_fc", "b_fc"), chain[1:], forward.values()):
    check(f"chain against forward mode, {name}", a, b, 1e-13)

# %% [markdown]
# **Exercise.** How many forward passes does forward mode need for n parameters seeded K at a
# time?

# %% tags=["exercise"]
def passes(n, k):
    """Forward passes to seed n parameters, k partials per pass."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def passes(n, k):
    """Forward passes to seed n parameters, k partials per pass."""
    return math.ceil(n / k)


# %% tags=["check"]
check("passes for the CNN, K = 128", passes(1510, 128), 12, 0.0,
      known=[(FLOOR_FOR_CEIL, 1510 // 128)])
check("passes for the conv weights alone, K = 27", passes(27, 27), 1, 0.0)

# %% [markdown]
# ## The cost, measured
#
# Timed here, one batch of 30: the conv weights alone (27 partials, one pass) and the whole
# gradient at a few chunk sizes, beside chain mode. BLAS runs one thread (as in training, and in
# the benchmark): its threads only spin against each other on matrices this small, and on a
# busy machine they make chain mode look slower than forward mode. The committed benchmark's
# figures (`benchmarks/results.json`) are printed beside the live ones.

# %%
def ms(call, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


committed = json.loads((ROOT / "benchmarks" / "results.json").read_text())["micro"]
with one_blas_thread():
    chain_ms = ms(lambda: forward_backward(x, y, *params))
    conv_only = ms(lambda: forward_mode_gradient(x, y, params, [0], chunk=27))
    print(f"chain mode, the whole gradient:       {chain_ms:7.2f} ms"
          f"   (benchmark: {committed['dual chain, one batch of 30 (ms)']:.2f} ms)")
    print(f"forward mode, the 27 conv weights:    {conv_only:7.2f} ms")
    for k in (64, 302):
        took = ms(lambda k=k: forward_mode_gradient(x, y, params, range(4), chunk=k), 2)
        print(f"forward mode, all 1,510 in K = {k:4d}: {took:7.2f} ms  ({passes(1510, k)} passes)")

# %% [markdown]
# A pass of the 27 conv weights costs more than the average pass of 64: the conv weights enter
# at the first layer, so their partials ride through every layer; the FC weights enter at the
# last one, and theirs ride only through it and the loss. (These are timed as the page is
# built, on whatever machine builds it: expect them to move between runs.)

# %% [markdown]
# The benchmark (`python scripts/benchmark.py`, its results committed in
# `benchmarks/results.json`) timed the full range, and the whole training schedule:

# %%
results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
growth = results["forward_mode_growth"]
training = results["training"]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(growth["partials"], np.array(growth["seconds"]) * 1000, "o-",
          label="forward mode, the whole gradient")
ax.axhline(training["dual, chain mode"]["ms_per_iteration"], color="k", ls="--",
           label="chain mode (one iteration of training)")
ax.set_xlabel("partials per pass, K")
ax.set_ylabel("ms for one batch's gradient")
ax.legend(fontsize=8)
plt.show()
for name in ("reference, errata fix", "dual, chain mode", "dual, forward mode", "PyTorch eager"):
    if name in training:
        each = training[name]["ms_per_iteration"]
        print(f"{name:24s} {each:8.2f} ms per training iteration: "
              f"10,000 iterations in {each * 10:6.0f} s")

# %% [markdown]
# Forward mode suits few inputs: the study's question was $dL/dw_{\text{conv}}$, 27 numbers, one
# pass carrying 27 partials. For all 1,510 parameters, chain mode is tens of times cheaper, which
# is why the twin trains in chain mode. (The study's own forward-only version, written with a
# dual-number class of its own, took 7 s a batch: about 19 hours for the 10,000 iterations.)
#
# **Question.** Small K means many passes, large K means wide partials in every operation. Why
# is the whole gradient in one pass (K = 1,510) the slowest in the plot, although it is a single
# pass?

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# One pass carries all 1,510 partials through **every** layer, from the first: the 1,470 FC
# weights' partials, zero until the FC layer, ride through the conv, ReLU and pooling layers at
# full width (chunks of FC weights alone start at the FC layer). And each array becomes 1,510
# times wider: a batch's conv output, 14x14x3x30 values, becomes 14x14x3x30x1,510, tens of
# megabytes, far out of the cache, so every operation waits on memory. Moderate K keeps the
# work per pass in cache and lets the FC chunks skip the early layers.
#
# </details>
