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
# # Lesson 4: how a gradient check found the errata
#
# The MATLAB original trains, and its CNN even reaches 80 % on the test set, so nothing looks
# wrong. A **gradient check** says otherwise: compare each hand-derived gradient with central
# finite differences of the loss, on one image, and the conv layer's two disagree.
#
# The port reproduces the original line for line with `errata="keep"` (the default) and
# corrects it with `errata="fix"`; both are in `reference/`. Here we check both, find where
# they part, and look at what the original computes instead ([original.md](../original.md#the-errata)
# has the MATLAB lines: `Pool2x2_backward.m`'s return value, `TrainCNN.m`'s conv weight step,
# `TrainSLP_linear.m`'s weight step; [the patches](../errata/README.md) fix them).

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

from mains.lessons import check, mnist, synthetic_images
from reference.conv import conv
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.train_cnn import forward_backward, initial_weights
from reference.train_slp_linear import slp_linear_forward_backward
from shared.gradcheck import finite_differences
from shared.matlab import im2col_distinct, reshape_f
from shared.mistakes import E1
from shared.training import conv_weight_step, fc_weight_step

# %% [markdown]
# One image and TrainCNN's starting weights, with small non-zero biases so that no
# pre-activation sits exactly on ReLU's kink and no pooling block is tied (where finite
# differences and the original's conventions would part for a reason of their own).

# %%
rng = np.random.default_rng(4)
x = reshape_f(synthetic_images(1, seed=4), (14, 14, 1))
y = np.eye(10)[:, [3]]
w_conv, b_conv, w_fc, b_fc = initial_weights(rng).values()
b_conv = 0.1 * rng.standard_normal((3, 1))
b_fc = 0.1 * rng.standard_normal((10, 1))


def loss(w_conv, b_conv, w_fc, b_fc):
    return forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix")[0]


params = (w_conv, b_conv, w_fc, b_fc)
some = {2: range(0, 1470, 49), 3: range(10)}  # of w_fc, 30 entries (finite differences cost)
numeric = [finite_differences(lambda p, i=i: loss(*[p if j == i else q for j, q in
                                                    enumerate(params)]),
                              param, some.get(i))
           for i, param in enumerate(params)]  # NaN where not computed


def off(gradient, by_differences):
    done = ~np.isnan(by_differences)
    return np.max(np.abs(gradient[done] - by_differences[done])) / np.max(np.abs(by_differences[done]))


print("relative error against finite differences:")
print(" " * 13 + "".join(f"{name:>9s}" for name in ("w_conv", "b_conv", "w_fc", "b_fc")))
for errata in ("keep", "fix"):
    _, *gradients = forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata=errata)
    print(f"errata={errata:5s}" + "".join(f"{off(g, n):9.1e}" for g, n in zip(gradients, numeric)))

# %% [markdown]
# As written, the FC layer's gradients are right (to the differences' own error, about
# $10^{-10}$) and the conv layer's are off by order one. Fixed, all four agree.
#
# ## E1: `Pool2x2_backward` returns the wrong array
#
# It builds the 14x14x3 gradient at the end, but returns `dLdx_rv`, its 4x49x3 **block
# layout** (each column the four entries of one 2x2 block, as `im2col(..., 'distinct')` lists
# them). The next function, `ReLu_backward`, reads those 588 numbers as if they were the 14x14x3
# array. Drawn as the original hands it on, beside the true gradient: the same values (each
# block's upstream value, at its maximum), but on the wrong pixels.

# %%
pred1 = conv(x[..., None], w_conv, b_conv)[..., 0]
pred2 = relu(pred1)
dldy_pool = rng.standard_normal((7, 7, 3))
pred3 = pool2x2(pred2)
true = pool2x2_backward(dldy_pool, pred2, pred3, errata="fix")
as_written = pool2x2_backward(dldy_pool, pred2, pred3, errata="keep")
print("as written:", as_written.shape, " true:", true.shape)

def show(axes, images, titles):
    """Images side by side on one colour scale centred on 0 (white), blue < 0 < red."""
    top = max(np.abs(image).max() for image in images)
    for ax, image, title in zip(axes, images, titles):
        shown = ax.imshow(image, cmap="RdBu_r", vmin=-top, vmax=top)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    plt.colorbar(shown, ax=axes, shrink=0.8)
    plt.show()


fig, axes = plt.subplots(1, 2, figsize=(7, 3))
show(axes, [reshape_f(as_written, (14, 14, 3))[:, :, 0], true[:, :, 0]],
     ["as written, read as 14x14 (channel 1)", "the true gradient (channel 1)"])

# %% tags=["check"]
check("E1: the block layout of the true gradient", as_written, im2col_distinct(true, 2), 0.0)

# %% [markdown]
# **Exercise.** Fix E1 in code: write `unblock(dldx_rv)`, which puts the block layout back on
# the pixels, as the `col2im(..., 'distinct')` the original forgot to return does. `dldx_rv` is
# 4 x 49 x 3: column b of channel k holds block b's four entries, in column-major order (top
# left, bottom left, top right, bottom right); the blocks are numbered column-major too, down
# the first two columns of pixels, then the next. Return the 14 x 14 x 3 gradient.

# %% tags=["exercise"]
def unblock(dldx_rv):
    """The 4 x 49 x 3 block layout of Pool2x2_backward -> the 14 x 14 x 3 gradient."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def unblock(dldx_rv):
    """The 4 x 49 x 3 block layout of Pool2x2_backward -> the 14 x 14 x 3 gradient."""
    dldx = np.zeros((14, 14, dldx_rv.shape[2]))
    for b in range(dldx_rv.shape[1]):
        r, c = 2 * (b % 7), 2 * (b // 7)  # block b's top-left pixel: blocks go down first
        for q in range(4):
            dldx[r + q % 2, c + q // 2] = dldx_rv[q, b]  # entry q of the block, column-major
    return dldx


# %% tags=["check"]
check("E1 fixed: the blocks back on their pixels", unblock(as_written), true, 0.0,
      known=((E1, reshape_f(as_written, (14, 14, 3))),))

# %% [markdown]
# ## E2: `TrainCNN` reads the conv weight gradient in the wrong order
#
# `Conv_backward` returns a 1x27 row: the 3x9 product `dLdy_reshaped * x_row_version'` read
# column-major, so the **channel** index runs fastest. `TrainCNN` reshapes it straight to
# 3x3x1x3, where the **kernel row** runs fastest: the 27 numbers land on the wrong weights.
#
# **Exercise.** Given the 1x27 row `dldw_conv`, return the 3x3x1x3 step with every number on
# its own weight. (Hint: undo the channel-fastest reading first: `reshape_f(row, (3, 9))`.)

# %% tags=["exercise"]
def conv_step(dldw_conv):
    """Conv_backward's 1x27 row (channel fastest) -> the 3x3x1x3 gradient of w_conv."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def conv_step(dldw_conv):
    """Conv_backward's 1x27 row (channel fastest) -> the 3x3x1x3 gradient of w_conv."""
    return reshape_f(reshape_f(dldw_conv, (3, 9)).T, (3, 3, 1, 3))


# %% tags=["check"]
row = np.arange(1.0, 28.0)[None, :]  # entry k + 3 (q - 1): channel k, kernel position q
check("your step against the port's errata='fix'", conv_step(row),
      conv_weight_step(row, (3, 3, 1, 3), errata="fix"), 0.0)
check("and the true gradient of w_conv", conv_step(
    reshape_f(reshape_f(numeric[0], (9, 3)).T, (1, 27))), numeric[0], 1e-12)

# %% [markdown]
# ## E3: the perceptrons scramble their weight step
#
# `FC_backward` returns $dL/dw$ (10x196) as a 1x1960 row, **row after row** (its `kron`).
# `TrainCNN` reads it back with `reshape(dldw, [147 10])'`; the three perceptrons with
# `reshape(dldw, [10 196])`, column-major. Each step then moves weight $(i, j)$ by the
# gradient of another weight. The step of row 1 (the weights of digit 0), drawn as a 14x14
# image:

# %%
data = mnist("train")  # 30 real digits if they are there, else synthetic images
if data is not None:
    xs, ys = data[0][:, :30], np.eye(10)[:, data[1][0, :30]]
else:
    xs, ys = synthetic_images(30, seed=5), np.eye(10)[:, rng.integers(10, size=30)]
w, b = 0.01 * rng.standard_normal((10, 196)), np.zeros((10, 1))
_, step_written, _ = slp_linear_forward_backward(xs, ys, w, b, errata="keep")
_, step_fixed, _ = slp_linear_forward_backward(xs, ys, w, b, errata="fix")

fig, axes = plt.subplots(1, 2, figsize=(7, 3))
show(axes, [reshape_f(step_written[0], (14, 14)), reshape_f(step_fixed[0], (14, 14))],
     ["weight step of row 1, as written (E3)", "weight step of row 1, fixed"])
print("correlation of the two steps:",
      f"{np.corrcoef(step_written.ravel(), step_fixed.ravel())[0, 1]:.3f}")

# %% tags=["check"]
check("E3 is a column-major reading of a row-major row", step_written,
      fc_weight_step(reshape_f(step_fixed.T, (1, -1)), (10, 196), errata="keep"), 1e-14)

# %% [markdown]
# On real digits the fixed step of a row is a picture: the strokes that speak for or against
# its digit. The scrambled one puts each of those numbers on another pixel (and another row).
# So as written the three perceptrons train to chance (about 10 %), and the accuracies printed
# on the original's result images (0.804, 0.8855, 0.915) cannot come from its code; fixed, they
# reach them (`python scripts/compare_models.py`; lesson 7 shows its table).
#
# **Question.** The study behind this project compared its own dual-number gradient with the
# original's and found them far apart. Its backward pass replaced the last three backward
# layers with two lines (its chapter 5; `grad_pred2` is the dual part of the activation's
# output, the activation's derivative at each pixel):
#
# ```matlab
# dldx_sig = reshape(grad_pred2, [4, 49, 3]);
# [dldw_conv, dldb_conv] = Conv_backward(dldx_sig, x, w_conv, b_conv)
# ```
#
# Which of the two gradients was right?

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# Neither: the original because of E1 and E2, the study because its dual backward dropped the
# upstream gradient. `grad_pred2` is dy/dx of the activation alone; the chain rule wants
# dL/dx = dL/dy * dy/dx, with dL/dy the gradient that came back through FC, Flattening and
# the pooling (zero on the three pixels of a block that are not its maximum). The two lines
# hand Conv_backward the activation's slope everywhere, as if the loss were the sum of the
# activations. (Their reshape to 4x49x3 is harmless: Conv_backward reads it back column-major,
# pixel by pixel. TrainCNN's reshape of E2 still follows it.)
# `python scripts/compare_dldw_conv.py` puts the seven ways side by side.
#
# </details>
