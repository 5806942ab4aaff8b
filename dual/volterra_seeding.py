"""Seeds for the patch-wise layers (Volterra, Gaussian kervolution), and reading gradients back.

Not in the original. To be merged into ``dual.seeding``, whose principle it follows: use a
layer's structure to need few seeds.

- Patch inputs: every output position is a function of one patch, so seed q on entry q of
  every patch (f*f*c1 seeds); the dual part of the output at position p is d y(p) / d patch_p.
- Filter parameters: output channel k is a function of filter k's parameters only, so seed q
  goes on parameter q of EVERY filter at once (one set of seeds for all c2 channels), and the
  dual part of channel k is d y_k / d theta_k at filter k's own values.
- When the layer is linear in its parameters (Volterra, conv), d y_k / d theta_k does not
  depend on the values of theta_k: channel 0 alone, seeded, serves every filter (c2 times less
  work). That is ``volterra_filter_seeds``.
"""

import numpy as np

from dual.dual_array import DualArray
from shared.matlab import reshape_f
from shared.patches import upper_triangle


def seed_patches(x_cols):
    """x_cols (n, P, B) -> the same values with n partials: entry q of each patch carries seed q,
    so the dual part of a per-patch result is its derivative by each entry of its own patch."""
    n = x_cols.shape[0]
    seeds = np.broadcast_to(np.eye(n).reshape((n,) + (1,) * (x_cols.ndim - 1) + (n,)),
                            x_cols.shape + (n,))
    return DualArray(x_cols, seeds)


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
    seeds = np.eye(n + m + 1)
    w2_seeds = np.zeros((n, n, n + m + 1))
    w2_seeds[i, j] = seeds[n:n + m]
    return (DualArray(w1[..., :1], reshape_f(seeds[:n], w1.shape[:3] + (1, n + m + 1))),
            DualArray(w2[:, :, :1], w2_seeds[:, :, None, :]),
            DualArray(reshape_f(b, (-1, 1))[:1], seeds[None, n + m:]))


def volterra_filter_gradients(dldtheta, w1_shape):
    """Rows of dL/d(filter parameters) in the seeds' order -> dldw1 (f,f,c1,c2), dldw2 (n,n,c2)
    with zeros below the diagonal, dldb (c2,1).  dldtheta: (c2, n + n(n+1)/2 + 1)."""
    c2 = dldtheta.shape[0]
    n = int(np.prod(w1_shape[:3]))
    i, j = upper_triangle(n)
    m = len(i)
    dldw2 = np.zeros((n, n, c2))
    dldw2[i, j] = dldtheta[:, n:n + m].T
    return reshape_f(dldtheta[:, :n].T, w1_shape), dldw2, dldtheta[:, n + m:].copy()


def shared_filter_seeds(*params):
    """Every filter's parameters seeded alike: parameter q of each filter carries seed q.

    params: arrays whose LAST axis is the filter k, e.g. w (f,f,c1,c2) and b, gamma as (c2,).
    Seeds are numbered array after array, each column-major: K = the size of one filter's
    parameters. Returns the DualArrays, K partials each.
    """
    sizes = [int(np.prod(p.shape[:-1])) for p in params]
    k = sum(sizes)
    seeded, offset = [], 0
    for p, size in zip(params, sizes):
        seeds = np.zeros((size, k))
        seeds[:, offset:offset + size] = np.eye(size)
        seeds = reshape_f(seeds, p.shape[:-1] + (1, k))  # the same for every filter
        seeded.append(DualArray(p, np.broadcast_to(seeds, p.shape + (k,))))
        offset += size
    return seeded
