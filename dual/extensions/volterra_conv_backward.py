"""Gradients of the Volterra convolution from dual numbers: no derivative formula.

Not in the original. The twin of ``reference/extensions/volterra_conv_backward.py``: eq. 4.4 and 4.5
are replaced by the dual parts of the forward run on seeded parameters and seeded patches.
"""

import numpy as np

from dual.extensions.patch_backward import patch_input_gradient
from dual.seeding import dual_part, volterra_filter_seeds
from reference.extensions.volterra_conv import check_volterra_shapes, volterra_patches
from shared.matlab import drop_batch_axis, reshape_f, with_batch_axis
from shared.patches import backward_columns, upper_triangle


def volterra_conv_backward(dldy, x, w1, w2, b, y, need_dldx=True):
    """dL/dx, dL/dw1, dL/dw2, dL/db of the Volterra convolution; parameters summed over a batch.

    dldy (14,14,c2[,B]), x (14,14,1[,B]), w1 (f,f,1,c2), w2 (n,n,c2), b (c2,1), y unused
    -> dldx (14,14,1[,B]), dldw1 (f,f,1,c2), dldw2 (n,n,c2) (zero below the diagonal), dldb (c2,1).
    With need_dldx=False (a first layer) dL/dx is not computed and dldx is None.
    dy/d(w1, w2, b): the dual part of the layer run on filter 0 seeded (it is linear in them,
    so filter 0's derivatives serve every filter); dy/dx: the dual part of each patch's output
    with the patch's n inputs seeded, scattered back onto the pixels (col2im).
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = check_volterra_shapes(w1, w2, b)
    x_cols, dldy_cols = backward_columns(dldy, x, f, c2)  # n x P x B, P x c2 x B

    # dy(p, 0, b)/dtheta(q, 0) x dL/dy(p, k, b), summed over p and b: c2 x (n + n(n+1)/2 + 1)
    seeded = volterra_filter_seeds(w1, w2, b)
    dydtheta = dual_part(volterra_patches(x_cols, *seeded), seeded[0])[:, 0]  # P x B x K
    dldtheta = np.einsum("pkb,pbq->kq", dldy_cols, dydtheta)
    dldw1, dldw2, dldb = volterra_filter_gradients(dldtheta, w1.shape)

    if not need_dldx:  # the network's first layer: dL/dx is not needed
        return None, dldw1, dldw2, dldb

    dldx = patch_input_gradient(lambda cols: volterra_patches(cols, w1, w2, b), x_cols, dldy_cols, f,
                                height, width)
    return drop_batch_axis(dldx, single), dldw1, dldw2, dldb


def volterra_filter_gradients(dldtheta, w1_shape):
    """Rows of dL/d(filter parameters) in the seeds' order -> dldw1 (f,f,c1,c2), dldw2 (n,n,c2)
    with zeros below the diagonal, dldb (c2,1).  dldtheta: (c2, n + n(n+1)/2 + 1)."""
    c2 = dldtheta.shape[0]
    n = int(np.prod(w1_shape[:3]))
    i, j = upper_triangle(n)
    m = len(i)
    dldw2 = np.zeros((n, n, c2))
    dldw2[i, j] = dldtheta[:, n:n + m].T
    return reshape_f(dldtheta[:, :n].T, w1_shape), dldw2, dldtheta[:, n + m:].copy()
