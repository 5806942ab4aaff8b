"""MATLAB: main_slp_linear.m, its testing half -- classify the test images with trained weights.

(Its training half, and the files it writes, are ``mains.pipeline``'s, which serves both twins.)
"""

import numpy as np

from reference.fc import fc
from shared.validate import images, slp_parameters


def predict(im_test, w, b):
    """im_test (196,N) images (already divided by 255), w (10,196), b (10,1) -> predicted labels
    (N,) in 0..9: the first maximum of FC's output (``[~, l] = max(y)``), every image at once."""
    im_test, _ = images("im_test", im_test, "columns")
    w, b = slp_parameters(w, b)
    y = fc(im_test, w, b)
    return np.argmax(y, axis=0)
