"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling."""

import numpy as np

from reference.errata import check_errata
from shared.matlab import col2im_distinct, im2col_distinct, reshape_f


def pool2x2_backward(dldy, x, y, errata="keep"):
    """Route each block's upstream value to the block's first maximum (column-major order).

    dldy (7,7,3[,B]), x (14,14,3[,B]), y unused.
    errata="keep" -> the 4x49x3[xB] block-layout array dLdx_rv, as the original returns (E1);
    errata="fix"  -> the spatial gradient dLdx (14,14,3[,B]) that col2im builds from it.
    """
    check_errata(errata)
    height, width = x.shape[:2]
    blocks = im2col_distinct(x, 2)  # 4 x 49 x 3[ x B]
    block_max = np.max(blocks, axis=0)
    dldy_blocks = reshape_f(dldy, block_max.shape)  # 49 x 3[ x B]
    # MATLAB's [~, i] = max(...) picks the first maximum: walk each block's 4 positions in
    # column-major order; the first one equal to the maximum takes the upstream value.
    found = np.zeros(block_max.shape, dtype=bool)
    dldx_rv = []
    for position in range(4):
        is_first_max = (blocks[position] == block_max) & ~found
        found |= is_first_max
        dldx_rv.append(is_first_max * dldy_blocks)
    dldx_rv = np.stack(dldx_rv)  # 4 x 49 x 3[ x B]
    if errata == "keep":
        return dldx_rv
    return col2im_distinct(dldx_rv, 2, height, width)
