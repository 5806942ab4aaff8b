"""The capstone: the Python homework (cnn.py of the course's later years), written by a
student who made five mistakes. Find them with the checker and gradient checks, and fix them:
see README.md. Every function is here; five are wrong."""
import numpy as np


def get_mini_batch(im_train, label_train, batch_size):
    n = im_train.shape[1]
    order = np.random.permutation(n)
    labels = np.zeros((10, n))
    labels[label_train[0, order].astype(int), np.arange(n)] = 1
    images = im_train[:, order]
    mini_batch_x = [images[:, i:i + batch_size] for i in range(0, n, batch_size)]
    mini_batch_y = [labels[:, i:i + batch_size] for i in range(0, n, batch_size)]
    return mini_batch_x, mini_batch_y


def fc(x, w, b):
    return w @ x + b


def fc_backward(dl_dy, x, w, b, y):
    return w.T @ dl_dy, dl_dy @ x.T, dl_dy


def loss_euclidean(y_tilde, y):
    return np.sum((y_tilde - y) ** 2), (y_tilde - y)


def loss_cross_entropy_softmax(x, y):
    e = np.exp(x - np.max(x))
    p = e / np.sum(e)
    return -np.sum(y * np.log(p)), p - y


def relu(x):
    return np.maximum(x, 0)


def relu_backward(dl_dy, x, y):
    return dl_dy * (x < 0)


def conv(x, w_conv, b_conv):
    h, w, _ = x.shape
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    y = np.zeros((h, w, c2))
    for i in range(h):
        for j in range(w):
            patch = padded[i:i + f, j:j + f, :]
            for k in range(c2):
                y[i, j, k] = np.sum(patch * w_conv[:, :, :, k]) + b_conv[k, 0]
    return y


def conv_backward(dl_dy, x, w_conv, b_conv, y):
    h, w, _ = x.shape
    f, c2 = w_conv.shape[0], w_conv.shape[3]
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    dl_dw = np.zeros(w_conv.shape)
    for a in range(f):
        for b in range(f):
            for k in range(c2):
                dl_dw[a, b, :, k] = np.sum(padded[2 - a:2 - a + h, 2 - b:2 - b + w, :]
                                           * dl_dy[:, :, k:k + 1],
                                           axis=(0, 1))
    dl_db = np.sum(dl_dy, axis=(0, 1)).reshape(-1, 1)
    return dl_dw, dl_db


def pool2x2(x):
    h, w, c = x.shape
    return x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))


def pool2x2_backward(dl_dy, x, y):
    h, w, c = x.shape
    dl_dx = np.zeros(x.shape)
    for i in range(h // 2):
        for j in range(w // 2):
            for k in range(c):
                block = x[2 * i:2 * i + 2, 2 * j:2 * j + 2, k]
                top = block == block.max()  # where the maximum is
                dl_dx[2 * i:2 * i + 2, 2 * j:2 * j + 2, k] = top * dl_dy[i, j, k]
    return dl_dx


def flattening(x):
    return x.reshape(-1, 1, order="F")


def flattening_backward(dl_dy, x, y):
    return dl_dy.reshape(x.shape)


def train_slp_linear(mini_batch_x, mini_batch_y):
    w, b = np.random.normal(0, 1, (10, 196)), np.zeros((10, 1))
    for iteration in range(10000):
        k = iteration % len(mini_batch_x)
        dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)
        for j in range(mini_batch_x[k].shape[1]):
            x, y = mini_batch_x[k][:, [j]], mini_batch_y[k][:, [j]]
            y_tilde = fc(x, w, b)
            l, dl_dy = loss_euclidean(y_tilde, y)
            _, g_w, g_b = fc_backward(dl_dy, x, w, b, y_tilde)
            dl_dw, dl_db = dl_dw + g_w, dl_db + g_b
        w -= 0.01 / mini_batch_x[k].shape[1] * dl_dw
        b -= 0.01 / mini_batch_x[k].shape[1] * dl_db
    return w, b


def train_slp(mini_batch_x, mini_batch_y):
    w, b = np.random.normal(0, 1, (10, 196)), np.zeros((10, 1))
    for iteration in range(10000):
        k = iteration % len(mini_batch_x)
        dl_dw, dl_db = np.zeros(w.shape), np.zeros(b.shape)
        for j in range(mini_batch_x[k].shape[1]):
            x, y = mini_batch_x[k][:, [j]], mini_batch_y[k][:, [j]]
            y_tilde = fc(x, w, b)
            l, dl_dy = loss_cross_entropy_softmax(y_tilde, y)
            _, g_w, g_b = fc_backward(dl_dy, x, w, b, y_tilde)
            dl_dw, dl_db = dl_dw + g_w, dl_db + g_b
        w -= 0.1 / mini_batch_x[k].shape[1] * dl_dw
        b -= 0.1 / mini_batch_x[k].shape[1] * dl_db
    return w, b


def train_mlp(mini_batch_x, mini_batch_y):
    w1, b1 = np.random.normal(0, 1, (30, 196)), np.zeros((30, 1))
    w2, b2 = np.random.normal(0, 1, (10, 30)), np.zeros((10, 1))
    for iteration in range(10000):
        k = iteration % len(mini_batch_x)
        sums = [np.zeros(p.shape) for p in (w1, b1, w2, b2)]
        for j in range(mini_batch_x[k].shape[1]):
            x, y = mini_batch_x[k][:, [j]], mini_batch_y[k][:, [j]]
            a1 = fc(x, w1, b1)
            f1 = relu(a1)
            a2 = fc(f1, w2, b2)
            l, dl_dy = loss_cross_entropy_softmax(a2, y)
            dl_df1, dl_dw2, dl_db2 = fc_backward(dl_dy, f1, w2, b2, a2)
            dl_da1 = relu_backward(dl_df1, a1, f1)
            _, dl_dw1, dl_db1 = fc_backward(dl_da1, x, w1, b1, a1)
            sums = [s + g for s, g in zip(sums, (dl_dw1, dl_db1, dl_dw2, dl_db2))]
        for p, s in zip((w1, b1, w2, b2), sums):
            p -= 0.1 / mini_batch_x[k].shape[1] * s
    return w1, b1, w2, b2


def train_cnn(mini_batch_x, mini_batch_y):
    w_conv, b_conv = np.random.normal(0, 1, (3, 3, 1, 3)), np.zeros((3, 1))
    w_fc, b_fc = np.random.normal(0, 1, (10, 147)), np.zeros((10, 1))
    for iteration in range(10000):
        k = iteration % len(mini_batch_x)
        sums = [np.zeros(p.shape) for p in (w_conv, b_conv, w_fc, b_fc)]
        for j in range(mini_batch_x[k].shape[1]):
            x = mini_batch_x[k][:, j].reshape((14, 14, 1), order="F")
            y = mini_batch_y[k][:, [j]]
            a1 = conv(x, w_conv, b_conv)
            f1 = relu(a1)
            p1 = pool2x2(f1)
            v1 = flattening(p1)
            a2 = fc(v1, w_fc, b_fc)
            l, dl_dy = loss_cross_entropy_softmax(a2, y)
            dl_dv1, dl_dw_fc, dl_db_fc = fc_backward(dl_dy, v1, w_fc, b_fc, a2)
            dl_dp1 = flattening_backward(dl_dv1, p1, v1)
            dl_df1 = pool2x2_backward(dl_dp1, f1, p1)
            dl_da1 = relu_backward(dl_df1, a1, f1)
            dl_dw_conv, dl_db_conv = conv_backward(dl_da1, x, w_conv, b_conv, a1)
            sums = [s + g for s, g in zip(sums, (dl_dw_conv, dl_db_conv, dl_dw_fc, dl_db_fc))]
        for p, s in zip((w_conv, b_conv, w_fc, b_fc), sums):
            p -= 0.1 / mini_batch_x[k].shape[1] * s
    return w_conv, b_conv, w_fc, b_fc
