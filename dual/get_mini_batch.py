"""MATLAB: GetMiniBatch.m -- the reference's code itself: it runs on DualArray as it runs on ndarray."""

from reference.get_mini_batch import get_mini_batch

__all__ = ["get_mini_batch"]
