"""MATLAB: Pool2x2.m -- 2x2 max pooling, stride 2."""

import numpy as np

from shared.matlab import im2col_distinct, reshape_f
from shared.memo import keep_last


def pool2x2(x):
    """Max of every distinct 2x2 block, per channel (and image).

    x (14,14,3[,B]) -> y (7,7,3[,B]). The blocks come from im2col 'distinct' (4 x 49 per
    channel), whose column max is reshaped to 7x7.
    """
    height, width = x.shape[:2]
    _, block_max = blocks_and_max(x)  # (kept read-only for the backward: y gets its own copy)
    return np.copy(reshape_f(block_max, (height // 2, width // 2) + x.shape[2:]), order="K")


@keep_last
def blocks_and_max(x):
    """x (14,14,3[,B]) -> (blocks, block_max): im2col(x, [2 2], 'distinct') of every channel,
    4 x 49 x 3[ x B], and its column max, 49 x 3[ x B]. Pool2x2_backward takes the same x and
    gets them without building them again."""
    blocks = im2col_distinct(x, 2)
    return blocks, max_of_blocks(blocks)


def max_of_blocks(blocks):
    """MATLAB ``max(x_row_version)``: each column's (block's) max. blocks (4, 49, ...) -> (49, ...)."""
    return blocks.max(axis=0)
