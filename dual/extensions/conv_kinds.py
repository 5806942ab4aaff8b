"""The conv layer's kinds for the dual twin: the reference's kinds (reference.extensions.conv_kinds)
with backward functions from dual numbers, and the Gaussian kervolution, which exists only here
(it has no hand-derived backward). Not in the original.

A kind of the reference's with no entry in ``DUAL_BACKWARD`` gets its gradients from its forward
alone (``from_forward``): a conv kind is added in one place, reference.extensions.conv_kinds,
and the twin has it too. An entry here is a faster twin of its hand-derived backward (seeds chosen
by the layer's structure), mirroring the reference file by file.
"""

from dataclasses import replace

import numpy as np

from dual.conv_backward import conv_backward
from dual.extensions.gaussian_conv import gaussian_conv
from dual.extensions.gaussian_conv_backward import gaussian_conv_backward
from dual.extensions.volterra_conv_backward import volterra_conv_backward
from dual.seeding import elementwise_derivative, gradient
from reference.extensions.conv_kinds import CONV_KINDS as REFERENCE_KINDS
from reference.extensions.conv_kinds import ConvKind, linear_kind, volterra_kind
from reference.extensions.conv_loops import conv_loops
from shared.matlab import reshape_f
from shared.weights import WEIGHT_LIMIT

GAUSSIAN_GAMMA_START = 0.1
"""Kernel widths start at 0.1 and the centres w_conv at U(0,1), the pixels' range: with
TrainCNN's N(0,1) centres and gamma = 1, ||x - w||^2 of a patch is about 9, every response
exp(-9) ~ 1e-4, and training often never leaves that plateau."""


def widths(log_gamma_conv):
    """gamma = exp(log_gamma_conv); a FloatingPointError if it overflowed (a diverging run,
    which the training loop reports as such)."""
    gamma = np.exp(log_gamma_conv)
    if not np.all(np.isfinite(gamma)):
        raise FloatingPointError("the kernel widths exp(log_gamma_conv) overflowed")
    return gamma


def gaussian_kind():
    """Gaussian kervolution: w_conv holds the filters' centres, b_conv the biases, and
    log_gamma_conv the logs of the widths: gamma = exp(log_gamma_conv) stays positive whatever
    the gradient step, and the step's chain rule through exp comes from dual numbers too."""
    def forward(x, w_conv, b_conv, log_gamma_conv):
        return gaussian_conv(x, w_conv, b_conv, widths(log_gamma_conv))

    def gradients(dldy, x, w_conv, b_conv, log_gamma_conv, y, errata):
        gamma = widths(log_gamma_conv)
        _, dw, db, dgamma = gaussian_conv_backward(dldy, x, w_conv, b_conv, gamma, y,
                                                   need_dldx=False)
        return dw, db, dgamma * elementwise_derivative(np.exp, log_gamma_conv)

    def initial(rng, w_conv):
        return {"w_conv": rng.uniform(0, 1, w_conv.shape),
                "log_gamma_conv": np.full((w_conv.shape[3], 1), np.log(GAUSSIAN_GAMMA_START))}

    def from_file(contents):  # the widths as gamma_conv (checked positive on loading): their logs
        if "gamma_conv" in contents and "log_gamma_conv" not in contents:
            return {**contents, "log_gamma_conv": np.log(np.asarray(contents["gamma_conv"]))}
        return contents

    def to_file(extra):  # the learned log_gamma_conv, and the gamma_conv it stands for
        return {**extra, "gamma_conv": np.exp(extra["log_gamma_conv"])}

    def file_entries(n_filters):  # the widths 1/WEIGHT_LIMIT .. WEIGHT_LIMIT, their logs alike
        limit = np.log(WEIGHT_LIMIT)
        return {"log_gamma_conv": ((n_filters, 1), (-limit, limit, (
                    f"within +-{limit:.1f} (widths {1 / WEIGHT_LIMIT:g} to {WEIGHT_LIMIT:g})"))),
                "gamma_conv": ((n_filters, 1), (1 / WEIGHT_LIMIT, WEIGHT_LIMIT, (
                    f"positive, {1 / WEIGHT_LIMIT:g} to {WEIGHT_LIMIT:g}")))}

    return ConvKind(extra=("log_gamma_conv",), forward=forward, gradients=gradients, initial=initial,
                    from_file=from_file, to_file=to_file, file_entries=file_entries)


def from_forward(kind):
    """``kind`` (a reference ConvKind) with its gradients from its forward alone: dL/dtheta of
    the conv parameters theta = (w_conv, b_conv, *extra) is the gradient of
    sum(dL/dy .* forward(x, theta)) with dL/dy held constant, each parameter's entries seeded
    (forward mode, ``dual.seeding.gradient``). Summed over a batch, in the parameters' shapes;
    true derivatives (errata fix)."""
    def gradients(dldy, x, w_conv, b_conv, *rest):
        *extra, y, _errata = rest
        upstream = reshape_f(dldy, np.shape(y))

        def contracted(*params):
            return np.sum(upstream * kind.forward(x, *params))

        params = (w_conv, b_conv, *extra)
        _, grads = gradient(contracted, params)
        return tuple(grads[i] for i in range(len(params)))

    return replace(kind, gradients=gradients)


DUAL_BACKWARD = {
    "linear": linear_kind(conv_backward),
    "linear-loops": linear_kind(conv_backward, forward=conv_loops),
    "volterra": volterra_kind(volterra_conv_backward),
}
"""The reference's kinds whose backward the twin mirrors file by file (dual/conv_backward.py,
dual/extensions/volterra_conv_backward.py)."""

CONV_KINDS = {
    **{name: DUAL_BACKWARD.get(name) or from_forward(kind) for name, kind in REFERENCE_KINDS.items()},
    "gaussian": gaussian_kind(),
}
"""Every conv kind, each backward read off dual numbers: the reference's (its mirrored twin, or
from its forward alone) and the Gaussian kervolution."""
