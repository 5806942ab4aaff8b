"""MATLAB: GetMiniBatch.m -- shuffle the training set and cut it into mini-batches."""

import math

import numpy as np


def get_mini_batch(im_train, label_train, batch_size, rng=None):
    """im_train (196,N), label_train (1,N) with values 0..9, batch_size -> (mini_batch_x,
    mini_batch_y): lists of ceil(N/batch_size) arrays, images (196,b) and one-hot labels (10,b).

    One permutation (MATLAB ``randperm``; here ``rng.permutation``, rng a numpy Generator or a
    seed) shuffles images and labels alike; batches are consecutive slices of it.
    Quirk kept: the original tests for the last batch with ``idx + 30 > nTrain``, a literal 30,
    not batch_size; from there a batch runs to the end of the data (for batch_size 30 this is
    the ordinary last batch; for other sizes the tail batches differ and may overlap).
    """
    n_train = im_train.shape[1]
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    batch_size = int(batch_size)
    rng = np.random.default_rng(rng)
    labels = np.asarray(label_train).reshape(-1)
    if labels.size != n_train or not np.all(np.isin(labels, np.arange(10))):
        raise ValueError(f"label_train must hold {n_train} labels in 0..9")
    labels = labels.astype(int)
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
