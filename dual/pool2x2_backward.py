"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling, from dual numbers."""

from dual.errata import check_errata
from dual.seeding import position_derivatives
from reference.pool2x2 import blocks_and_max, max_of_blocks
from shared.matlab import col2im_distinct, reshape_f


def pool2x2_backward(dldy, x, y, errata="fix"):
    """dldy (7,7,3[,B]), x (14,14,3[,B]), y unused -> dLdx (14,14,3[,B]), the spatial gradient.

    The local derivatives are the dual part of Pool2x2's block max with each block's 4
    positions seeded: a block's max passes the tangent of its FIRST maximum (column-major), as
    MATLAB's max does.
    """
    check_errata(errata)
    height, width = x.shape[:2]
    blocks, _ = blocks_and_max(x)  # im2col(x, [2 2], 'distinct'), as Pool2x2 took them: 4 x 49 x 3[ x B]
    dydx = position_derivatives(max_of_blocks, blocks)  # 49 x 3[ x B] x 4: d max / d position q
    dydx = dydx.transpose((dydx.ndim - 1,) + tuple(range(dydx.ndim - 1)))  # positions first
    dldx_rv = dydx * reshape_f(dldy, dydx.shape[1:])  # 4 x 49 x 3[ x B]
    return col2im_distinct(dldx_rv, 2, height, width)
