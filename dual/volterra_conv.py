"""Not in the original: the Volterra convolution -- the reference's code, run on DualArray."""

from reference.volterra_conv import volterra_conv

__all__ = ["volterra_conv"]
