"""MATLAB: FC.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.fc import fc

__all__ = ["fc"]
