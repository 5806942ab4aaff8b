"""MATLAB: SoftMax.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.soft_max import soft_max

__all__ = ["soft_max"]
