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

Memory layout (speed only: the numbers are the same in any layout). A batch is stored with the
image index FASTEST, then MATLAB's column-major order: the layout of the 196xB mini-batches
themselves, which hold each pixel's B values side by side. A 14x14x3xB array then lies in
memory as 3 planes of 14 columns of 14 rows of B values, so every shift, block and plane the
layers take is a run of whole B-value groups, and numpy's loops run over long contiguous
stretches. The helpers below keep that layout: reshapes and copies put the batch axis fastest.
"""

import numpy as np

from shared.data import format_shape


def reshape_f(a, shape):
    """MATLAB's ``reshape(a, shape)``: column-major.

    When ``a`` is a batch stored image index fastest and ``shape`` keeps its batch size last,
    the reshape is done image by image with the batch axis in front (the same numbers: the
    column-major index of the last axis is unchanged), so that a copy, if one is needed, keeps
    the batch fastest.
    """
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if shape == a.shape:
        return a
    n = len(shape)
    if n > 1 and shape[-1] == a.shape[-1] > 1 and _batch_fastest(a):
        d = a.ndim
        per_image = a.transpose((d - 1,) + tuple(range(d - 1))).reshape(shape[-1:] + shape[:-1], order="F")
        return per_image.transpose(tuple(range(1, n)) + (0,))
    return a.reshape(shape, order="F")


def _batch_fastest(a):
    """Whether a's last axis is its fastest in memory (a DualArray: its values')."""
    values = a.real
    return values.strides[-1] == values.itemsize


def pad_zeros(a, pad):
    """MATLAB ``[tb_pad; [lr_pad a lr_pad]; tb_pad]``: ``pad`` rows/columns of zeros on every side
    of the first two axes. a (H, W, ...) -> (H+2*pad, W+2*pad, ...), laid out like a.
    """
    height, width = a.shape[:2]
    padded = np.zeros_like(a, shape=(height + 2 * pad, width + 2 * pad) + a.shape[2:])
    padded[pad:pad + height, pad:pad + width] = a
    return padded


def im2col_sliding(a, f):
    """MATLAB ``im2col(a, [f f], 'sliding')``, with an optional trailing batch axis.

    a (H+f-1, W+f-1[, B]) -> (f*f, H*W[, B]). Column ``r + H*c`` (0-based) is the f x f patch
    whose top-left corner is at (r, c), flattened column-major (row index fastest).
    Row ``i + f*j`` of the result is the image shifted by the kernel offset (i, j): a slice
    of a. The f*f slices are stacked in one copy, C-ordered, so that each row is one
    contiguous run and ``np.reshape(result, (f*f, H*W*B))`` is a free view: one matrix for one
    product, whose column ``p*B + b`` is patch p of image b. (``sliding_window_view`` gives
    the same windows; its checks alone cost as much as this copy of 30 images.)
    """
    height, width = a.shape[0] - f + 1, a.shape[1] - f + 1
    shifted = [a[None, i:i + height, j:j + width].swapaxes(1, 2) for j in range(f) for i in range(f)]
    return np.reshape(np.concatenate(shifted), (f * f, height * width) + a.shape[2:])  # [i + f*j, r + H*c]


def im2col_distinct(a, block):
    """MATLAB ``im2col(a, [block block], 'distinct')`` on every channel (and image) at once.

    a (H, W, ...) -> (block*block, (H/block)*(W/block), ...). Blocks are numbered column-major
    (block row fastest) and each block's values are listed column-major. Position (i, j) of
    every block is the strided view ``a[i::block, j::block]``; the views are stacked in one
    copy, block columns outermost, so that each position is one contiguous plane: reducing
    over a block's positions (axis 0) combines whole planes element by element.
    """
    height, width = a.shape[:2]
    planes = np.concatenate([a[None, i::block, j::block].swapaxes(1, 2)  # (1, block col, block row, ...)
                             for j in range(block) for i in range(block)])
    return reshape_f(planes.swapaxes(1, 2), (block * block, (height // block) * (width // block)) + a.shape[2:])


def col2im_distinct(cols, block, height, width):
    """MATLAB ``col2im(cols, [block block], [height width], 'distinct')``: inverse of
    :func:`im2col_distinct`. cols (block*block, n_blocks, ...) -> (height, width, ...)."""
    rest = cols.shape[2:]
    n_br, n_bc = height // block, width // block
    blocks = reshape_f(cols, (block, block, n_br, n_bc) + rest)  # (i, j, br, bc, ...)
    split = blocks.transpose((0, 2, 1, 3) + tuple(range(4, blocks.ndim)))  # (i, br, j, bc, ...)
    return reshape_f(split, (height, width) + rest)


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
