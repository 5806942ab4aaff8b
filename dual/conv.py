"""MATLAB: Conv.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.conv import conv

__all__ = ["conv"]
