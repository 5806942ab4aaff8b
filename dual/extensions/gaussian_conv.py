"""Gaussian kervolution (Wang et al., "Kervolutional Neural Networks", CVPR 2019).

Not in the original, and only in ``dual/``: a patch-wise layer with no hand-derived backward;
its gradients come from dual numbers alone (``dual.extensions.gaussian_conv_backward``).
"""

import numpy as np

from dual.dual_array import DualArray
from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import check_filters, check_per_filter, sliding_patches


def gaussian_conv(x, w, b, gamma):
    """Gaussian kernel of each patch with each filter, plus a bias.

    x (14,14,1[,B]) (14x14 accepted), w (f,f,1,c2) = (3,3,1,3) like w_conv, b (c2,1),
    gamma (c2,1), every gamma > 0 -> y (14,14,c2[,B]). For the patch x_p at each position
    (zero padding, listed column-major as im2col lists it) and each channel k:
        y = exp(-gamma(k) * ||x_p - w(:,k)||^2) + b(k)
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = check_gaussian_shapes(w, b, gamma)
    y = gaussian_patches(sliding_patches(x, f), w, b, gamma)  # (14*14) x c2 x B
    return drop_batch_axis(reshape_f(y, (height, width, c2, x.shape[3])), single)


def gaussian_patches(x_cols, w, b, gamma):
    """The Gaussian filters applied to each column of patches.

    x_cols (n, P, B), w (f,f,1,c2), b (c2,1), gamma (c2,1) -> y (P, c2, B).
    ||x - w||^2 is computed as ||x||^2 - 2 w'x + ||w||^2: the cross term is one matrix product,
    as in Conv.m, where the difference x - w would be an n x c2 array per patch (2.5x slower
    on dual numbers).
    """
    n, n_patches, n_images = x_cols.shape
    c2 = w.shape[3]
    x_flat = reshape_f(x_cols, (n, n_patches * n_images))  # the pages side by side
    w_reshaped = reshape_f(w, (n, c2))
    distance2 = (np.sum(np.square(x_flat), axis=0)
                 - 2 * np.einsum("ik,ip->kp", w_reshaped, x_flat, optimize=True)
                 + np.reshape(np.sum(np.square(w_reshaped), axis=0), (c2, 1)))  # c2 x (P*B)
    y = np.exp(-reshape_f(gamma, (c2, 1)) * distance2) + reshape_f(b, (c2, 1))
    return np.moveaxis(reshape_f(y, (c2, n_patches, n_images)), 0, 1)


def check_gaussian_shapes(w, b, gamma):
    """w (f,f,1,c2) with f odd, b and gamma (c2,1), every gamma positive and finite -> (f, c2),
    or ValueError naming the argument. gamma is checked on its value (a DualArray's ``.real``)."""
    f, c2 = check_filters(w, "w")
    check_per_filter(b, c2, "b")
    check_per_filter(gamma, c2, "gamma")
    gamma_value = gamma.real if isinstance(gamma, DualArray) else np.asarray(gamma, dtype=float)
    if not np.all(np.isfinite(gamma_value) & (gamma_value > 0)):
        raise ValueError(f"gamma must be positive and finite, got {np.ravel(gamma_value).tolist()}")
    return f, c2
