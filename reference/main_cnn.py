"""MATLAB: main_cnn.m, its testing half -- classify the test images with trained weights.

(Its training half, and the files it writes, are ``mains.pipeline``'s, which serves both twins.)
"""

import numpy as np

from reference.soft_max import soft_max
from reference.train_cnn import as_images, forward_pass
from shared.validate import cnn_parameters, images, whole_number


def predict(im_test, w_conv, b_conv, w_fc, b_fc, chunk=1000):
    """im_test (196,N) images (already divided by 255) -> predicted labels (N,) in 0..9.

    main_cnn's test loop: the forward pass of TrainCNN, SoftMax, and the first maximum
    (``[~, l] = max(y)``; numpy's argmax also takes the first), ``chunk`` images at a time.
    """
    im_test, _ = images("im_test", im_test, "columns")
    w_conv, b_conv, w_fc, b_fc = cnn_parameters(w_conv, b_conv, w_fc, b_fc)
    chunk = whole_number("chunk", chunk, 1)
    labels = []
    for start in range(0, im_test.shape[1], chunk):
        x = as_images(im_test[:, start:start + chunk])
        pred5 = forward_pass(x, w_conv, b_conv, w_fc, b_fc)[-1]
        y = soft_max(pred5)
        labels.append(np.argmax(y, axis=0))
    return np.concatenate(labels)
