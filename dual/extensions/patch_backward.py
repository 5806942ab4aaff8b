"""dL/dx of a patch-wise layer (Volterra, Gaussian kervolution) from dual numbers: the backward
both share. Not in the original."""

import numpy as np

from dual.seeding import dual_part, seed_positions
from shared.patches import image_gradient


def patch_input_gradient(patch_function, x_cols, dldy_cols, f, height, width):
    """dL/dx of a patch-wise layer from its per-patch function on seeded patches.

    patch_function: x_cols (n, P, B) -> y (P, c2, B); dldy_cols (P, c2, B) -> dldx
    (height, width, 1, B). Each patch's n entries carry seeds 1..n; the dual parts times
    dL/dy, summed over channels, are each patch's dL/dx, scattered back onto the pixels the
    patch was read from (col2im) and cropped of the padding.
    """
    seeded = seed_positions(x_cols)  # entry q of every patch carries seed q
    dydx_cols = dual_part(patch_function(seeded), seeded)  # P x c2 x B x n
    dldx_cols = np.einsum("pkb,pkbq->qpb", dldy_cols, dydx_cols)  # n x P x B
    return image_gradient(dldx_cols, f, height, width)
