"""Where partials are seeded and derivatives read off: the one place that knows about seeds.

(ForwardDiff.jl keeps this in its API and config files.) A seed puts a 1 in the dual part of an
input; after the forward pass the dual part of an output is its derivative along that seed.
K seeds carried at once cost about K forward passes, so each helper below uses what it knows
of a layer's structure to need few seeds:

- element-wise layers: one seed for every value, the dual part is the Jacobian's diagonal;
- a block reduction (2x2 pooling): each output sees one block, so one seed per position in
  the block (4), on the im2col'ed blocks, covers every block;
- conv weights: output channel k is the same function of filter k as channel 0 of filter 0,
  and a linear one, so its derivatives do not depend on the weights' values: seeding filter 0
  (its f*f*c1 positions, plus one for its bias) covers every filter (so for Volterra);
- parameters a layer is not linear in (Gaussian kervolution): parameter q of every filter
  carries seed q, and each channel is evaluated at its own filter's values;
- patch inputs: every output position sees one patch, so entry q of every patch carries seed q;
- FC weights: output i is the same linear function of row i as output 0 of row 0, so seeding row 0
  (one seed per column, plus one for the bias) covers every row;
- a function of each image alone (the loss): one seed per value of an image covers the batch;
- an affine map (flattening, FC in x): its Jacobian is the same at every input, so one image's
  values are seeded once.
``gradient`` seeds every parameter, in chunks: that is forward mode proper.

Every seeding takes a fresh **tag** (ForwardDiff.jl's design), newer than every tag before it,
and every read-off (``dual_part``) takes the partials at that tag only: so dual numbers nest
(a seeding inside a function of seeded values, for second derivatives) without confusing one
seeding's partials with another's. ``derivative`` is the plainest use.
"""

import functools
import itertools

import numpy as np

from dual.dual_array import DualArray, _new, innermost, partials_at, tag_of
from dual.partials import as_permutation, mark_one_hot, memory_order
from shared.matlab import reshape_f
from shared.patches import upper_triangle
from shared.validate import real_array


_TAGS = itertools.count(1)  # tag 0: DualArrays made by hand, not by a seeding


def new_tag():
    """A tag newer than every tag so far."""
    return next(_TAGS)


def dual_part(out, seeded):
    """The partials of ``out`` along the seeds of ``seeded`` (a DualArray a seeding made): its
    dual part at their tag, or zeros (shape + (K,)) where ``out`` does not carry that tag, i.e.
    does not depend on those seeds."""
    return partials_at(out, seeded.tag, seeded.n_partials)


def derivative(f, x):
    """f'(x) for a scalar function f at x (a number, or an array: then elementwise, f applied
    to all of x at once), by one seed. Nestable: x may itself be a dual number (of an older
    seeding), and f may take derivatives of its own:
    ``derivative(lambda a: a * derivative(lambda b: a + b, 1.0), 1.0)`` is 1. A complex x is
    a TypeError (a dual number's value is real)."""
    x = real_array("x", x)
    seeded = DualArray(x, np.ones(np.shape(x) + (1,)), new_tag())
    return dual_part(f(seeded), seeded)[..., 0]


def seed_identity(value):
    """``value`` with one partial per entry, numbered in MATLAB's column-major order."""
    return _seeded(value, _seeds_like(value, _one_hot_seeds, value.size, 0), new_tag())


def elementwise_derivative(f, x):
    """f'(x) of an element-wise f, x any shape -> same shape: one seed everywhere."""
    seeded = _seeded(x, _seeds_like(x, _ones), new_tag())
    return dual_part(f(seeded), seeded)[..., 0]


def _ones(shape):
    return np.ones(shape + (1,))


def position_derivatives(f, blocks):
    """Derivatives of a reduction f over axis 0 of ``blocks`` (each output sees one column: the
    positions of its block, e.g. im2col 'distinct' blocks of 2x2 pooling) -> f(blocks)'s shape
    + (n_positions,): entry q is d output / d (position q of its block). Row q carries seed q."""
    seeded = seed_positions(blocks)
    return dual_part(f(seeded), seeded)


def seed_positions(x):
    """x (n, ...) -> the same values with n partials: every entry of row q (position q of a
    block; entry q of a patch) carries seed q, so the dual part of a function of each column
    alone is its derivative by each entry of its own column."""
    return _seeded(x, _seeds_like(x, _position_seeds), new_tag())


def _position_seeds(shape):
    """Seed q on every entry of row q: shape + (shape[0],)."""
    n = shape[0]
    return np.broadcast_to(np.eye(n).reshape((n,) + (1,) * (len(shape) - 1) + (n,)), shape + (n,))


def _seeds_like(x, build, *args):
    """The seeds ``build(x.shape, *args)``, laid out like x (so DualArray need not copy them)
    and built once per shape and layout: seeds are constants. Read-only, so a shared seed array
    cannot be changed by accident."""
    return _cached_seeds(build, x.shape, memory_order(innermost(x)), args)


def _seeded(x, seeds, tag):
    """x carrying ``seeds`` (``_seeds_like(x, ...)``'s or ``_window_seeds``': checked and laid
    out like x when they were built) at the new ``tag``: a DualArray without its constructor's
    checks and layout pass, which a layer's seeding pays every iteration otherwise. A value
    that is not a float64 ndarray (or a dual number) goes through the constructor."""
    if type(x) is DualArray or (type(x) is np.ndarray and x.dtype == np.float64):
        return _new(x, seeds, tag)
    return DualArray(x, seeds, tag)


@functools.cache
def _cached_seeds(build, shape, memory_order, args):
    like = np.transpose(np.zeros([shape[i] for i in memory_order]), np.argsort(memory_order))
    seeds = DualArray(like, build(shape, *args)).dual
    seeds.flags.writeable = False
    if build is _one_hot_seeds:  # a product with them is then a selection (dual/partials.py)
        mark_one_hot(seeds, args[1])
    return seeds


def seed_rows(x):
    """x (n, B), columns treated one by one (images) -> x with n partials: row j of every
    column carries seed j, so the dual part of a per-image result holds d/dx(j, b)."""
    return _seeded(x, _seeds_like(x, _row_seeds), new_tag())


def _row_seeds(shape):
    n, n_images = shape
    return np.broadcast_to(np.eye(n)[:, None, :], (n, n_images, n))


def conv_filter_seeds(w_conv, b_conv):
    """Filter 0 of (w_conv, b_conv) as dual numbers with f*f*c1 + 1 seeds: seed q on position q
    of the filter (column-major), the last on its bias. Output channel k of the conv is the same
    linear function of filter k as channel 0 is of filter 0, so the dual part of channel 0 --
    d y / d w_conv(q, 0) and d y / d b_conv(0), which do not depend on the weights -- serves
    every filter. (Filter 0 laid out column-major, so that Conv's reshape of it to a column is a
    view, and a product with the seeds a selection.)"""
    return _unit_seeds(np.copy(w_conv[..., :1], order="F"), reshape_f(b_conv, (-1, 1))[:1])


def fc_row_seeds(w, b):
    """Row 0 of (w, b) as dual numbers with n_in + 1 seeds: seed j on w(0, j), the last on b(0).
    Output i of fc is the same function of row i as output 0 is of row 0, so the dual part of
    output 0 -- d y_0 / d w(0, j) and d y_0 / d b(0) -- serves every row."""
    return _unit_seeds(w[:1], reshape_f(b, (-1, 1))[:1])


def _unit_seeds(weights, bias):
    """One unit's ``weights`` (any shape) and ``bias`` (1,1) as dual numbers of one new tag with
    weights.size + 1 seeds: seed q on entry q of the weights (column-major), the last on the
    bias. One-hot (a product with them is a selection) and built once per shape."""
    k, tag = weights.size + 1, new_tag()
    return (_seeded(weights, _seeds_like(weights, _one_hot_seeds, k, 0), tag),
            _seeded(bias, _seeds_like(bias, _one_hot_seeds, k, k - 1), tag))


def _one_hot_seeds(shape, k, first):
    """Entry e (column-major) of an array of ``shape`` carries seed first + e, of k seeds."""
    size = int(np.prod(shape))
    return np.reshape(np.eye(k)[first:first + size], shape + (k,), order="F")


def affine_jacobian(f, image_shape):
    """Jacobian of an affine map f (linear plus a constant) at one image of ``image_shape`` ->
    (f's output size, n), both sides numbered column-major. Such a map's Jacobian is the same
    at every input, so a zero image is seeded once, whatever the batch. Read-only (a plain
    Jacobian)."""
    seeded = seed_identity(np.zeros(image_shape))
    jacobian = dual_part(f(seeded), seeded)
    jacobian = np.reshape(jacobian, (-1, jacobian.shape[-1]), order="F")
    if type(jacobian) is not np.ndarray:
        return jacobian  # (nested dual numbers)
    jacobian = np.ascontiguousarray(jacobian)
    jacobian.flags.writeable = False
    return jacobian


def permutation_jacobian(f, image_shape):
    """affine_jacobian of a map f that only moves values (a reshape, a transpose): a permutation
    matrix, kept as one (dual/partials.py's PermutationMatrix, a product with which picks
    columns: what the dense product gives, without n x n multiplications). A ValueError if f's
    Jacobian is not a permutation."""
    jacobian = affine_jacobian(f, image_shape)
    permutation = as_permutation(jacobian)
    if permutation is jacobian:
        raise ValueError(f"permutation_jacobian: the Jacobian of {getattr(f, '__name__', f)} "
                         f"at shape {image_shape} is not a permutation matrix")
    return permutation


def gradient(f, params, wrt=None, chunk=128):
    """Forward mode proper: the derivatives of a scalar ``f(*params)`` with respect to every entry
    of the arrays ``params[i]`` for i in ``wrt`` (default: all), seeded ``chunk`` entries at a
    time (ForwardDiff.jl's chunks); the others stay plain arrays. Entries are numbered
    column-major. Returns (f's value, {i: gradient shaped like params[i]}).
    """
    wrt = range(len(params)) if wrt is None else wrt
    total = sum(params[i].size for i in wrt)
    chunks = []  # the gradient's entries, chunk after chunk
    value = None
    for start in range(0, total, chunk):
        k = min(chunk, total - start)
        args, tag = seed_entries(params, wrt, start, k)
        out = f(*args)
        chunks.append(np.reshape(partials_at(out, tag, k), -1))
        value = out.real[()] if tag_of(out) == tag else out  # a scalar, like the reference's loss
    flat_gradient = np.concatenate(chunks) if chunks else np.zeros(0)
    offsets = np.cumsum([0] + [params[i].size for i in wrt])
    return value, {i: np.reshape(flat_gradient[o:o + params[i].size], params[i].shape, order="F")
                   for i, o in zip(wrt, offsets)}


def seed_entries(params, wrt, start, k):
    """The entries of ``params[i]`` for i in ``wrt``, numbered column-major array after array:
    entries start .. start + k - 1 carry seeds 0 .. k - 1 (one new tag), every other entry
    none. -> (the params as a list, those with a seeded entry as DualArrays of K = k partials,
    the tag)."""
    args, tag, offset = list(params), new_tag(), 0
    for i in wrt:
        size = params[i].size
        lo, hi = max(start, offset), min(start + k, offset + size)
        if lo < hi:  # entry e of params[i] carries seed offset + e - start
            seeds = _window_seeds(params[i], k, lo - offset, hi - offset, lo - start)
            args[i] = _seeded(params[i], seeds, tag)
        offset += size
    return args, tag


def _window_seeds(x, k, low, high, first):
    """Seeds for x: entries low .. high - 1 (column-major) carry seeds first ..
    first + high - low - 1 of k, the others none (a chunk of forward mode). Built partial-major
    and laid out like x (no copy when attached), read-only, and marked one-hot: a product with
    them is a selection. Not cached: a chunk's seeds are as large as x times k, and most of
    them zeros that the selection never reads (np.zeros leaves them to the system's zeroed pages)."""
    order = memory_order(innermost(x))  # x's axes, slowest first
    buffer = np.zeros((k,) + tuple(x.shape[a] for a in order))
    seeds = buffer.transpose((0,) + tuple(int(a) + 1 for a in np.argsort(order)))  # (k,) + x.shape
    entries = np.unravel_index(np.arange(low, high), x.shape, order="F") if x.ndim else ()
    seeds[(np.arange(first, first + high - low),) + entries] = 1.0
    seeds = np.moveaxis(seeds, 0, -1)  # x.shape + (k,), each partial one block laid out like x
    seeds.flags.writeable = False
    if seeds.ndim == 3:
        mark_one_hot(seeds, first - low, (low, high))
    return seeds


def seed_directions(params, directions):
    """The parameters as dual numbers of one new tag whose K partials are ``directions``: a
    list of K tuples of arrays shaped like the parameters (an entry None: zero). -> a list of
    DualArrays (every parameter, so that any of them reads the results off)."""
    k, tag = len(directions), new_tag()
    carried = []
    for i, p in enumerate(params):
        p = np.asarray(p, dtype=float)
        partials = np.zeros(p.shape + (k,))
        for j, direction in enumerate(directions):
            if direction[i] is not None:
                partials[..., j] = np.reshape(direction[i], p.shape)
        carried.append(DualArray(p, partials, tag))
    return carried


# ---- patch-wise layers (Volterra, Gaussian kervolution) ---------------------------------------
def volterra_filter_seeds(w1, w2, b):
    """Filter 0 of (w1, w2, b) as dual numbers with n + n(n+1)/2 + 1 seeds (n = f*f*c1).

    Seed q on w1 position q (column-major), seed n + m on the m-th entry i <= j of w2 (the
    column-major order of the upper triangle), the last on b. w2's entries below the diagonal,
    which the layer ignores, get no seed. -> w1 (f,f,c1,1), w2 (n,n,1), b (1,1).
    The Volterra layer is linear in its parameters, so channel 0's derivatives serve every channel.
    """
    n = w2.shape[0]
    i, j = upper_triangle(n)
    m = len(i)
    seeds, tag = np.eye(n + m + 1), new_tag()
    w2_seeds = np.zeros((n, n, n + m + 1))
    w2_seeds[i, j] = seeds[n:n + m]
    return (DualArray(w1[..., :1], reshape_f(seeds[:n], w1.shape[:3] + (1, n + m + 1)), tag),
            DualArray(w2[:, :, :1], w2_seeds[:, :, None, :], tag),
            DualArray(reshape_f(b, (-1, 1))[:1], seeds[None, n + m:], tag))


def shared_filter_seeds(*params):
    """Every filter's parameters seeded alike: parameter q of each filter carries seed q.

    params: arrays whose LAST axis is the filter k, e.g. w (f,f,c1,c2) and b, gamma as (c2,).
    Seeds are numbered array after array, each column-major: K = the size of one filter's
    parameters. Returns the DualArrays, K partials each.
    """
    sizes = [int(np.prod(p.shape[:-1])) for p in params]
    k, tag = sum(sizes), new_tag()
    seeded, offset = [], 0
    for p, size in zip(params, sizes):
        seeds = np.zeros((size, k))
        seeds[:, offset:offset + size] = np.eye(size)
        seeds = reshape_f(seeds, p.shape[:-1] + (1, k))  # the same for every filter
        seeded.append(DualArray(p, np.broadcast_to(seeds, p.shape + (k,)), tag))
        offset += size
    return seeded
