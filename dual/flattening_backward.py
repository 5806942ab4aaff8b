"""MATLAB: Flattening_backward.m -- the gradient through a reshape, from dual numbers."""

import functools

from dual.seeding import affine_jacobian, destinations
from reference.flattening import flattening
from shared.matlab import reshape_f


def flattening_backward(dldy, x, y):
    """dldy (1,147) (or (B,147): one row per image), x (7,7,3[,B]), y unused -> dldx, x's shape.

    The local derivative is the Jacobian of flattening, read off one image seeded once:
    flattening is linear, its Jacobian is the same for every image. Flattening only moves
    values, so its Jacobian is a permutation matrix (here the identity: both sides are numbered
    column-major), and dL/dx = dL/dy * dydx moves each value of dL/dy back to its input.
    """
    destination = flattening_destinations(x.shape[:3])  # input j went to output destination[j]
    return reshape_f(dldy.T[destination], x.shape)  # (dldy * dydx)', its columns (images) fastest


@functools.cache
def flattening_destinations(image_shape):
    """Where flattening one image moves each value: its Jacobian (seeds numbered column-major),
    read off dual numbers once (it depends on nothing else), as the permutation it is."""
    return destinations(affine_jacobian(flattening, image_shape))
