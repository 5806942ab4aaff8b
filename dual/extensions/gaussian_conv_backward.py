"""Gradients of the Gaussian kervolution from dual numbers: there is no derivative formula.

Not in the original.
"""

import numpy as np

from dual.extensions.gaussian_conv import check_gaussian_shapes, gaussian_patches
from dual.extensions.patch_backward import patch_input_gradient
from dual.seeding import dual_part, shared_filter_seeds
from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import backward_columns


def gaussian_conv_backward(dldy, x, w, b, gamma, y, need_dldx=True):
    """dL/dx, dL/dw, dL/db, dL/dgamma of the Gaussian kervolution; parameters summed over a batch.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w (f,f,1,c2), b (c2,1), gamma (c2,1), y unused
    -> dldx (14,14,1[,B]), dldw (f,f,1,c2), dldb (c2,1), dldgamma (c2,1).
    With need_dldx=False (a first layer) dL/dx is not computed and dldx is None.
    dy/d(w, b, gamma): the dual part of the layer with parameter q of every filter seeded alike
    (n + 2 seeds; the layer is not linear in them, so each filter is evaluated at its own
    values); dy/dx: the dual part of each patch's output with the patch's n inputs seeded,
    scattered back onto the pixels (col2im).
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = check_gaussian_shapes(w, b, gamma)
    n = f * f
    x_cols, dldy_cols = backward_columns(dldy, x, f, c2)  # n x P x B, P x c2 x B

    seeded = shared_filter_seeds(w, reshape_f(b, (c2,)), reshape_f(gamma, (c2,)))
    dydtheta = dual_part(gaussian_patches(x_cols, *seeded), seeded[0])  # P x c2 x B x (n + 2): dy(p,k,b)/dtheta(q,k)
    dldtheta = np.einsum("pkb,pkbq->kq", dldy_cols, dydtheta)  # c2 x (n + 2)
    dldw = reshape_f(dldtheta[:, :n].T, w.shape)
    dldb, dldgamma = dldtheta[:, n:n + 1].copy(), dldtheta[:, n + 1:].copy()

    if not need_dldx:  # the network's first layer: dL/dx is not needed
        return None, dldw, dldb, dldgamma

    dldx = patch_input_gradient(lambda cols: gaussian_patches(cols, w, b, gamma), x_cols, dldy_cols, f,
                                height, width)
    return drop_batch_axis(dldx, single), dldw, dldb, dldgamma
