"""The seed study's question, answered: dLdw_conv of one training sample, by every method.

    python scripts/compare_dldw_conv.py [--sample N] [--seed S | --weights cnn.mat]
        [--activation relu|sigmoid|study-sigmoid] [--format text|json|markdown] [--plot FILE]

The study (its section 5.1) compared its dual-number dLdw_conv with the original's and found
them far apart. Both were wrong: the original has errata E1/E2, and the study's dual backward
dropped the upstream gradient. Here both sit beside the true gradient, computed four ways.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import json
import sys
from pathlib import Path

import numpy as np

import dual.extensions.network as dual_network
import reference.extensions.network as network
from dual.seeding import elementwise_derivative
from reference.conv_backward import conv_backward
from reference.train_cnn import initial_weights
from shared.cli import ArgumentParser, non_negative_int, output_file, path, run_cli
from shared.data import load_split
from shared.errors import CnnDualError, check_finite, quiet_overflow
from shared.gradcheck import finite_differences, relative_error, rounding_error
from shared.file_set import atomic_write
from shared.weights import load_cnn_mat
from shared.torch_net import torch_available, torch_forward_backward
from shared.training import conv_weight_step

AGREEMENT_TOLERANCE = 1e-6  # relative to finite differences
FD = "finite differences"
SHOULD_AGREE = ("reference, errata fixed", "dual, forward mode", "dual, chain mode",
                "PyTorch autograd")
EXPECTED_TO_DIFFER = {
    "original (errata kept)": "errata E1/E2 of the original",
    "study's dual recipe": "it drops the upstream gradient",
}


def study_recipe(x, y, w_conv, b_conv, w_fc, b_fc, activation):
    """The seed's modified backward pass (its listing in chapter 5, lines 11-12): the
    activation's dual part, reshaped to 4x49x3, fed straight into the original Conv_backward,
    then accumulated by TrainCNN's reshape (erratum E2 still in place)."""
    layers = network.network_layers(activation)
    pred1 = layers.conv(x, w_conv, b_conv)
    grad_pred2 = elementwise_derivative(layers.activation, pred1)  # the dual part of pred2
    dldx_sig = np.reshape(grad_pred2, (4, 49, 3), order="F")
    dldw_conv, _ = conv_backward(dldx_sig, x, w_conv, b_conv, pred1)
    return conv_weight_step(dldw_conv, w_conv.shape, errata="keep")


def dldw_conv_by_method(x, y, params, activation):
    """{method name: dLdw_conv (3,3,1,3)} for one image x (14,14) with one-hot label y (10,1)."""
    w_conv, b_conv, w_fc, b_fc = params
    methods = {
        "original (errata kept)":
            network.forward_backward(x, y, *params, errata="keep", activation=activation)[1],
        "reference, errata fixed":
            network.forward_backward(x, y, *params, errata="fix", activation=activation)[1],
        "dual, forward mode":
            dual_network.forward_backward(x, y, *params, activation=activation, mode="forward")[1],
        "dual, chain mode":
            dual_network.forward_backward(x, y, *params, activation=activation, mode="chain")[1],
        FD: finite_differences(lambda w: network.forward_backward(
            x, y, w, b_conv, w_fc, b_fc, errata="fix", activation=activation)[0], w_conv),
    }
    if torch_available():
        methods["PyTorch autograd"] = torch_forward_backward(x, y, *params, activation)[1]
    methods["study's dual recipe"] = study_recipe(x, y, *params, activation)
    return methods


def verdict(methods, fd_error=0.0):
    """{method: (max relative difference to finite differences, should agree, agrees)}.

    fd_error: the finite differences' own (rounding) error, shared.gradcheck.rounding_error.
    Relative to a gradient smaller than fd_error / AGREEMENT_TOLERANCE, finite differences are
    too noisy to hold a method to AGREEMENT_TOLERANCE: the difference is measured against that
    floor instead (an all-zero image: exact zeros against FD noise of 3e-11 agree)."""
    table = {}
    floor = fd_error / AGREEMENT_TOLERANCE
    for name, value in methods.items():
        if name == FD:
            continue
        error = relative_error(value, methods[FD], floor)
        should = name in SHOULD_AGREE
        table[name] = (error, should, error <= AGREEMENT_TOLERANCE)
    return table


def format_text(methods, table, title):
    lines = [title, ""]
    width = max(map(len, methods)) + 2
    lines.append(" " * width + "".join(f"filter {k + 1:<24d}" for k in range(3)).rstrip())
    for name, value in methods.items():
        for i in range(3):
            label = name if i == 0 else ""
            rows = "  ".join("[" + " ".join(_number(value[i, j, 0, k]) for j in range(3)) + "]"
                             for k in range(3))
            lines.append(f"{label:<{width}}{rows}")
        lines.append("")
    lines.append(f"{'method':<{width}}max rel. diff to FD   verdict")
    for name, (error, should, agrees) in table.items():
        lines.append(f"{name:<{width}}{error:<22.2e}{_verdict_word(name, should, agrees)}")
    return "\n".join(lines)


def _number(v):
    """8.4f, without the sign of a value that rounds to zero (finite differences give -1e-12)."""
    text = f"{v:8.4f}"
    return text.replace("-0.0000", " 0.0000")


def _verdict_word(name, should, agrees):
    if should:
        return "agrees" if agrees else "DISAGREES (it should agree)"
    return f"differs, as expected ({EXPECTED_TO_DIFFER[name]})" if not agrees else "agrees"


def format_markdown(methods, table, title):
    lines = [f"**{title}**", "", "| method | filter | dLdw_conv (rows of the 3x3 kernel) |",
             "|---|---|---|"]
    for name, value in methods.items():
        for k in range(3):
            rows = "; ".join(" ".join(f"{value[i, j, 0, k]:.4f}" for j in range(3)) for i in range(3))
            lines.append(f"| {name} | {k + 1} | {rows} |")
    lines += ["", "| method | max rel. diff to FD | verdict |", "|---|---|---|"]
    for name, (error, should, agrees) in table.items():
        lines.append(f"| {name} | {error:.2e} | {_verdict_word(name, should, agrees)} |")
    return "\n".join(lines)


def format_json(methods, table, info):
    return json.dumps({
        **info,
        "methods": {name: value.tolist() for name, value in methods.items()},
        "verdict": {name: {"max_rel_diff_to_fd": error, "should_agree": should, "agrees": agrees}
                    for name, (error, should, agrees) in table.items()},
        "agreement_tolerance": AGREEMENT_TOLERANCE,
    }, indent=2)


def plot_methods(path, methods, title):
    """Heat maps: a column per method, a row per filter, on the true gradient's colour scale
    (values beyond it saturate: the errata and the study's recipe are far off)."""
    import textwrap

    from matplotlib.figure import Figure

    names = list(methods)
    limit = 1.2 * np.max(np.abs(methods[FD])) or 1.0
    fig = Figure(figsize=(1.55 * len(names) + 1.2, 5.4), layout="constrained")
    axes = fig.subplots(3, len(names), squeeze=False)
    for col, name in enumerate(names):
        for k in range(3):
            ax = axes[k, col]
            image = ax.imshow(methods[name][:, :, 0, k], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(f"filter {k + 1}")
            if k == 0:
                ax.set_title(textwrap.fill(name, 14), fontsize=9)
    fig.colorbar(image, ax=axes, shrink=0.8, label="dL/dw_conv (saturates beyond the scale)")
    fig.suptitle(textwrap.fill(title, 110), fontsize=10)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)


def parse_args(argv):

    parser = ArgumentParser(prog="compare_dldw_conv.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=non_negative_int, default=0,
                        help="0-based column of im_train (default: 0)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the N(0,1) starting weights, drawn as TrainCNN draws "
                             "them (default: 0); ignored with --weights")
    parser.add_argument("--weights", type=path, default=None, metavar="FILE",
                        help="take w_conv b_conv w_fc b_fc from a MATLAB-style cnn.mat")
    parser.add_argument("--activation", choices=tuple(network.ACTIVATIONS), default="relu",
                        help="the activation after the conv layer (the study used "
                             "study-sigmoid; default: relu)")
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where mnist_train.mat is (default: data)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--plot", type=output_file, default=None, metavar="FILE",
                        help="also draw the matrices as heat maps into a PNG file")
    return parser.parse_args(argv)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


def _run(args):

    im_train, label_train = load_split(args.data_dir / "mnist_train.mat", "train")
    if args.sample >= im_train.shape[1]:
        raise CnnDualError(f"--sample {args.sample} is past the last training image "
                           f"({im_train.shape[1] - 1})")
    x = np.reshape(im_train[:, args.sample] / 255, (14, 14), order="F")
    label = int(label_train[0, args.sample])
    y = np.eye(10)[:, [label]]
    if args.weights is not None:
        loaded = load_cnn_mat(args.weights)
        params = tuple(loaded[k] for k in ("w_conv", "b_conv", "w_fc", "b_fc"))
        source = str(args.weights)
    else:
        params = tuple(initial_weights(args.seed).values())
        source = f"N(0,1) draws, seed {args.seed}"

    with quiet_overflow():  # checked next: a NaN or inf is refused, never printed
        methods = dldw_conv_by_method(x, y, params, args.activation)
        loss = network.forward_backward(x, y, *params, errata="fix", activation=args.activation)[0]
    check_finite({"the loss": loss, **methods}, f"the weights of {source}")
    table = verdict(methods, rounding_error(loss))
    title = (f"dLdw_conv of training sample {args.sample} (label {label}); weights: {source}; "
             f"activation: {args.activation}")
    if args.plot is not None:  # first: a plot that cannot be written stops before any output
        plot_methods(args.plot, methods, title)
    if args.format == "json":
        print(format_json(methods, table, {"sample": args.sample, "label": label,
                                           "weights": source, "activation": args.activation}))
    elif args.format == "markdown":
        print(format_markdown(methods, table, title))
    else:
        print(format_text(methods, table, title))
        if not torch_available():
            print("(PyTorch is not installed: its column is skipped)")
    failed = [name for name, (_, should, agrees) in table.items() if should and not agrees]
    if failed:
        print(f"error: {', '.join(failed)} disagree with finite differences beyond "
              f"{AGREEMENT_TOLERANCE:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
