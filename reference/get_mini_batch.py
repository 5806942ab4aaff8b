"""MATLAB: GetMiniBatch.m -- shuffle the training set and cut it into mini-batches."""

import math

import numpy as np

from shared import validate
from shared.data import N_CLASSES


def get_mini_batch(im_train, label_train, batch_size, rng=None):
    """im_train (196,N), label_train (1,N) with values 0..9, batch_size -> (mini_batch_x,
    mini_batch_y): lists of ceil(N/batch_size) arrays, images (196,b) and one-hot labels (10,b).

    One permutation (MATLAB ``randperm``; here ``rng.permutation``, rng a numpy Generator or a
    seed) shuffles images and labels alike; batches are consecutive slices of it.
    Quirk kept: the original tests for the last batch with ``idx + 30 > nTrain``, a literal 30,
    not batch_size; from there a batch runs to the end of the data (for batch_size 30 this is
    the ordinary last batch; for other sizes the tail batches differ and may overlap).
    The arguments are checked first (``shared.validate``; lists accepted).
    """
    im_train, n_train = validate.images("im_train", im_train, "columns")
    if n_train == 0:
        raise validate.invalid("im_train", "at least one image", "196x0", verb="hold")
    batch_size = validate.whole_number("batch_size", batch_size, 1)
    rng = np.random.default_rng(rng)
    labels = validate.class_labels("label_train", label_train, N_CLASSES)
    if labels.size != n_train:
        raise validate.invalid("label_train", f"{n_train} labels (one per image of im_train)",
                               f"{labels.size}", verb="hold")
    one_hot = np.eye(10)[:, labels]  # MATLAB: eye(10)(:, label_train + 1)
    order = rng.permutation(n_train)
    images, one_hot = im_train[:, order], one_hot[:, order]

    mini_batch_x, mini_batch_y = [], []
    idx = 0  # the images taken so far, as MATLAB's idx (its batch is idx+1:idx+batch_size)
    for _ in range(math.ceil(n_train / batch_size)):
        if idx + 30 > n_train:  # the original's literal 30
            stop = n_train
        else:
            stop = idx + batch_size
            if stop > n_train:
                raise ValueError(
                    f"batch_size {batch_size} with {n_train} images: the original GetMiniBatch "
                    f"would index past the end of the data (images {idx + 1}..{stop})"
                )
        # im_train(:, idx+1:idx+batch_size): MATLAB gives each cell its own array (a copy)
        mini_batch_x.append(images[:, idx:stop].copy())
        mini_batch_y.append(one_hot[:, idx:stop].copy())
        idx += batch_size
    return mini_batch_x, mini_batch_y
