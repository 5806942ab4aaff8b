"""MATLAB: main_cnn.m (its testing half) -- the reference's predict, with every conv kind."""

from functools import partial

from dual.conv_layers import CONV_KINDS
from reference.main_cnn import predict as reference_predict

predict = partial(reference_predict, conv_kinds=CONV_KINDS)
"""reference.predict, knowing the dual twin's conv kinds (the Gaussian kervolution too)."""

__all__ = ["predict"]
