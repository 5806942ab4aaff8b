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
# # Lesson 10: build it yourself
#
# The lessons so far used the project's functions; here you write four of them from scratch,
# each checked against the project's own: the max-pooling backward pass (with its tie
# convention), the conv layer's weight gradient (in the weights' own layout, which erratum E2
# got wrong), a dual number class (about 30 lines), and a reverse-mode tape (record, then sweep
# back), set beside chain mode. Difficulty rises: the last builds on the third.

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
import math

import numpy as np

from dual import derivative
from mains.lessons import check
from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.pool2x2 import pool2x2
from reference.pool2x2_backward import pool2x2_backward
from shared.mistakes import FLIPPED
from shared.training import conv_weight_step

rng = np.random.default_rng(10)

# %% [markdown]
# ## 1. Max pooling, backward
#
# `pool2x2` keeps the largest of each 2x2 block, per channel. Its gradient sends each block's
# upstream value $dL/dy$ to the position of the block's maximum, and 0 to the other three.
# When a block has a **tie**, the convention (MATLAB's `max`) gives it all to the **first**
# maximum in column-major order: down the block's first column, then the second.
#
# **Exercise.** Write `pool_backward(dldy, x)`: `dldy` is 7x7xC, `x` 14x14xC; return 14x14xC.
# Loops are fine.

# %% tags=["exercise"]
def pool_backward(dldy, x):
    """dL/dx of 2x2 max pooling, each block's dL/dy to its first (column-major) maximum."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def pool_backward(dldy, x):
    """dL/dx of 2x2 max pooling, each block's dL/dy to its first (column-major) maximum."""
    dldx = np.zeros_like(x, dtype=float)
    for r in range(dldy.shape[0]):
        for c in range(dldy.shape[1]):
            for k in range(x.shape[2]):
                block = x[2 * r:2 * r + 2, 2 * c:2 * c + 2, k]
                q = int(np.argmax(block.ravel(order="F")))  # the first maximum, column-major
                dldx[2 * r + q % 2, 2 * c + q // 2, k] = dldy[r, c, k]
    return dldx


# %% tags=["check"]
# whole numbers in 0..3: many tied blocks, so the convention is tested, not only the maxima
x = rng.integers(0, 4, (14, 14, 3)).astype(float)
dldy = rng.standard_normal((7, 7, 3))
right = pool2x2_backward(dldy, x, pool2x2(x), errata="fix")
# the known mistake: every maximum of a block given the whole value
tied_twice = np.kron(dldy, np.ones((2, 2, 1))) * (x == np.kron(pool2x2(x), np.ones((2, 2, 1))))
check("pool_backward against Pool2x2_backward (errata fixed)", pool_backward(dldy, x), right,
      0.0, ties=tied_twice)

# %% [markdown]
# <details><summary>Answer: why the first maximum, and does it matter?</summary>
#
# At a tie the maximum has no derivative; any choice among the tied entries (or a split of the
# value among them, summing to 1) is a valid subgradient. MATLAB's `max` returns the first
# index, so the original's `Pool2x2_backward` gives it to the first; the port keeps that
# convention so that its gradients equal the original's. Giving the whole value to **every**
# tied entry sums to 2 or more: that is not a derivative at all (the checker names it "a tie
# counted twice").
# </details>

# %% [markdown]
# ## 2. The conv layer, backward: its weights' gradient
#
# `Conv.m` pads each 14x14 image with a ring of zeros and slides each 3x3 filter over it:
# $y(r, c, k) = \sum_{i,j} w(i, j, 1, k)\, x_{pad}(r + i, c + j) + b(k)$ (a cross-correlation:
# the filter is not flipped). So $dL/dw(i, j, 1, k) = \sum_{r,c} dL/dy(r, c, k)\, x_{pad}(r + i,
# c + j)$: the upstream gradient of channel k laid over the padded image shifted by (i, j).
# `Conv_backward.m` computes the same sum as one product of matrices, the image's patches
# side by side (im2col); errata E2 was in how its 1x27 row went back to 3x3x1x3.
#
# **Exercise.** Write `conv_weight_gradient(dldy, x)`: `dldy` 14x14x3, `x` 14x14x1 (one image);
# return dL/dw in the weights' own shape, 3x3x1x3. Loops over (i, j, k) are fine; numpy for the
# sum over the pixels.

# %% tags=["exercise"]
def conv_weight_gradient(dldy, x):
    """dL/dw_conv (3, 3, 1, c2) of Conv.m for one image: dldy (14, 14, c2), x (14, 14, 1)."""
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
def conv_weight_gradient(dldy, x):
    """dL/dw_conv (3, 3, 1, c2) of Conv.m for one image: dldy (14, 14, c2), x (14, 14, 1)."""
    height, width, c2 = dldy.shape
    padded = np.pad(x[:, :, 0], 1)  # 16 x 16: a ring of zeros, as Conv.m pads
    dldw = np.zeros((3, 3, 1, c2))
    for i in range(3):
        for j in range(3):
            shifted = padded[i:i + height, j:j + width]  # the pixels w(i, j) meets
            for k in range(c2):
                dldw[i, j, 0, k] = np.sum(dldy[:, :, k] * shifted)
    return dldw


# %% tags=["check"]
x = rng.random((14, 14, 1))
w_conv, b_conv = rng.standard_normal((3, 3, 1, 3)), rng.standard_normal((3, 1))
dldy = rng.standard_normal((14, 14, 3))
row, _ = conv_backward(dldy, x, w_conv, b_conv, conv(x, w_conv, b_conv))  # the 1x27 row
right = conv_weight_step(row, w_conv.shape, errata="fix")  # in the weights' shape
# a product of 196 terms in another order: rounding ~1e-15, far below 1e-12
check("conv_weight_gradient against Conv_backward (errata fixed)", conv_weight_gradient(dldy, x),
      right, 1e-12, known=((FLIPPED, right[::-1, ::-1]),))

# %% [markdown]
# <details><summary>Answer: which wrong answers does the check know?</summary>
#
# The ones students write: the filter flipped (the gradient of a convolution, where `Conv.m`
# computes a cross-correlation), the opposite sign, and the layouts: erratum E2's own mistake,
# the right numbers read column-major in the wrong order, is "a column-major read of a
# row-major gradient". Return your answer flipped, `dldw[::-1, ::-1]`, or E2's reading,
# `conv_weight_step(row, w_conv.shape, errata="keep")`, and read what the check says.
# </details>

# %% [markdown]
# ## 3. A dual number class from scratch
#
# A dual number $a + b\varepsilon$ with $\varepsilon^2 = 0$ carries a value $a$ and a
# derivative $b$. Lesson 1 derived the product rule from it.
#
# **Exercise.** Write a class `Dual` with `.value` and `.deriv`, supporting `+`, `*`, `/` (with
# plain numbers on either side) and the functions `dsin`, `dexp`. Seeded at $x$ with derivative
# 1, `f(Dual(x, 1.0)).deriv` is $f'(x)$.

# %% tags=["exercise"]
class Dual:
    """a + b eps, eps^2 = 0."""

    def __init__(self, value, deriv=0.0):
        raise NotImplementedError("your code here")  # TODO


def dsin(u):
    raise NotImplementedError("your code here")  # TODO


def dexp(u):
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
class Dual:
    """a + b eps, eps^2 = 0."""

    def __init__(self, value, deriv=0.0):
        self.value, self.deriv = value, deriv

    @staticmethod
    def lift(u):
        """A plain number as a dual number with derivative 0."""
        return u if isinstance(u, Dual) else Dual(u)

    def __add__(self, other):
        other = Dual.lift(other)
        return Dual(self.value + other.value, self.deriv + other.deriv)

    __radd__ = __add__

    def __mul__(self, other):
        other = Dual.lift(other)
        return Dual(self.value * other.value,
                    self.deriv * other.value + self.value * other.deriv)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = Dual.lift(other)
        return Dual(self.value / other.value,
                    (self.deriv * other.value - self.value * other.deriv) / other.value ** 2)

    def __rtruediv__(self, other):
        return Dual.lift(other) / self


def dsin(u):
    return Dual(math.sin(u.value), math.cos(u.value) * u.deriv)


def dexp(u):
    return Dual(math.exp(u.value), math.exp(u.value) * u.deriv)


# %% tags=["check"]
def g(u, sin, exp):
    """A function with every rule in it: +, *, / both ways, sin, exp."""
    return sin(u * u) / (1 + exp(u)) + 3 * u + 2 / u


for x0 in (0.3, 1.7, -2.2):
    mine = g(Dual(x0, 1.0), dsin, dexp).deriv
    # the project's DualArray on the same function; the two differ only by rounding (a few ulps)
    theirs = derivative(lambda u: g(u, np.sin, np.exp), x0)
    check(f"your Dual's g'({x0}) against DualArray's", mine, theirs, 1e-14)

# %% [markdown]
# <details><summary>Answer: what does the rule for / come from?</summary>
#
# $\frac{a + b\varepsilon}{c + d\varepsilon}
# = \frac{(a + b\varepsilon)(c - d\varepsilon)}{c^2} = \frac{a}{c} + \frac{bc - ad}{c^2}\varepsilon$,
# since $\varepsilon^2 = 0$: the quotient rule, with nothing to remember.
# </details>

# %% [markdown]
# ## 4. A reverse-mode tape
#
# Forward mode (your `Dual`) needs one pass per input. Reverse mode, the chain rule run
# backwards as in chain mode's `*_backward` functions, needs one backward sweep for all inputs:
# record every operation on a **tape** going forward, then walk the tape backwards,
# accumulating $\bar{v} = \partial L / \partial v$ into each operation's inputs.
#
# **Exercise.** Write `Var` (with `+`, `*`, and `vsin`) that records itself on `TAPE`, and
# `gradient(output, inputs)` that sets the output's adjoint to 1, sweeps the tape backwards,
# and returns each input's adjoint.

# %% tags=["exercise"]
TAPE = []


class Var:
    def __init__(self, value, parents=()):
        raise NotImplementedError("your code here")  # TODO


def vsin(u):
    raise NotImplementedError("your code here")  # TODO


def gradient(output, inputs):
    raise NotImplementedError("your code here")  # TODO


# %% tags=["solution", "hide-input"]
TAPE = []


class Var:
    """A value on the tape: its parents are (variable, local derivative) pairs."""

    def __init__(self, value, parents=()):
        self.value, self.parents, self.adjoint = value, parents, 0.0
        TAPE.append(self)

    def __add__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value + other.value, ((self, 1.0), (other, 1.0)))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value * other.value, ((self, other.value), (other, self.value)))

    __rmul__ = __mul__


def vsin(u):
    return Var(math.sin(u.value), ((u, math.cos(u.value)),))


def gradient(output, inputs):
    """d output / d each input: one sweep back over the tape (creation order is an order in
    which every variable comes after its parents)."""
    for v in TAPE:
        v.adjoint = 0.0
    output.adjoint = 1.0
    for v in reversed(TAPE):
        for parent, local in v.parents:
            parent.adjoint += v.adjoint * local
    return [v.adjoint for v in inputs]


# %% tags=["check"]
def h(a, b, c, sin):
    """Three inputs, one output; a appears twice, so its adjoint must accumulate."""
    return sin(a * b) + a * c * 2.0 + c


inputs = [Var(0.5), Var(-1.3), Var(2.0)]
reverse = gradient(h(*inputs, vsin), inputs)
# forward mode, your Dual, one pass per input: the same numbers up to rounding (a few ulps)
forward = [h(*(Dual(v.value, float(i == j)) for j, v in enumerate(inputs)), dsin).deriv
           for i in range(3)]
check("the tape's gradient (one sweep) against forward mode (three passes)", reverse, forward,
      1e-14)

# %% [markdown]
# **Question.** For the CNN's 1510 parameters and one loss, how many sweeps does the tape need,
# and how many passes forward mode? What does the tape cost that forward mode does not?
#
# <details><summary>Answer</summary>
#
# One backward sweep gives all 1510 partials; forward mode needs 1510 partials' worth of passes
# (12 passes of 128 at once, lesson 6). The tape's price is memory: it keeps every intermediate
# value of the forward pass until the sweep, where forward mode forgets each as it goes. Chain
# mode (the `*_backward` functions) is the same sweep, written out by hand per layer.
# </details>
