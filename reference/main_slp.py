"""MATLAB: main_slp.m, its testing half -- classify the test images with trained weights.

(Its training half, and the files it writes, are ``mains.pipeline``'s, which serves both twins.)
"""

import numpy as np

from reference.fc import fc
from reference.soft_max import soft_max
from shared.validate import images, slp_parameters


def predict(im_test, w, b):
    """im_test (196,N) images (already divided by 255), w (10,196), b (10,1) -> predicted labels
    (N,) in 0..9: FC, SoftMax and the first maximum (``[~, l] = max(y)``), every image at once."""
    im_test, _ = images("im_test", im_test, "columns")
    w, b = slp_parameters(w, b)
    pred1 = fc(im_test, w, b)
    y = soft_max(pred1)
    return np.argmax(y, axis=0)
