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
# # Lesson 3: backpropagation by hand
#
# Every backward function of the original takes $\partial L/\partial y$ (the loss's gradient
# with respect to the layer's output, a row, as MATLAB's code holds it) and returns
# $\partial L/\partial x$ and the gradients of the layer's parameters: the chain rule, one layer
# at a time. Here each is derived, then checked against central finite differences of
# $s(\theta) = \langle \partial L/\partial y, \text{layer}(\theta) \rangle$, whose gradient is
# exactly what the backward function must return.

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

from mains.lessons import check
from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.fc import fc
from reference.fc_backward import fc_backward
from reference.loss_cross_entropy_softmax import loss_cross_entropy_softmax
from reference.loss_euclidean import loss_euclidean
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from reference.relu import relu
from reference.relu_backward import relu_backward
from reference.train_cnn import conv_weight_step
from shared.gradcheck import finite_differences
from shared.matlab import reshape_f

rng = np.random.default_rng(3)

# %% [markdown]
# ## FC: $y = wx + b$
#
# $\partial y_i / \partial x_j = w_{ij}$, $\partial y_i / \partial w_{ij} = x_j$,
# $\partial y_i / \partial b_i = 1$. So $dL/dx = dL/dy \cdot w$ (a row times the matrix),
# $dL/dw_{ij} = (dL/dy)_i\, x_j$ (an outer product; `FC_backward.m` writes it as
# `dLdy * kron(eye(n), x')` and lists it row after row), $dL/db = dL/dy$.

# %%
x, w, b = rng.standard_normal((6, 1)), rng.standard_normal((4, 6)), rng.standard_normal((4, 1))
dldy = rng.standard_normal((1, 4))
dldx, dldw, dldb = fc_backward(dldy, x, w, b, fc(x, w, b))
check("FC dL/dx", dldx, finite_differences(lambda z: (dldy @ fc(z, w, b)).item(), x).T, 1e-9)
check("FC dL/dw (row after row)", reshape_f(dldw, (6, 4)).T,
      finite_differences(lambda z: (dldy @ fc(x, z, b)).item(), w), 1e-9)

# %% [markdown]
# ## ReLU: $y = \max(0, x)$
#
# $dL/dx = dL/dy \odot \mathbb{1}[x > 0]$, and at $x = 0$ a choice: the original takes 0.5.
# Finite differences agree away from 0 and give 0.5 at 0 too (a central difference of a kink
# averages its two slopes). PyTorch takes 0 there.

# %%
z = np.array([[-1.5, -0.2, 0.0, 0.3, 2.0]])
g = np.ones_like(z)
print("ReLu_backward:     ", relu_backward(g, z, relu(z)))
print("finite differences:",  # rounded: their own error is about 1e-10
      np.round(finite_differences(lambda v: np.sum(relu(v)), z), 8) + 0.0)

# %% [markdown]
# ## 2x2 max pooling
#
# Each output is the maximum of one block: its derivative is 1 at the maximum and 0 elsewhere.
# So $dL/dx$ sends each block's $dL/dy$ to the position of its maximum. On a tie the original
# takes the first maximum in column-major order (MATLAB's `max`); PyTorch picks the first in
# row-major order; central differences give 0.5 to every tied entry.

# %%
a = rng.standard_normal((4, 4, 1))
dldy = rng.standard_normal((2, 2, 1))
check("pooling dL/dx, no ties", pool2x2_backward(dldy, a, pool2x2(a), errata="fix"),
      finite_differences(lambda v: np.sum(dldy * pool2x2(v)), a), 1e-9)
tied = np.zeros((2, 2, 1))
print("a tied block, ours:", reshape_f(pool2x2_backward(np.ones((1, 1, 1)), tied, pool2x2(tied),
                                                       errata="fix"), 4))
print("finite differences:", reshape_f(finite_differences(lambda v: np.sum(pool2x2(v)), tied), 4))

# %% [markdown]
# ## Conv: a correlation with 3x3 filters
#
# $y_{rck} = \sum_{ij} w_{ij1k}\, x^{\text{pad}}_{r+i-1,\,c+j-1} + b_k$, linear in $w$: so
# $dL/dw_{ij1k} = \sum_{rc} (dL/dy)_{rck}\, x^{\text{pad}}_{r+i-1,\,c+j-1}$, the patches
# weighted by the upstream gradient (`Conv_backward.m`: `dLdy_reshaped * x_row_version'`), and
# $dL/db_k = \sum_{rc} (dL/dy)_{rck}$. `Conv_backward` lists $dL/dw$ with the channel fastest.

# %%
x = rng.uniform(0.0, 1.0, (14, 14, 1))
w_conv, b_conv = rng.standard_normal((3, 3, 1, 3)), rng.standard_normal((3, 1))
dldy = rng.standard_normal((14, 14, 3))
dldw, dldb = conv_backward(dldy, x, w_conv, b_conv, conv(x, w_conv, b_conv))
# (how to read the 1x27 row back as 3x3x1x3 is lesson 4's exercise: here the port's fixed step)
check("conv dL/dw", conv_weight_step(dldw, w_conv.shape, errata="fix"),
      finite_differences(lambda v: np.sum(dldy * conv(x, v, b_conv)), w_conv), 1e-9)
check("conv dL/db", dldb.T, finite_differences(lambda v: np.sum(dldy * conv(x, w_conv, v)), b_conv),
      1e-9)

# %% [markdown]
# ## The losses
#
# Softmax cross-entropy: $L = -\sum_i y_i \log p_i$ with $p = \text{softmax}(x)$; since
# $\partial \log p_i / \partial x_j = \delta_{ij} - p_j$ and $\sum_i y_i = 1$,
# $dL/dx = (p - y)^\top$.

# %%
scores, label = rng.standard_normal((10, 1)), np.eye(10)[:, [4]]
check("softmax cross-entropy dL/dx", loss_cross_entropy_softmax(scores, label)[1],
      finite_differences(lambda v: loss_cross_entropy_softmax(v, label)[0], scores).T, 1e-9)

# %% [markdown]
# **Exercise.** The Euclidean loss of the linear perceptron is $L = \sum_i (y_i - \tilde y_i)^2$.
# Derive $dL/d\tilde y$ and write it as MATLAB's code holds it: a 1 x m row.

# %% tags=["exercise"]
def euclidean_gradient(y_tilde, y):
    """dL/dy_tilde of L = sum((y - y_tilde).^2): a 1 x m row."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def euclidean_gradient(y_tilde, y):
    """dL/dy_tilde of L = sum((y - y_tilde).^2): a 1 x m row."""
    return np.transpose(-2 * (y - y_tilde))


# %% tags=["check"]
prediction = rng.standard_normal((10, 1))
check("your dL/dy_tilde against finite differences", euclidean_gradient(prediction, label),
      finite_differences(lambda v: loss_euclidean(v, label)[0], prediction).T, 1e-9)
check("and against Loss_euclidean's", euclidean_gradient(prediction, label),
      loss_euclidean(prediction, label)[1], 0.0)

# %% [markdown]
# Chained, these are TrainCNN's loop body (`reference/train_cnn.py: forward_backward`): with
# the errata fixed, its gradients agree with finite differences of the whole loss (lesson 4);
# as written, two lines in the chain are wrong.
#
# **Question.** Why do central differences give 0.5 to each of the four tied entries of a
# block, so that they sum to 2, when any derivative of a maximum (any choice among the tied
# entries, or a split among them) sums to 1?

# %% [markdown] tags=["answer"]
# <details><summary>An answer</summary>
#
# Moving one tied entry **up** by $h$ raises the maximum by $h$; moving it **down** by $h$ leaves
# the maximum where it was (the other tied entries still reach it). The central difference
# averages the two one-sided slopes, 1 and 0: $\frac{h - 0}{2h} = \frac{1}{2}$ for each of the
# four. At a tie the maximum has no gradient, only one-sided derivatives, and differences along
# each axis in turn do not add up to the derivative along their sum (moving all four up by $h$
# raises the maximum by $h$, slope 1, not 2). A subgradient (any choice or split summing to 1)
# is what the backward pass must use; the port's convention is MATLAB's first maximum.
#
# </details>
