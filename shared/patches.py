"""Sliding 3x3 patches of a zero-padded image, and the way back: what the patch-wise layers share.

Conv.m pads the image and takes its f x f patches with im2col; Conv_backward.m takes them
again. The Volterra and Gaussian (kervolution) layers, not in the original, compute each
output position from the same patches. Both pipelines need the patches (forward) and their
adjoint, a scatter-add of per-patch gradients back onto the image (backward, for dL/dx), and
the same checks of their filters. Written with generic numpy calls, so that they run on the
dual-number array of ``dual/`` too.
"""

import numpy as np

from shared.data import format_shape
from shared.matlab import im2col_sliding, pad_zeros, reshape_f
from shared.validate import invalid


def sliding_patches(x, f):
    """The f x f patches of the zero-padded images, as Conv.m takes them.

    x (H,W,1,B) -> (f*f, H*W, B): ``im2col(x_padded, [f f], 'sliding')`` per image, padding
    (f-1)/2; column ``r + H*c`` is the patch centred on (r, c), listed column-major.
    """
    return im2col_sliding(pad_zeros(x[:, :, 0, :], (f - 1) // 2), f)


def backward_columns(dldy, x, f, c2):
    """What the backward of a patch-wise layer works on, patch by patch: x's patches
    (sliding_patches, n x P x B) and dL/dy (H,W,c2,B) read as dL/dy(p, k, b), P x c2 x B."""
    height, width, _, n_images = x.shape
    return sliding_patches(x, f), reshape_f(dldy, (height * width, c2, n_images))


def col2im_sliding(cols, f, height, width):
    """Scatter-add of per-patch values back to the padded image: the adjoint of im2col_sliding.

    cols (f*f, H*W[, B]) -> (H+f-1, W+f-1[, B]); entry (i + f*j, r + H*c) is added at
    (r + i, c + j). (Not MATLAB's ``col2im(.., 'sliding')``, which only reshapes a row of
    per-patch results into an image.) If x_cols = im2col_sliding(x), then
    sum(g .* x_cols) = sum(col2im_sliding(g) .* x): dL/dx from dL/dx_cols.
    """
    rest = cols.shape[2:]
    image = np.zeros_like(cols, shape=(height + f - 1, width + f - 1) + rest)
    for j in range(f):
        for i in range(f):
            image[i:i + height, j:j + width] += reshape_f(cols[i + f * j], (height, width) + rest)
    return image


def image_gradient(dldx_cols, f, height, width):
    """The adjoint of :func:`sliding_patches`: per-patch gradients dldx_cols (f*f, H*W, B)
    scattered back onto the padded images (col2im_sliding) and cropped of the padding
    -> dL/dx (H, W, 1, B)."""
    dldx_padded = col2im_sliding(dldx_cols, f, height, width)
    return reshape_f(crop(dldx_padded, (f - 1) // 2, height, width), (height, width, 1, -1))


def crop(a, pad, height, width):
    """The inner height x width of an image padded by ``pad`` on each side (also for pad = 0)."""
    return a[pad:pad + height, pad:pad + width]


def upper_triangle(n):
    """Indices (i, j) of the entries i <= j of an n x n matrix, in MATLAB's column-major order
    ``find(triu(true(n)))``: (0,0), (0,1), (1,1), (0,2), ... -- n*(n+1)/2 of them."""
    j, i = np.tril_indices(n)  # (j, i) with j >= i, row-major: i.e. (i, j) column-major
    return i, j


def check_filters(w, name):
    """w (f,f,1,c2), f odd (3x3x1x3 in the network) -> (f, c2), or ValueError naming ``name``."""
    shape = tuple(np.shape(w))
    if len(shape) != 4 or shape[0] != shape[1] or shape[0] % 2 == 0 or shape[2] != 1:
        raise invalid(name, "f x f x 1 x c2 with f odd (e.g. 3x3x1x3)", format_shape(shape))
    return shape[0], shape[3]


def check_per_filter(v, c2, name):
    """v: one value per filter, c2 x 1 (or c2 values), or ValueError naming ``name``."""
    if np.size(v) != c2 or np.ndim(v) > 2:
        raise invalid(name, f"{c2}x1 (one value per filter)", format_shape(np.shape(v)))
