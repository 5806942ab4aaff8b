"""Second derivatives of the CNN's loss by nested dual numbers (beyond the original).

A dual number whose parts are dual numbers carries second derivatives. Here the parameters
carry a direction v (K = 1 partial, one tag), and the gradient is computed on them as usual:
its dual part at that tag is then d/dt gradient(params + t v) = H v.

- ``mode="chain"``: the chain-mode gradient (``dual.train_cnn.forward_backward``, every backward
  layer's local derivatives read off dual numbers of their own, newer tags) run on parameters
  that carry v: forward-over-chain, the analogue of JAX's forward-over-reverse.
- ``mode="forward"``: forward-over-forward, the forward-mode gradient (``forward_mode``: every
  parameter seeded, in chunks) run on parameters that carry v. Simpler, and slower.

Parameters and directions are tuples (w_conv (3,3,1,3), b_conv (3,1), w_fc (10,147),
b_fc (10,1)); x is 14x14x1xB (or 196xB), y 10xB, the loss summed over the batch, as
``forward_backward``. The perceptrons (``model="slp_linear"``, ``"slp"``, ``"mlp"``) have
the same two functions, with their parameters (w, b) or (w1, b1, w2, b2) and x 196xB.
Every argument is checked once per call (``shared.validate``): a wrong one is a ValueError or
TypeError naming it, shapes and all; lists are accepted.
"""

import numpy as np
from scipy.special import softmax

from dual.dual_array import tag_of
from dual.seeding import dual_part, seed_directions, seed_entries
import dual.train_mlp
import dual.train_slp
import dual.train_slp_linear
from dual.train_cnn import GRADIENTS, check_mode
from reference.train_cnn import as_images, forward_pass
from shared.choices import check_choice
from shared.errata import TRUE_DERIVATIVES, check_errata
from shared.matlab import reshape_f
from shared import validate

PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")
MODEL_GRADIENTS = {  # model -> its gradient functions by mode (chain, forward): what HVPs run on
    "cnn": GRADIENTS, "slp_linear": dual.train_slp_linear.GRADIENTS,
    "slp": dual.train_slp.GRADIENTS, "mlp": dual.train_mlp.GRADIENTS,
}
CHECKS = {"cnn": validate.CNN, "slp_linear": validate.SLP, "slp": validate.SLP,
          "mlp": validate.MLP}
"""model -> what its functions take (``shared.validate.Model``)."""


def check_model(model):
    """Return ``model`` if it is one of MODEL_GRADIENTS, else raise a ValueError naming them."""
    return check_choice("model", model, MODEL_GRADIENTS)


def _checked(x, y, params, model, mode="chain", errata="fix"):
    """The arguments every function here takes, checked once: -> (x, y, params), x and y as
    ``shared.validate.batch`` gives them, params a tuple of real arrays in MATLAB's shapes."""
    check_errata(errata, TRUE_DERIVATIVES)
    check_mode(mode)
    checks = CHECKS[check_model(model)]
    params = checks.parameter_list("params", params, extra=False)
    x, y = validate.batch(x, y, checks.layout)
    return x, y, params


def _gradient_and_partials(x, y, params, directions, mode, errata, model):
    """(loss, gradient, its partials along ``directions``: one tuple of arrays per direction),
    the arguments checked already (``_checked``)."""
    carried = seed_directions(params, directions)
    tag = carried[0].tag
    gradient_function = MODEL_GRADIENTS[model][mode].unchecked
    loss, *gradient = gradient_function(x, y, *carried, errata=errata)
    # (a gradient that does not carry the tag does not depend on the parameters: zero curvature)
    partials = [dual_part(g, carried[0]) for g in gradient]
    values = [g.real if tag_of(g) == tag else np.asarray(g) for g in gradient]
    loss = loss.real if tag_of(loss) == tag else loss
    return loss, tuple(values), partials


def hessian_vector_product(x, y, params, v, mode="chain", errata="fix", model="cnn"):
    """(loss, gradient, H v): the loss of (x, y) under ``params``, its gradient and the Hessian
    times ``v`` (a tuple shaped like params), each a tuple (w_conv, b_conv, w_fc, b_fc), or the
    perceptron ``model``'s parameters. A direction may be None (zero)."""
    x, y, params = _checked(x, y, params, model, mode, errata)
    v = validate.directions("v", v, params, CHECKS[model].names)
    loss, gradient, partials = _gradient_and_partials(x, y, params, [v], mode, errata, model)
    return loss, gradient, tuple(t[..., 0] for t in partials)


def hessian(x, y, params, block=(0, 1), mode="chain", errata="fix", chunk=64, model="cnn"):
    """The dense Hessian of the loss with respect to the parameters named by ``block``
    (0: w_conv, 1: b_conv, 2: w_fc, 3: b_fc; a perceptron's in its order), each flattened
    column-major, concatenated in that order: n x n. Column j is H times unit vector j;
    ``chunk`` columns are carried at once."""
    x, y, params = _checked(x, y, params, model, mode, errata)
    block = validate.indices("block", block, CHECKS[model].names)
    chunk = validate.whole_number("chunk", chunk, 1)
    sizes = [int(np.size(params[i])) for i in block]
    offsets = np.cumsum([0] + sizes)
    n = int(offsets[-1])
    columns = []
    for start in range(0, n, chunk):
        directions = []
        for j in range(start, min(start + chunk, n)):
            unit = [None] * len(params)
            b = int(np.searchsorted(offsets, j, side="right")) - 1
            e = np.zeros(sizes[b])
            e[j - offsets[b]] = 1.0
            unit[block[b]] = reshape_f(e, np.shape(params[block[b]]))
            directions.append(tuple(unit))
        _, _, partials = _gradient_and_partials(x, y, params, directions, mode, errata, model)
        rows = [reshape_f(partials[i], (sizes[b], len(directions))) for b, i in enumerate(block)]
        columns.append(np.concatenate(rows, axis=0))
    return np.concatenate(columns, axis=1)


def gauss_newton(x, y, params, block=(0, 1)):
    """The CNN's Gauss-Newton matrix J' H_L J of the summed loss for the parameters of ``block``
    (ordered as ``hessian``'s): J the Jacobian of the scores (pred5) by forward mode, every
    entry of the block seeded; H_L = diag(p) - p p', the Hessian of the softmax cross-entropy in
    the scores, image by image. Equal to the Hessian where the scores are linear in the block
    (the conv block: ReLU and max pooling are piecewise linear, ReLU'' = 0)."""
    x, y, params = _checked(x, y, params, "cnn")
    block = validate.indices("block", block, CHECKS["cnn"].names)
    sizes = [int(np.size(params[i])) for i in block]
    seeded, tag = seed_entries(params, block, 0, sum(sizes))  # every entry of the block
    scores = forward_pass(as_images(x), *seeded)[-1]
    jacobian = dual_part(scores, seeded[block[0]])  # (10, B, n)
    p = softmax(scores.real if tag_of(scores) == tag else scores, axis=0)
    curvature = np.einsum("ib,ij->ijb", p, np.eye(len(p))) - np.einsum("ib,jb->ijb", p, p)
    return np.einsum("ibm,ijb,jbn->mn", jacobian, curvature, jacobian)
