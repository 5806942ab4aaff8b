"""The seed study's "old-fashioned" convolution: loops over the kernel, no im2col.

Not in the original: Conv.m computed as the study's ``old_fashioned_convolution`` (its
chapter 4.2.2 and 6.1) would, one kernel offset at a time. Every operation is linear in x and
in the weights, so on dual numbers the derivatives come out in the dual part.
"""

from shared.matlab import drop_batch_axis, pad_zeros, reshape_f, with_batch_axis


def conv_loops(x, w_conv, b_conv):
    """Convolve one image (or a batch) with c2 filters by looping over the f*f kernel offsets.

    x (14,14,1[,B]) (14x14 accepted), w_conv (f,f,1,c2) = (3,3,1,3), b_conv (c2,1)
    -> y (14,14,c2[,B]), equal to ``conv(x, w_conv, b_conv)``:
    y(r,c,k) = sum_ij w_conv(i,j,1,k) x_padded(r+i-1,c+j-1) + b_conv(k) (1-based indices).
    Each step adds the padded image shifted by (i, j) times one weight per channel.
    """
    height, width = x.shape[:2]
    x, single = with_batch_axis(x, (height, width, 1), "x")
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    x_padded = pad_zeros(x, (f - 1) // 2)  # 16 x 16 x 1 x B
    y = 0.0
    for j in range(f):  # column offset
        for i in range(f):  # row offset
            y = y + x_padded[i:i + height, j:j + width] * reshape_f(w_conv[i, j, 0], (1, 1, c2, 1))
    y = y + reshape_f(b_conv, (1, 1, c2, 1))
    return drop_batch_axis(y, single)
