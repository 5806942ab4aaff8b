"""Gradients of the Volterra convolution, derived by hand (the seed study's eq. 4.4 and 4.5).

Not in the original: the backward of ``reference.extensions.volterra_conv``, written the way
Zoumpourlis et al. wrote theirs, from the explicit local derivatives.
"""

import numpy as np

from reference.extensions.volterra_conv import PAIRWISE, check_volterra_shapes
from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import backward_columns, image_gradient


def volterra_conv_backward(dldy, x, w1, w2, b, y, need_dldx=True):
    """dL/dx, dL/dw1, dL/dw2, dL/db of the Volterra convolution; parameters summed over a batch.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w1 (f,f,1,c2), w2 (n,n,c2), b (c2,1), y unused
    -> dldx (14,14,1[,B]), dldw1 (f,f,1,c2), dldw2 (n,n,c2) (zero below the diagonal), dldb (c2,1).
    With need_dldx=False (a first layer) dL/dx is not computed and dldx is None.
    Per patch x_1..x_n and channel k, with w2 read as its upper triangle (i <= j):
        dy/dw1_i = x_i,   dy/dw2_ij = x_i x_j,   dy/db = 1                          (4.4)
        dy/dx_i = w1_i + sum_{m<=i} w2_mi x_m + sum_{m>=i} w2_im x_m                 (4.5)
    and each dL/dx_i of a patch is scattered back onto the pixel it was read from.
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = check_volterra_shapes(w1, w2, b)
    n = f * f
    x_cols, dldy_cols = backward_columns(dldy, x, f, c2)  # n x P x B, P x c2 x B
    upper = np.triu(np.ones((n, n)))[:, :, None]  # the entries i <= j of w2 are the weights

    # (4.4): each weight's derivative times dL/dy, summed over positions p and images b
    dldw1 = reshape_f(np.einsum("pkb,ipb->ik", dldy_cols, x_cols, optimize=True), w1.shape)
    dldw2 = np.einsum("pkb,ipb,jpb->ijk", dldy_cols, x_cols, x_cols, optimize=PAIRWISE) * upper
    dldb = np.sum(dldy_cols, axis=(0, 2)).reshape(c2, 1)

    if not need_dldx:  # the network's first layer: dL/dx is not needed
        return None, dldw1, dldw2, dldb

    # (4.5) with w2 its upper triangle: dy/dx_i = w1_i + sum_m (w2 + w2')_im x_m (the diagonal
    # twice), times dL/dy, summed over the channels k
    w2_upper = w2 * upper
    w2_sym = w2_upper + np.transpose(w2_upper, (1, 0, 2))  # n x n x c2
    dldx_cols = (np.einsum("ik,pkb->ipb", reshape_f(w1, (n, c2)), dldy_cols, optimize=True)
                 + np.einsum("imk,mpb,pkb->ipb", w2_sym, x_cols, dldy_cols,
                             optimize=PAIRWISE))  # n x P x B
    dldx = image_gradient(dldx_cols, f, height, width)  # each patch entry back onto its pixel
    return drop_batch_axis(dldx, single), dldw1, dldw2, dldb
