"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling."""

import numpy as np

from shared.errata import check_errata
from shared.matlab import col2im_distinct, im2col_distinct, max_with_index, reshape_f


def pool2x2_backward(dldy, x, y, errata="keep"):
    """Pool2x2_backward(dLdy, x, y): each block's upstream value goes to the block's first
    maximum (column-major order), the other three positions get 0.

    dldy (7,7,3[,B]), x (14,14,3[,B]), y unused.
    errata="keep" -> the 4x49x3[xB] block-layout array dLdx_rv, as the original returns (E1);
    errata="fix"  -> the spatial gradient dLdx (14,14,3[,B]) that col2im builds from it.
    """
    check_errata(errata)
    height, width = x.shape[:2]
    x_row_version = im2col_distinct(x, 2)  # 4 x (h/2 x w/2) x c (x B)
    dldy_flattened_xy = reshape_f(dldy, x_row_version.shape[1:])  # (h/2 x w/2) x c (x B)
    _, max_idx = max_with_index(x_row_version)  # [~, maxIdx] = max(x_row_version): the first max
    positions = np.arange(4).reshape((4,) + (1,) * max_idx.ndim)
    dydx_rv = positions == max_idx  # d max / d (position q of its block): 1 at maxIdx, else 0
    dldx_rv = dydx_rv * dldy_flattened_xy  # dLdx_rv(maxIdx(1, iColNo, iDepth), iColNo, iDepth) = ...
    if errata == "keep":
        return dldx_rv
    dldx = np.zeros_like(x)  # h x w x c (x B)
    dldx = col2im_distinct(dldx_rv, 2, height, width, out=dldx)
    return dldx
