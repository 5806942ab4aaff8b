"""MATLAB: ReLu.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.relu import relu

__all__ = ["relu"]
