"""MATLAB's array semantics in numpy: column-major reshapes, im2col / col2im, batch axes.

MATLAB stores arrays column-major (the first index runs fastest) and numbers from 1. Every
reshape in the original is column-major, so every reshape here says ``order="F"``.

The helpers are written with generic numpy calls (``np.reshape``, ``np.transpose``,
``np.concatenate``, ``np.stack``, slicing) so that they run unchanged on the dual-number array
of ``dual/``.

Batch convention (how a mini-batch of B images travels through the layers):
  - an array of one image (14x14x1, 14x14x3, 7x7x3) gets a trailing batch axis: 14x14x1xB;
  - a column vector n x 1 (flattened features, scores, one-hot labels) becomes n x B;
  - a row vector 1 x n (the gradients MATLAB returns as rows) becomes B x n.
These are the shapes MATLAB itself would use for a stack of images, columns or rows.
"""

import numpy as np

from shared.data import format_shape


def reshape_f(a, shape):
    """MATLAB's ``reshape(a, shape)``: column-major."""
    return np.reshape(a, shape, order="F")


def pad_zeros(a, pad):
    """MATLAB ``[tb_pad; [lr_pad a lr_pad]; tb_pad]``: ``pad`` rows/columns of zeros on every side
    of the first two axes. a (H, W, ...) -> (H+2*pad, W+2*pad, ...).

    Concatenation, as the original writes it, runs several times faster than ``np.pad``; it is
    done on the transposed view so that a column-major input gives a column-major result.
    """
    a_t = np.transpose(a)  # (..., W, H)
    rest_t, (width, height) = a_t.shape[:-2], a_t.shape[-2:]
    lr_pad = np.zeros(rest_t + (pad, height))
    tb_pad = np.zeros(rest_t + (width + 2 * pad, pad))
    padded_t = np.concatenate([tb_pad, np.concatenate([lr_pad, a_t, lr_pad], axis=-2), tb_pad], axis=-1)
    return np.transpose(padded_t)


def im2col_sliding(a, f):
    """MATLAB ``im2col(a, [f f], 'sliding')``, with an optional trailing batch axis.

    a (H+f-1, W+f-1[, B]) -> (f*f, H*W[, B]). Column ``r + H*c`` (0-based) is the f x f patch
    whose top-left corner is at (r, c), flattened column-major (row index fastest).
    Row ``i + f*j`` of the result is the image shifted by the kernel offset (i, j); the f*f
    shifted views are stacked in one copy, laid out so that the pages of a batch stand side
    by side: ``reshape_f(result, (f*f, H*W*B))`` is a free view, one matrix for one product.
    """
    height, width = a.shape[0] - f + 1, a.shape[1] - f + 1
    a_t = np.transpose(a)  # ([B,] W+f-1, H+f-1): a_t[.., c, r] = a[r, c, ..]
    shifted = [a_t[..., j:j + width, i:i + height] for j in range(f) for i in range(f)]
    rows = np.reshape(np.stack(shifted), (f * f,) + a_t.shape[:-2] + (width * height,))
    return np.moveaxis(rows, 1, 2) if rows.ndim == 3 else rows  # [i + f*j, r + H*c, b]


def im2col_distinct(a, block):
    """MATLAB ``im2col(a, [block block], 'distinct')`` on every channel (and image) at once.

    a (H, W, ...) -> (block*block, (H/block)*(W/block), ...). Blocks are numbered column-major
    (block row fastest) and each block's values are listed column-major. Built in one copy,
    laid out position by position, so that reducing over a block's positions (axis 0) combines
    whole contiguous planes instead of striding over a short axis.
    """
    height, width = a.shape[:2]
    rest = a.shape[2:]
    n_br, n_bc, n = height // block, width // block, len(rest)
    a_t = np.transpose(a)  # rest reversed + (W, H)
    split = np.reshape(a_t, rest[::-1] + (n_bc, block, n_br, block))  # [.., bc, j, br, i]
    planes = np.transpose(split, (n + 1, n + 3) + tuple(range(n)) + (n, n + 2))  # [j, i, .., bc, br]
    planes = np.reshape(planes, (block * block,) + rest[::-1] + (n_br * n_bc,))  # [i + block*j, .., br + n_br*bc]
    return np.transpose(planes, (0, n + 1) + tuple(range(n, 0, -1)))


def col2im_distinct(cols, block, height, width):
    """MATLAB ``col2im(cols, [block block], [height width], 'distinct')``: inverse of
    :func:`im2col_distinct`. cols (block*block, n_blocks, ...) -> (height, width, ...)."""
    rest = cols.shape[2:]
    n_br, n_bc = height // block, width // block
    blocks = reshape_f(cols, (block, block, n_br, n_bc) + rest)  # (i, j, br, bc, ...)
    split = np.moveaxis(blocks, 1, 2)  # (i, br, j, bc, ...)
    return reshape_f(split, (height, width) + rest)


def pagemtimes(a, b):
    """MATLAB ``pagemtimes(a, b)``: ``a(:,:,k) * b(:,:,k)`` for every page k of the trailing axis.
    a (m, n[, B]), b (n, p[, B]) -> (m, p[, B]); a 2-D operand multiplies every page."""
    if a.ndim == 2 and b.ndim == 3:  # one product: a * [b_1 b_2 ...] = [a*b_1 a*b_2 ...]
        n, p, pages = b.shape
        return reshape_f(a @ reshape_f(b, (n, p * pages)), (a.shape[0], p, pages))
    pages_a = np.moveaxis(a, -1, 0) if a.ndim == 3 else a
    pages_b = np.moveaxis(b, -1, 0) if b.ndim == 3 else b
    product = np.matmul(pages_a, pages_b)
    return np.moveaxis(product, 0, -1) if product.ndim == 3 else product


def page_transpose(a):
    """MATLAB ``pagetranspose(a)``: transpose every page. a (m, n[, B]) -> (n, m[, B])."""
    return np.swapaxes(a, 0, 1)


def _squeeze_trailing(shape):
    shape = tuple(shape)
    while shape and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def with_batch_axis(a, image_shape, name):
    """View ``a`` as a batch: ``image_shape + (B,)``. Returns (view, is_single_image).

    Accepts one image in ``image_shape`` (or with its trailing singleton dimensions dropped, as
    ``scipy.io.loadmat`` gives 14x14 for MATLAB's 14x14x1) or a batch ``image_shape + (B,)``.
    """
    shape = tuple(a.shape)
    image_shape = tuple(image_shape)
    if _squeeze_trailing(shape) == _squeeze_trailing(image_shape) and len(shape) <= len(image_shape):
        return np.reshape(a, image_shape + (1,)), True
    if len(shape) == len(image_shape) + 1 and shape[:-1] == image_shape:
        return a, False
    expected, got = format_shape(image_shape), format_shape(shape)
    raise ValueError(f"{name} must be {expected} (one image) or {expected}xB (a batch), got {got}")


def drop_batch_axis(a, single):
    """Undo :func:`with_batch_axis` for an output: drop the trailing batch axis of one image."""
    return np.reshape(a, a.shape[:-1]) if single else a
