"""MATLAB: Pool2x2.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.pool2x2 import pool2x2

__all__ = ["pool2x2"]
