"""Not in the original: the study's loop convolution -- the reference's code, run on DualArray."""

from reference.conv_loops import conv_loops

__all__ = ["conv_loops"]
