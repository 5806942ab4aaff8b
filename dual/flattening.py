"""MATLAB: Flattening.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.flattening import flattening

__all__ = ["flattening"]
