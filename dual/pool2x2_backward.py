"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling, from dual numbers."""

import numpy as np

from dual.seeding import position_derivatives
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.matlab import col2im_distinct, im2col_distinct, reshape_f


def pool2x2_backward(dldy, x, y, errata="fix"):
    """Pool2x2_backward(dLdy, x, y): each block's upstream value goes to the block's first
    maximum (column-major order), the other three positions get 0.

    dldy (7,7,3[,B]), x (14,14,3[,B]), y unused -> dLdx (14,14,3[,B]), the spatial gradient.
    dydx_rv: the dual part of Pool2x2's max over each block with its 4 positions seeded; the
    max passes the partials of its FIRST maximum (column-major), as MATLAB's max does.
    """
    check_errata(errata, TRUE_DERIVATIVES)
    height, width = x.shape[:2]
    x_row_version = im2col_distinct(x, 2)  # 4 x (h/2 x w/2) x c (x B)
    dldy_flattened_xy = reshape_f(dldy, x_row_version.shape[1:])  # (h/2 x w/2) x c (x B)
    dydx_rv = position_derivatives(lambda blocks: blocks.max(axis=0), x_row_version)
    dydx_rv = np.moveaxis(dydx_rv, -1, 0)  # d max / d (position q of its block): 4 x 49 x c (x B)
    dldx_rv = dydx_rv * dldy_flattened_xy  # dLdx_rv(maxIdx(1, iColNo, iDepth), iColNo, iDepth) = ...
    dldx = np.zeros_like(x)  # h x w x c (x B)
    dldx = col2im_distinct(dldx_rv, 2, height, width, out=dldx)
    return dldx
