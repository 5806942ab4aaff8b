"""MATLAB: Pool2x2.m -- 2x2 max pooling, stride 2."""

import numpy as np

from shared.matlab import im2col_distinct, reshape_f


def pool2x2(x):
    """Max of every distinct 2x2 block, per channel (and image).

    x (14,14,3[,B]) -> y (7,7,3[,B]). The blocks come from im2col 'distinct' (4 x 49 per
    channel), whose column max is reshaped to 7x7.
    """
    height, width = x.shape[:2]
    blocks = im2col_distinct(x, 2)  # 4 x 49 x 3[ x B]
    return reshape_f(np.max(blocks, axis=0), (height // 2, width // 2) + x.shape[2:])
