"""The loss's curvature at a CNN's weights, by nested dual numbers (dual/curvature.py).

    python scripts/curvature.py [--weights cnn.mat | --seed S] [--batch-size 30] [--sample N]
        [--directions 5] [--damping 0.1,1,10] [--plot FILE] [--format text|json]

On one mini-batch of the training set (images /255, as main_cnn.m feeds them), for the trained
weights of a MATLAB-style cnn.mat (or TrainCNN's N(0,1) start):

- the curvature v'Hv / v'v of the summed loss along the gradient and along random directions;
- the eigenvalues of the Hessian of the conv block (w_conv and b_conv, 30 parameters);
- whether that block equals the Gauss-Newton matrix J' H_L J (it should: before the softmax the
  network is piecewise linear in the conv parameters);
- a damped Newton step on the conv block, -(H + lambda I)^-1 g, for a few lambda, beside
  TrainCNN's gradient step (gamma / batch size times g, gamma = 0.03): the loss before and
  after each.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import json
import sys
from pathlib import Path

import argparse

import numpy as np

from dual.curvature import gauss_newton, hessian, hessian_vector_product
from reference.train_cnn import as_images, initial_weights
from reference.train_cnn import forward_backward as reference_forward_backward
from shared.cli import (ArgumentParser, count, non_negative_int, output_file, path, positive_int,
                        run_cli)
from shared.data import load_split
from shared.errors import CnnDualError, check_finite, quiet_overflow
from shared.gradcheck import relative_error
from shared.matlab import reshape_f
from shared.file_set import atomic_write
from shared.weights import load_cnn_mat

PARAMETERS = ("w_conv", "b_conv", "w_fc", "b_fc")
GAMMA = 0.03  # TrainCNN's learning rate

MAX_DIRECTIONS = 10_000
"""The most random directions --directions accepts. Each is a Hessian-vector product by nested
dual numbers (about 20 ms on a batch of 30) and a number in the output: 10,000 are minutes and
a page of numbers already; a larger count is a typo, which would run for days."""


def dampings(text):
    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be numbers separated by commas, got {text!r}") from None
    if not values or any(not v > 0 or v == float("inf") for v in values):
        raise argparse.ArgumentTypeError(f"must be positive finite numbers, got {text!r}")
    return values


def parse_args(argv):
    parser = ArgumentParser(prog="curvature.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=path, default=None, metavar="FILE",
                        help="w_conv b_conv w_fc b_fc from a MATLAB-style cnn.mat (e.g. "
                             "outputs/cnn.mat of main_cnn.py; default: TrainCNN's N(0,1) start)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the starting weights (without --weights) and of the random "
                             "directions (default: 0)")
    parser.add_argument("--batch-size", type=positive_int, default=30,
                        help="images in the batch (default: 30)")
    parser.add_argument("--sample", type=non_negative_int, default=0,
                        help="the batch's first training image, 0-based (default: 0)")
    parser.add_argument("--directions", default=5,
                        type=count(MAX_DIRECTIONS, "each is a Hessian-vector product"),
                        help="random directions to measure the curvature along (default: 5; "
                             f"at most {MAX_DIRECTIONS:,}: each is a Hessian-vector product)")
    parser.add_argument("--damping", type=dampings, default=[0.1, 1.0, 10.0],
                        help="the lambdas of the damped Newton steps (default: 0.1,1,10)")
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where mnist_train.mat is (default: data)")
    parser.add_argument("--plot", type=output_file, default=None, metavar="FILE",
                        help="draw the conv block's eigenvalues into a PNG file")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    return parser.parse_args(argv)


def batch(data_dir, sample, size):
    im_train, label_train = load_split(data_dir / "mnist_train.mat", "train")
    if sample + size > im_train.shape[1]:
        raise CnnDualError(f"--sample {sample} with --batch-size {size} runs past the last "
                           f"training image ({im_train.shape[1] - 1})")
    x = im_train[:, sample:sample + size] / 255
    y = np.eye(10)[:, label_train[0, sample:sample + size]]
    return as_images(x), y


def loss_of(x, y, params):
    return float(reference_forward_backward(x, y, *params, errata="fix")[0])


def along(x, y, params, direction):
    """v'Hv / v'v along ``direction`` (a tuple shaped like params)."""
    _, _, hv = hessian_vector_product(x, y, params, direction)
    return float(sum(np.sum(d * h) for d, h in zip(direction, hv))
                 / sum(np.sum(d * d) for d in direction))


def conv_steps(x, y, params, h_conv, gradient, lambdas):
    """The loss after each step on the conv block: TrainCNN's, then damped Newton's."""
    g = np.concatenate([reshape_f(gradient[0], -1), reshape_f(gradient[1], -1)])
    steps = {"gradient step (gamma / B)": -GAMMA / x.shape[3] * g}
    for lam in lambdas:
        steps[f"damped Newton, lambda = {lam:g}"] = -np.linalg.solve(h_conv + lam * np.eye(len(g)), g)
    rows, before = [], loss_of(x, y, params)
    for name, step in steps.items():
        moved = (params[0] + reshape_f(step[:27], params[0].shape),
                 params[1] + reshape_f(step[27:], params[1].shape), params[2], params[3])
        rows.append({"step": name, "norm": float(np.linalg.norm(step)), "loss_before": before,
                     "loss_after": loss_of(x, y, moved)})
    return rows


def measure(x, y, params, n_directions, lambdas, rng):
    loss, *gradient = reference_forward_backward(x, y, *params, errata="fix")
    random = [along(x, y, params, tuple(rng.standard_normal(np.shape(p)) for p in params))
              for _ in range(n_directions)]
    h_conv = hessian(x, y, params, block=(0, 1))
    gn = gauss_newton(x, y, params, block=(0, 1))
    eigenvalues = np.linalg.eigvalsh((h_conv + h_conv.T) / 2)
    return {
        "loss": float(loss),
        "curvature_along_gradient": along(x, y, params, gradient),
        "curvature_along_random_directions": random,
        "conv_block_eigenvalues": eigenvalues.tolist(),
        "conv_block_symmetry": relative_error(h_conv.T, h_conv),  # (0 when both are 0)
        "conv_block_vs_gauss_newton": relative_error(h_conv, gn),
        "steps": conv_steps(x, y, params, h_conv, gradient, lambdas),
    }


def check_result(result, source):
    """Refuse (NotFinite, one line) a result holding NaN or inf: weights so large that the
    computation overflowed."""
    check_finite({
        "the loss": result["loss"],
        "the curvatures": [result["curvature_along_gradient"],
                           *result["curvature_along_random_directions"]],
        "the conv block's Hessian": [*result["conv_block_eigenvalues"],
                                     result["conv_block_symmetry"],
                                     result["conv_block_vs_gauss_newton"]],
        "the steps": [[r["norm"], r["loss_before"], r["loss_after"]] for r in result["steps"]],
    }, f"the weights of {source}")


def conv_block_line(e, symmetry):
    """The conv block's eigenvalues in a line; said outright when the Hessian is 0."""
    if not np.any(e):
        return ("conv block (30 parameters): the Hessian is 0 here (the softmax saturates or no "
                "unit is active: the loss is piecewise linear in w_conv and b_conv)")
    return (f"conv block (30 parameters): eigenvalues from {e.min():.3g} to {e.max():.3g} "
            f"({int(np.sum(e > 1e-9 * e.max()))} above 1e-9 of the largest); symmetric to "
            f"{symmetry:.1e}")


def as_text(result, source):
    e = np.array(result["conv_block_eigenvalues"])
    lines = [
        f"{source}: summed loss {result['loss']:.6g} on {result['batch_size']} images",
        f"curvature v'Hv/v'v along the gradient: {result['curvature_along_gradient']:.6g}",
        "along random directions: " + ", ".join(
            f"{c:.4g}" for c in result["curvature_along_random_directions"]),
        conv_block_line(e, result["conv_block_symmetry"]),
        f"conv block Hessian against Gauss-Newton J'H_L J: {result['conv_block_vs_gauss_newton']:.1e}"
        " (relative)",
        "",
        f"{'step on the conv block':34s} {'norm':>10s} {'loss before':>12s} {'loss after':>12s}",
    ]
    lines += [f"{r['step']:34s} {r['norm']:10.4g} {r['loss_before']:12.6g} {r['loss_after']:12.6g}"
              for r in result["steps"]]
    return "\n".join(lines)


def plot_eigenvalues(path, eigenvalues, source):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e = np.sort(np.array(eigenvalues))[::-1]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy(np.arange(1, len(e) + 1), np.maximum(e, 1e-16), "o-")
    ax.set_xlabel("index")
    ax.set_ylabel("eigenvalue (floored at 1e-16)")
    ax.set_title(f"Hessian of the loss, conv block: {source}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


def _run(args):
    x, y = batch(args.data_dir, args.sample, args.batch_size)
    if args.weights is not None:
        loaded = load_cnn_mat(args.weights)
        params, source = tuple(loaded[k] for k in PARAMETERS), str(args.weights)
    else:
        params = tuple(initial_weights(args.seed).values())
        source = f"TrainCNN's start (seed {args.seed})"
    with quiet_overflow():  # checked next: a NaN or inf is refused, never printed
        result = measure(x, y, params, args.directions, args.damping,
                         np.random.default_rng(args.seed))
    check_result(result, source)
    result.update(batch_size=args.batch_size, weights=source)
    if args.plot is not None:
        plot_eigenvalues(args.plot, result["conv_block_eigenvalues"], source)
    print(json.dumps(result, indent=2) if args.format == "json" else as_text(result, source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
