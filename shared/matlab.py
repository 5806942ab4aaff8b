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
from shared.validate import invalid, parameter


def reshape_f(a, shape):
    """MATLAB's ``reshape(a, shape)``: column-major (the first index runs fastest)."""
    return np.reshape(a, shape, order="F")


def pad_zeros(a, pad):
    """MATLAB ``[tb_pad; [lr_pad a lr_pad]; tb_pad]``: ``pad`` rows/columns of zeros on every side
    of the first two axes. a (H, W, ...) -> (H+2*pad, W+2*pad, ...).
    """
    height, width = a.shape[:2]
    padded = np.zeros_like(a, shape=(height + 2 * pad, width + 2 * pad) + a.shape[2:])
    padded[pad:pad + height, pad:pad + width] = a
    return padded


def im2col_sliding(a, f):
    """MATLAB ``im2col(a, [f f], 'sliding')``, for every page of a trailing batch axis.

    a (H+f-1, W+f-1[, B]) -> (f*f, H*W[, B]). Column ``r + H*c`` (0-based) is the f x f patch
    whose top-left corner is at (r, c), flattened column-major (row index fastest).
    """
    height, width = a.shape[0] - f + 1, a.shape[1] - f + 1
    # row i + f*j holds entry (i, j) of every patch: the image shifted by (i, j), stored with
    # its columns outermost, so that numbering (r, c) in C order is MATLAB's r + H*c. (The
    # image is copied columns outermost first, so that each shift copies long runs: 2x faster.)
    columns_first = np.copy(a.swapaxes(0, 1), order="C")  # (W+f-1, H+f-1, ...)
    shifted = np.stack([columns_first[j:j + width, i:i + height]
                        for j in range(f) for i in range(f)])  # (f*f, W, H, ...)
    return np.reshape(shifted, (f * f, height * width) + a.shape[2:])


def im2col_distinct(a, block):
    """MATLAB ``im2col(a, [block block], 'distinct')``, for every channel (and image) at once.

    a (H, W, ...) -> (block*block, (H/block)*(W/block), ...). Blocks are numbered column-major
    (block row fastest) and each block's values are listed column-major.
    """
    height, width = a.shape[:2]
    positions = _block_positions(a, block)  # (j, i, c, r, ...), a view
    return np.reshape(positions, (block * block, (height // block) * (width // block)) + a.shape[2:])


def col2im_distinct(cols, block, height, width, out=None):
    """MATLAB ``col2im(cols, [block block], [height width], 'distinct')``: the inverse of
    :func:`im2col_distinct`. cols (block*block, n_blocks, ...) -> (height, width, ...), written
    into ``out`` when given (MATLAB's ``dLdx = zeros(size(x))``, filled by col2im)."""
    rest = cols.shape[2:]
    image = np.zeros_like(cols, shape=(height, width) + rest) if out is None else out
    if type(image) is np.ndarray and type(cols) is np.ndarray:  # im2col_distinct's steps, backwards
        positions = np.reshape(cols, (block, block, width // block, height // block) + rest)
        _block_positions(image, block, copy=False)[...] = positions  # (a view: copy=False checks)
        return image
    # (dual numbers, which a view cannot be written through: block by block)
    for j in range(block):
        for i in range(block):  # row i + block*j: entry (i, j) of every block (as im2col_distinct)
            blocks = np.reshape(cols[i + block * j], (width // block, height // block) + rest)
            image[i::block, j::block] = blocks.swapaxes(0, 1)
    return image


def _block_positions(a, block, copy=None):
    """a (H, W, ...) as (j, i, c, r, ...): entry (i, j) of block (r, c), a view. Row i + block*j
    of im2col 'distinct' holds entry (i, j) of every block, the blocks stored with their
    columns outermost, so that numbering (block row, block column) in C order is MATLAB's."""
    height, width = a.shape[:2]
    # entry (i, j) of block (r, c) is a(r*block + i, c*block + j): axes (r, i, c, j) (splitting
    # axes is always a view)
    blocks = a.reshape((height // block, block, width // block, block) + a.shape[2:], copy=copy)
    return blocks.transpose((3, 1, 2, 0) + tuple(range(4, a.ndim + 2)))


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
    expected = format_shape(image_shape)
    raise invalid(name, f"{expected} (one image) or {expected}xB (a batch)", format_shape(shape))


def drop_batch_axis(a, single):
    """Undo :func:`with_batch_axis` for an output: drop the trailing batch axis of one image."""
    return np.reshape(a, a.shape[:-1]) if single else a


def pagetranspose(a):
    """MATLAB ``pagetranspose(a)``: every page transposed (the first two axes swapped)."""
    return np.swapaxes(a, 0, 1)


def max_with_index(a):
    """MATLAB ``[m, i] = max(a)`` down the columns (axis 0) of any array: the maxima and the
    (0-based) index of the FIRST maximum of each column, as MATLAB picks it."""
    return _first_extremum(a, a.max(axis=0))


def min_with_index(a):
    """MATLAB ``[m, i] = min(a)`` down the columns (axis 0): the minima, the first one's index."""
    return _first_extremum(a, a.min(axis=0))


_SHORT = 8  # up to this length the formula below beats np.argmax (which copies the axis last)


def _first_extremum(a, m):
    """(m, the index of the first entry of each column of a equal to m); a column with NaN has
    a NaN m, equal to none of its entries: index 0, as np.argmax gives."""
    if a.shape[0] > _SHORT:
        return m, np.argmax(a == m, axis=0)  # argmax of booleans: the first True
    # index = [a0 != m] (1 + [a1 != m] (1 + ... (1 + [a(n-2) != m]))): the count of leading
    # entries unequal to m, in uint8 (a few us where a masked write per position costs 10)
    n, one = a.shape[0], np.uint8(1)
    index = (a[n - 2] != m).view(np.uint8) if n > 1 else np.zeros(m.shape, dtype=np.uint8)
    for k in range(n - 3, -1, -1):
        index = (a[k] != m).view(np.uint8) * (index + one)
    index *= (m == m).view(np.uint8)  # NaN columns: 0
    return m, index.astype(np.intp)


def as_column(b, n, name):
    """b as the n x 1 column MATLAB holds (n values, as n x 1, 1 x n or flat), or a ValueError
    naming ``name``: a flat vector would broadcast along the batch axis instead."""
    return parameter(name, b, (n, 1), "one value per row of its weights")
