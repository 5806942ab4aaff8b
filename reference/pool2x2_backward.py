"""MATLAB: Pool2x2_backward.m -- gradient through 2x2 max pooling."""

from reference.errata import check_errata
from reference.pool2x2 import blocks_and_max
from shared.matlab import col2im_distinct, reshape_f


def pool2x2_backward(dldy, x, y, errata="keep"):
    """Route each block's upstream value to the block's first maximum (column-major order).

    dldy (7,7,3[,B]), x (14,14,3[,B]), y unused.
    errata="keep" -> the 4x49x3[xB] block-layout array dLdx_rv, as the original returns (E1);
    errata="fix"  -> the spatial gradient dLdx (14,14,3[,B]) that col2im builds from it.
    """
    check_errata(errata)
    height, width = x.shape[:2]
    blocks, block_max = blocks_and_max(x)  # 4 x 49 x 3[ x B], and its max over axis 0
    dldy_blocks = reshape_f(dldy, block_max.shape)  # 49 x 3[ x B]
    # MATLAB's [~, i] = max(...) picks the first maximum: a position takes the upstream value
    # when it equals its block's maximum and no earlier position (column-major) does.
    is_max = blocks == block_max  # 4 x 49 x 3[ x B]
    is_first_max = is_max.copy(order="K")  # (laid out like the blocks)
    found = is_max[0].copy(order="K")  # a maximum seen at an earlier position
    for position in range(1, 4):
        is_first_max[position] &= ~found
        found |= is_max[position]
    dldx_rv = is_first_max * dldy_blocks  # 4 x 49 x 3[ x B]
    if errata == "keep":
        return dldx_rv
    return col2im_distinct(dldx_rv, 2, height, width)
