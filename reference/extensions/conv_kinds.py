"""The conv layer's kinds: the original linear filter and (not in the original) non-linear ones.

A kind names the parameters it has beyond ``w_conv`` and ``b_conv``, its forward, the
gradients TrainCNN accumulates for each parameter, and how its extra parameters start. The
dual twin has the same kinds (``dual.extensions.conv_kinds``) and one more, the Gaussian
kervolution, which has no hand-derived backward. A new kind is one entry of CONV_KINDS here:
the twin gets its gradients from its forward alone (``dual.extensions.conv_kinds.from_forward``)
unless a dual counterpart of its backward is written there.
"""

from collections.abc import Callable
from dataclasses import dataclass

from reference.conv import conv
from reference.conv_backward import conv_backward
from reference.extensions.conv_loops import conv_loops
from reference.extensions.volterra_conv import volterra_conv
from reference.extensions.volterra_conv_backward import volterra_conv_backward
from shared.choices import check_choice
from shared.training import conv_weight_step

VOLTERRA_W2_SCALE = 0.01
"""w2_conv starts as 0.01 N(0,1): with N(0,1) weights the 45 quadratic terms of a patch of
pixels near 1 add up to logits of several hundred, and the softmax saturates at once."""


@dataclass(frozen=True)
class ConvKind:
    """extra: names of the parameters beyond (w_conv, b_conv);
    forward(x, w_conv, b_conv, *extra) -> y (14,14,c2[,B]);
    gradients(dldy, x, w_conv, b_conv, *extra, y, errata) -> the gradients TrainCNN accumulates,
        one per parameter, in the parameters' shapes: (dw_conv, db_conv, *dextra);
    initial(rng, w_conv) -> {name: starting value} for the extra parameters, and for "w_conv"
        when the kind starts its filters otherwise than TrainCNN's N(0,1) draw ``w_conv``;
    from_file(contents) -> contents with the extra parameters as training takes them (a file
        may hold them otherwise); to_file(extra) -> {name: value} as cnn.mat holds them;
    file_entries(n_filters) -> {name: (MATLAB shape, range)} of what to_file writes, for
        ``shared.weights.load_cnn_mat`` to check (range: (low, high, words), or None: within
        WEIGHT_LIMIT in magnitude)."""
    extra: tuple
    forward: Callable
    gradients: Callable
    initial: Callable
    from_file: Callable = lambda contents: contents
    to_file: Callable = lambda extra: dict(extra)
    file_entries: Callable = lambda n_filters: {}


def linear_kind(conv_backward, forward=conv):
    """The original Conv.m, with a given Conv_backward (the reference's or the dual twin's);
    ``forward`` conv or conv_loops, the same convolution written as loops."""
    def gradients(dldy, x, w_conv, b_conv, y, errata):
        dldw_conv, dldb_conv = conv_backward(dldy, x, w_conv, b_conv, y)
        return conv_weight_step(dldw_conv, w_conv.shape, errata), dldb_conv.T

    return ConvKind(extra=(), forward=forward, gradients=gradients,
                    initial=lambda rng, w_conv: {})


def volterra_kind(volterra_conv_backward):
    """The second-order Volterra filter: w_conv is its linear part w1, w2_conv its quadratic
    part (n x n x c2, upper triangle used)."""
    def gradients(dldy, x, w_conv, b_conv, w2_conv, y, errata):
        _, dw1, dw2, db = volterra_conv_backward(dldy, x, w_conv, w2_conv, b_conv, y,
                                                 need_dldx=False)
        return dw1, db, dw2

    def initial(rng, w_conv):
        n, c2 = w_conv.shape[0] * w_conv.shape[1] * w_conv.shape[2], w_conv.shape[3]
        return {"w2_conv": VOLTERRA_W2_SCALE * rng.standard_normal((n, n, c2))}

    return ConvKind(extra=("w2_conv",),
                    forward=lambda x, w_conv, b_conv, w2_conv: volterra_conv(x, w_conv, w2_conv, b_conv),
                    gradients=gradients, initial=initial,
                    file_entries=lambda n_filters: {"w2_conv": ((9, 9, n_filters), None)})
    # (w2_conv: n x n x c2 for the n = 3 x 3 x 1 entries of a patch)


CONV_KINDS = {
    "linear": linear_kind(conv_backward),
    "linear-loops": linear_kind(conv_backward, forward=conv_loops),
    "volterra": volterra_kind(volterra_conv_backward),
}
"""The reference's conv kinds, each with its hand-derived backward ("linear-loops": the
original filter computed by conv_loops, the loop form)."""


def check_conv(conv, kinds=CONV_KINDS):
    """Return the ConvKind named ``conv`` or raise a ValueError naming the choices."""
    return kinds[check_choice("conv", conv, kinds)]
