"""MATLAB: Pool2x2.m -- 2x2 max pooling, stride 2."""

from shared.matlab import im2col_distinct, reshape_f


def pool2x2(x):
    """y = Pool2x2(x): the max of every distinct 2x2 block, per channel (and image).

    x (14,14,3[,B]) -> y (7,7,3[,B]). The blocks come from im2col 'distinct' (4 x 49 per
    channel), whose column max is reshaped to 7x7.
    """
    height, width = x.shape[:2]
    x_row_version = im2col_distinct(x, 2)  # 4 x (h/2 x w/2) x c (x B)
    y_row_version = x_row_version.max(axis=0)  # (h/2 x w/2) x c (x B): max(x_row_version)
    y = reshape_f(y_row_version, (height // 2, width // 2) + x.shape[2:])  # h/2 x w/2 x c (x B)
    return y
