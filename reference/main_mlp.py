"""MATLAB: main_mlp.m, its testing half -- classify the test images with trained weights.

(Its training half, and the files it writes, are ``mains.pipeline``'s, which serves both twins.
The original file declares ``function main_slp``: a copy-and-paste slip without effect.)
"""

import numpy as np

from reference.soft_max import soft_max
from reference.train_mlp import forward_pass
from shared.validate import images, mlp_parameters


def predict(im_test, w1, b1, w2, b2):
    """im_test (196,N) images (already divided by 255), w1 (30,196), b1 (30,1), w2 (10,30),
    b2 (10,1) -> predicted labels (N,) in 0..9: TrainMLP's forward pass (FC, ReLu, FC), SoftMax
    and the first maximum (``[~, l] = max(y)``), every image at once."""
    im_test, _ = images("im_test", im_test, "columns")
    w1, b1, w2, b2 = mlp_parameters(w1, b1, w2, b2)
    pred3 = forward_pass(im_test, w1, b1, w2, b2)[-1]
    y = soft_max(pred3)
    return np.argmax(y, axis=0)
