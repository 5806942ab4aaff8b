"""One training iteration in ONE numpy function: not a port, the benchmark's floor (the CNN's,
and the three perceptrons' below it).

``reference/`` keeps one function per MATLAB file, and every function takes and returns the
arrays MATLAB would. This module drops that structure: the whole forward and backward pass
(errata fixed, ReLU, the linear 3x3 conv) is one function working on the arrays in the layout
that suits numpy best, with no call that is not arithmetic or a copy the arithmetic needs.
It is what a numpy version of this network can cost at least on a machine, without compiled
code, so ``scripts/benchmark.py`` times it beside the port: the gap between the two is what
the port's structure costs. It is checked against ``reference.forward_backward`` (errata fix)
by the tests; the project never trains with it.

Layout: an image batch is held as (column, row, image), C-ordered: position p = r + 14c of
image b sits at p*B + b, the image index fastest, then MATLAB's column-major order. (MATLAB
itself stores a 14x14x1xB array with the row fastest and the image slowest.)
"""

import numpy as np


def fused_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, errata="fix", activation="relu"):
    """reference.forward_backward(x, y, ..., errata="fix") for the original network, in one
    function: x (14,14,1,B) stored image index fastest, y (10,B) -> (loss, dLdw_conv (3,3,1,3),
    dLdb_conv (3,1), dLdw_fc (10,147), dLdb_fc (10,1)), summed over the batch."""
    _fixed(errata, activation)
    n_images = x.shape[3]
    n_filters = w_conv.shape[3]
    # Conv: pad, im2col (row i + 3j of the patches: the image shifted by (i, j)), one product
    image = x[:, :, 0].transpose(1, 0, 2)  # (column, row, image): a view
    padded = np.zeros((16, 16, n_images))
    padded[1:15, 1:15] = image
    patches = np.concatenate([padded[None, j:j + 14, i:i + 14]
                              for j in range(3) for i in range(3)]).reshape(9, -1)
    weights = w_conv.reshape(9, n_filters, order="F")  # (i + 3j, k)
    conv_out = weights.T @ patches + b_conv  # (k, position*B + image)
    relu_out = np.maximum(conv_out, 0)
    # Pool: block position i + 2j (column-major) of every 2x2 block, as strided views
    planes = relu_out.reshape(n_filters, 14, 14, n_images)  # (k, column, row, image)
    positions = [planes[:, j::2, i::2] for j in range(2) for i in range(2)]
    pooled = np.maximum(np.maximum(positions[0], positions[1]),
                        np.maximum(positions[2], positions[3]))  # (k, block column, block row, B)
    features = pooled.reshape(-1, n_images)  # (147, B): feature r + 7c + 49k, as Flattening
    # FC and the loss (log-softmax, errata fixed)
    scores = w_fc @ features + b_fc
    loss, dscores = _softmax_cross_entropy(scores, y)  # dscores (10, B)
    dw_fc = dscores @ features.T
    db_fc = dscores.sum(axis=1, keepdims=True)
    dpooled = (w_fc.T @ dscores).reshape(pooled.shape)
    # Pool backward: each block's value to its first maximum; ReLU backward (relu'(0) = 0.5)
    dplanes = np.zeros_like(planes)
    seen = np.zeros(pooled.shape, dtype=bool)
    for q, (j, i) in enumerate((j, i) for j in range(2) for i in range(2)):
        first = (positions[q] == pooled) & ~seen
        seen |= first
        dplanes[:, j::2, i::2] = first * dpooled
    dconv = dplanes.reshape(n_filters, -1) * (0.5 * (np.sign(conv_out) + 1))
    # Conv backward: weights and biases
    dw_conv = (dconv @ patches.T).T.reshape(3, 3, 1, n_filters, order="F")
    db_conv = dconv.sum(axis=1).reshape(n_filters, 1)
    return loss, dw_conv, db_conv, dw_fc, db_fc


def _fixed(errata, activation="relu"):
    if errata != "fix" or activation != "relu":
        raise ValueError("the fused iteration computes the original network with errata fixed")


def _softmax_cross_entropy(scores, y):
    """scores (10,B), y (10,B) one-hot -> (the loss summed over the batch, d loss / d scores
    (10,B)), through a log-softmax (errata fixed)."""
    shifted = scores - scores.max(axis=0)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0))
    return -np.sum(y * log_softmax), np.exp(log_softmax) - y


# ---- the perceptrons: x (196,B), y (10,B) -> the loss and the gradients their
# ``*_forward_backward(..., errata="fix")`` return, in MATLAB's shapes ----------------------------
def fused_slp_linear(x, y, w, b, errata="fix"):
    """reference.train_slp_linear.slp_linear_forward_backward, errata fixed, in one function."""
    _fixed(errata)
    residual = w @ x + b - y  # (10, B); the loss is its squared norm
    d = 2 * residual
    return np.sum(residual * residual), d @ x.T, d.sum(axis=1, keepdims=True)


def fused_slp(x, y, w, b, errata="fix"):
    """reference.train_slp.slp_forward_backward, errata fixed, in one function."""
    _fixed(errata)
    loss, d = _softmax_cross_entropy(w @ x + b, y)
    return loss, d @ x.T, d.sum(axis=1, keepdims=True)


def fused_mlp(x, y, w1, b1, w2, b2, errata="fix"):
    """reference.train_mlp.mlp_forward_backward, errata fixed, in one function (ReLU with
    relu'(0) = 0.5, as the original)."""
    _fixed(errata)
    a1 = w1 @ x + b1
    f1 = np.maximum(a1, 0)
    loss, d2 = _softmax_cross_entropy(w2 @ f1 + b2, y)
    d1 = (w2.T @ d2) * (0.5 * (np.sign(a1) + 1))
    return (loss, d1 @ x.T, d1.sum(axis=1, keepdims=True), d2 @ f1.T,
            d2.sum(axis=1, keepdims=True))


FUSED = {"slp_linear": fused_slp_linear, "slp": fused_slp, "mlp": fused_mlp,
         "cnn": fused_forward_backward}
"""model -> its fused iteration (the numpy floor)."""
