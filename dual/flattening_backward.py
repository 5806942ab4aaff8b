"""MATLAB: Flattening_backward.m -- the gradient through a reshape, from dual numbers."""

import functools

from dual.seeding import affine_jacobian
from reference.flattening import flattening
from shared.matlab import reshape_f


def flattening_backward(dldy, x, y):
    """dldy (1,147) (or (B,147): one row per image), x (7,7,3[,B]), y unused -> dldx, x's shape.

    The local derivative is the Jacobian of flattening (a permutation matrix), read off one
    image seeded once: flattening is linear, its Jacobian is the same for every image.
    """
    dydx = flattening_jacobian(x.shape[:3])  # 147 x 147, seeds numbered column-major
    return reshape_f(dydx.T @ dldy.T, x.shape)  # (dldy * dydx)', its columns (images) fastest


@functools.cache
def flattening_jacobian(image_shape):
    """The Jacobian of flattening one image (it depends on nothing else: computed once)."""
    return affine_jacobian(flattening, image_shape)
