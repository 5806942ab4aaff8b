"""MATLAB: Conv.m -- 3x3 convolution (cross-correlation), stride 1, zero padding 1."""

import numpy as np

from shared.matlab import drop_batch_axis, im2col_sliding, pad_zeros, reshape_f, with_batch_axis


def conv(x, w_conv, b_conv):
    """y = Conv(x, w_conv, b_conv): c2 filters applied to every 3x3 patch, through im2col.

    x (14,14,1[,B]) (14x14 accepted), w_conv (f,f,1,c2) = (3,3,1,3), b_conv (c2,1)
    -> y (14,14,c2[,B]). In MATLAB's 1-based indices,
    y(r,c,k) = sum_ij w_conv(i,j,1,k) x_padded(r+i-1,c+j-1) + b_conv(k).
    """
    x, single = with_batch_axis(x, x.shape[:2] + (1,), "x")
    height, width, _, n_images = x.shape  # height = 14, width = 14
    f, c2 = w_conv.shape[0], w_conv.shape[3]  # f = 3, c2 = 3
    x_reshaped = reshape_f(x, (height, width, n_images))  # 14 x 14 (x B)
    x_padded = pad_zeros(x_reshaped, 1)  # 16 x 16 (x B)
    x_row_version = im2col_sliding(x_padded, f)  # (3x3) x (14x14) (x B)
    w_reshaped = reshape_f(w_conv, (f * f, c2))  # (3x3) x 3
    # y = transpose(x_row_version) * w_reshaped + transpose(b_conv), for every image at once:
    # transposed, w_reshaped' * [x_1 x_2 ...] + b_conv, the images' patches side by side
    x_pages = np.reshape(x_row_version, (f * f, -1))  # (3x3) x (14x14xB): column p*B + b is
    y = np.transpose(w_reshaped) @ x_pages + b_conv  # patch p of image b; 3 x (14x14xB), alike
    y = np.transpose(np.reshape(y, (c2, height * width, n_images)), (1, 0, 2))  # (14x14) x 3 x B
    y = reshape_f(y, (height, width, c2, n_images))  # 14 x 14 x 3 (x B)
    return drop_batch_axis(y, single)
