"""MATLAB: main_cnn.m (its testing half) -- classify test images with trained weights."""

import numpy as np

from reference.soft_max import soft_max
from reference.train_cnn import as_images, extra_parameters, forward_pass, network_layers


def predict(im, w_conv, b_conv, w_fc, b_fc, activation="relu", conv="linear", conv_extra=None,
            chunk=1000, conv_kinds=None):
    """im (196,N) images (already divided by 255) -> predicted labels (N,) in 0..9.

    The same forward pass as training, then SoftMax and the first maximum, as main_cnn does.
    ``conv`` and ``conv_extra`` ({name: value}) as for train_cnn.
    """
    layers = network_layers(activation, conv, **({} if conv_kinds is None else
                                                   {"conv_kinds": conv_kinds}))
    extra = extra_parameters(layers.conv_kind, conv_extra or {})
    labels = []
    for start in range(0, im.shape[1], chunk):
        x = as_images(im[:, start:start + chunk])
        scores = forward_pass(layers, x, w_conv, b_conv, w_fc, b_fc, *extra)[-1]
        labels.append(np.argmax(soft_max(scores), axis=0))
    return np.concatenate(labels)
