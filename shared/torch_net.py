"""The same network in PyTorch (float64), written from docs/original.md, for cross-checks and benchmarks.

PyTorch is an optional extra: importing this module works without it; calling needs it.
The leaf tensors keep MATLAB's layouts, so their gradients compare entry by entry with the
port's.

- conv: y(r, c, k) = sum_ij w_conv(i, j, 0, k) x_padded(r + i, c + j) + b_conv(k), a
  cross-correlation, which is what torch's conv2d computes; torch wants (B, C, H, W) images and
  (C_out, C_in, kH, kW) kernels, with H = rows = MATLAB's first index.
- pool: max over 2x2 blocks, stride 2 (PyTorch breaks ties by the first maximum in row-major
  order, MATLAB in column-major order: compare on inputs without ties).
- flattening: column-major, feature r + 7c + 49k: (B, k, r, c) -> (B, k, c, r) -> flat.
- loss: cross-entropy of the softmax, summed over the batch.
"""

import contextlib

import numpy as np

from shared.divergence import DivergenceWatch
from shared.matlab import reshape_f

PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def torch_threads(n):
    """PyTorch's intra-op threads set to ``n`` within (if PyTorch is there)."""
    if not torch_available():
        yield
        return
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _activation(name):
    import torch
    return {
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "study-sigmoid": lambda v: (v / (v.abs() + 1) + 0.5) * 0.5,
    }[name]


def torch_loss(images, labels, w_conv, b_conv, w_fc, b_fc, activation="relu"):
    """The summed loss as a torch scalar. images (B, 1, 14, 14), labels (B, 10) one-hot,
    parameters as torch tensors in MATLAB shapes."""
    import torch
    functional = torch.nn.functional
    kernels = w_conv.permute(3, 2, 0, 1)  # kernels[k, 0, i, j] = w_conv(i, j, 0, k)
    pred1 = functional.conv2d(images, kernels, bias=b_conv.reshape(-1), padding=1)
    pred3 = functional.max_pool2d(_activation(activation)(pred1), 2)  # (B, 3, 7, 7)
    pred4 = pred3.permute(0, 1, 3, 2).reshape(pred3.shape[0], -1)  # (B, 147), column-major
    pred5 = pred4 @ w_fc.T + b_fc.reshape(1, -1)  # (B, 10)
    return -(labels * functional.log_softmax(pred5, dim=1)).sum()


def as_torch_batch(x, y):
    """x (14,14[,1[,B]]) or 196xB columns, y (10,B) -> images (B,1,14,14), labels (B,10)."""
    import torch
    x = np.asarray(x, dtype=float)
    x = reshape_f(x, (14, 14, 1, -1))
    images = torch.tensor(x).permute(3, 2, 0, 1).contiguous()
    labels = torch.tensor(np.asarray(y, dtype=float).reshape(10, -1).T).contiguous()
    return images, labels


def torch_forward_backward(x, y, w_conv, b_conv, w_fc, b_fc, activation="relu"):
    """PyTorch autograd's (loss, dLdw_conv (3,3,1,3), dLdb_conv (3,1), dLdw_fc (10,147),
    dLdb_fc (10,1)) for one image or a batch, as forward_backward returns them."""
    images, labels = as_torch_batch(x, y)
    leaves = torch_leaves((w_conv, b_conv, w_fc, b_fc), requires_grad=True)
    loss = torch_loss(images, labels, *leaves, activation=activation)
    loss.backward()
    return (loss.item(), *(leaf.grad.numpy() for leaf in leaves))


def torch_train(mini_batch_x, mini_batch_y, w_conv, b_conv, w_fc, b_fc, iterations=10000,
                lr=0.03, activation="relu"):
    """TrainCNN's schedule in PyTorch eager (float64, autograd, plain gradient descent): the
    benchmark's baseline. Same batches, same starting weights, same updates as train_cnn, and
    the same watch for divergence (shared.divergence.DivergenceWatch). Returns the four trained
    parameters as numpy arrays in MATLAB shapes."""
    batches = [as_torch_batch(x, y) for x, y in zip(mini_batch_x, mini_batch_y)]
    return _torch_descent(batches, (w_conv, reshape_f(b_conv, (-1, 1)), w_fc,
                                    reshape_f(b_fc, (-1, 1))),
                          lambda images, labels, *params: torch_loss(images, labels, *params,
                                                                     activation=activation),
                          iterations, lr, decay=1.0)


def torch_perceptron_loss(model, x, y, *params):
    """A perceptron's summed loss as a torch scalar: ``model`` slp_linear (Euclidean), slp
    (softmax cross-entropy) or mlp (FC, ReLU, FC, softmax cross-entropy); x (B,196) images,
    y (B,10) one-hot, parameters in MATLAB shapes (w (n,m), b (n,1)). (torch's relu'(0) is 0,
    the original's 0.5: the same only off the kink.)"""
    import torch
    if model == "mlp":
        w1, b1, w2, b2 = params
        scores = torch.relu(x @ w1.T + b1.T) @ w2.T + b2.T
    else:
        w, b = params
        scores = x @ w.T + b.T
    if model == "slp_linear":
        return ((scores - y) ** 2).sum()
    return -(y * torch.nn.functional.log_softmax(scores, dim=1)).sum()


def torch_train_perceptron(model, mini_batch_x, mini_batch_y, params, iterations=10000, lr=0.5,
                           decay=1.0):
    """Train*.m's schedule for a perceptron in PyTorch eager (float64, autograd): ``params``
    its starting parameters in MATLAB shapes, in Train*.m's order; gamma = ``lr``, times
    ``decay`` every 1,000 iterations. Returns the trained parameters as numpy arrays."""
    import torch
    batches = [(torch.tensor(np.asarray(x, dtype=float).T).contiguous(),
                torch.tensor(np.asarray(y, dtype=float).T).contiguous())
               for x, y in zip(mini_batch_x, mini_batch_y)]
    return _torch_descent(batches, params,
                          lambda x, y, *leaves: torch_perceptron_loss(model, x, y, *leaves),
                          iterations, lr, decay)


def _torch_descent(batches, params, loss, iterations, lr, decay):
    """The Train*.m loop (shared.training.mini_batch_descent) in PyTorch: batch after batch,
    gamma times ``decay`` every 1,000 iterations, each parameter stepped by gamma / B times its
    gradient, divergence watched. -> the trained parameters as numpy arrays."""
    import torch
    params = [torch.tensor(np.asarray(p, dtype=float), requires_grad=True) for p in params]
    arrays = [p.detach().numpy() for p in params]  # views of the tensors, stepped in place
    gamma = lr
    with DivergenceWatch(arrays) as watch:
        for i in range(iterations):
            if (i + 1) % 1000 == 0:  # MATLAB: if mod(iIter, 1000) == 0, gamma = lambda * gamma
                gamma *= decay
            x, y = batches[i % len(batches)]
            value = loss(x, y, *params)
            watch.check(i + 1, value.item(), y.shape[0])
            for p in params:
                p.grad = None
            value.backward()
            with torch.no_grad():
                for p in params:
                    p -= gamma / y.shape[0] * p.grad
            watch.check_parameters(i + 1, arrays)
    return [p.detach().numpy() for p in params]


def torch_leaves(params, requires_grad=False):
    """The four parameters as float64 tensors in MATLAB shapes (leaves of a graph)."""
    import torch
    shapes = ((3, 3, 1, -1), (-1, 1), (10, -1), (-1, 1))
    return [torch.tensor(reshape_f(np.asarray(p, dtype=float), s), requires_grad=requires_grad)
            for p, s in zip(params, shapes)]


def torch_hessian_vector_product(x, y, params, v):
    """PyTorch's double backward: (loss, gradient, H v), each a tuple in MATLAB shapes, from
    ``torch.autograd.grad`` of the gradient (built with create_graph=True) along v."""
    import torch
    images, labels = as_torch_batch(x, y)
    leaves = torch_leaves(params, requires_grad=True)
    loss = torch_loss(images, labels, *leaves)
    gradient = torch.autograd.grad(loss, leaves, create_graph=True)
    directions = [t.reshape(g.shape) for t, g in zip(torch_leaves(v), gradient)]
    hv = torch.autograd.grad(gradient, leaves, grad_outputs=directions)
    return (loss.item(), tuple(g.detach().numpy() for g in gradient),
            tuple(h.numpy() for h in hv))


def torch_jvp_hessian_vector_product(x, y, params, v):
    """H v by torch.func: the jvp of the gradient function along v (forward-over-reverse)."""
    import torch.func
    images, labels = as_torch_batch(x, y)

    def gradient(*leaves):
        return torch.func.grad(lambda *p: torch_loss(images, labels, *p), argnums=(0, 1, 2, 3))(*leaves)

    _, hv = torch.func.jvp(gradient, tuple(torch_leaves(params)), tuple(torch_leaves(v)))
    return tuple(h.numpy() for h in hv)


def torch_hessian(x, y, params, block=(0, 1)):
    """torch.func.hessian of the loss with respect to the parameters of ``block``, each
    flattened column-major (MATLAB's order), concatenated: n x n."""
    import torch
    import torch.func
    images, labels = as_torch_batch(x, y)
    leaves = torch_leaves(params)
    block = tuple(block)

    def loss(*chosen):
        full = list(leaves)
        for i, p in zip(block, chosen):
            full[i] = p
        return torch_loss(images, labels, *full)

    blocks = torch.func.hessian(loss, argnums=tuple(range(len(block))))(*(leaves[i] for i in block))
    sizes = [leaves[i].numel() for i in block]

    def column_major(t, a, b):  # d2 loss / d leaf_a d leaf_b, both flattened column-major
        t = t.numpy()
        na, nb = leaves[block[a]].ndim, leaves[block[b]].ndim
        t = np.transpose(t, tuple(range(na))[::-1] + tuple(range(na, na + nb))[::-1])
        return np.reshape(t, (sizes[a], sizes[b]))

    return np.block([[column_major(blocks[a][b], a, b) for b in range(len(block))]
                     for a in range(len(block))])
