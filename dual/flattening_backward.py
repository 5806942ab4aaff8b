"""MATLAB: Flattening_backward.m -- the gradient through a reshape, from dual numbers."""

import functools

from dual.seeding import permutation_jacobian
from reference.flattening import flattening
from shared.matlab import reshape_f


def flattening_backward(dldy, x, y):
    """dLdx = Flattening_backward(dLdy, x, y) = reshape(dLdy, size(x)).

    dldy (1,147) (or (B,147): a row per image), x (7,7,3[,B]), y unused -> dldx, x's shape.
    dy/dx: Flattening of one image seeded (flattening is linear: the same for every image).
    Both sides numbered column-major, it is the 147 x 147 identity.
    """
    dydx = flattening_jacobian(x.shape[:3])  # 147 x 147
    dldx = reshape_f((dldy @ dydx).T, x.shape)  # the rows of a batch are its images: transposed first
    return dldx


@functools.cache
def flattening_jacobian(image_shape):
    """The Jacobian of Flattening for one image of ``image_shape``, read off dual numbers: a
    linear map's Jacobian is a constant, so it is read once per shape; a reshape only moves
    values, so it is a permutation matrix, kept as one (a product with it picks columns)."""
    return permutation_jacobian(flattening, image_shape)
