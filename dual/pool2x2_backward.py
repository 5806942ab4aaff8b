"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling, from dual numbers."""

import numpy as np

from dual.errata import check_errata
from dual.seeding import block_derivatives
from reference.pool2x2 import pool2x2
from shared.matlab import col2im_distinct, reshape_f


def pool2x2_backward(dldy, x, y, errata="fix"):
    """dldy (7,7,3[,B]), x (14,14,3[,B]), y unused -> dLdx (14,14,3[,B]), the spatial gradient.

    The local derivatives are the dual part of pool2x2 with each block's 4 positions seeded:
    a block's max passes the tangent of its FIRST maximum (column-major), as MATLAB's max does.
    """
    check_errata(errata)
    height, width = x.shape[:2]
    dydx = block_derivatives(pool2x2, x, 2)  # 7x7x3[xB] x 4: dy/dx at each block position
    dldx_rv = np.moveaxis(dldy[..., None] * dydx, -1, 0)  # 4 x 7 x 7 x 3[ x B]
    dldx_rv = reshape_f(dldx_rv, (4, dldx_rv.shape[1] * dldx_rv.shape[2]) + x.shape[2:])
    return col2im_distinct(dldx_rv, 2, height, width)
