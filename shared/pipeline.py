"""MATLAB: main_cnn.m -- load, normalise, mini-batches, train, test, save; for either variant.

The variant is a network module (``reference.extensions.network`` or
``dual.extensions.network``): ``get_mini_batch``, ``train_cnn``, ``predict`` and ``CONV_KINDS``;
for the original network they are the port's own functions.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.data import load_mnist
from shared.errors import CnnDualError
from shared.outputs import (WEIGHT_NAMES, accuracy, check_out_dir, confusion_matrix, load_cnn_mat,
                            plot_confusion, plot_loss, save_cnn_mat, write_json, write_output_set)


@dataclass
class RunConfig:
    variant: str = "reference"
    iterations: int = 10000
    batch_size: int = 30
    lr: float = 0.03
    seed: int = 0
    errata: str = "keep"
    activation: str = "relu"
    conv: str = "linear"
    conv_impl: str = "im2col"  # linear only: "im2col" (Conv.m) or "loops" (conv_loops)
    grad_mode: str | None = None  # dual only: "chain" or "forward"
    data_dir: Path = Path("data")
    out_dir: Path = Path("outputs")
    weights: Path | None = None
    progress: bool = True


MAIN_OUTPUTS = ("cnn.mat", "metrics.json", "confusion.png", "loss.png")
"""What a main_cnn run writes into its out dir (loss.png only when it trained)."""


def check_writable(out_dir):
    """Make sure files can be written into ``out_dir`` (before training), without creating it:
    a run that fails leaves no empty folder behind."""
    check_out_dir(out_dir)


def run_main_cnn(config, variant_module):
    """Do what main_cnn.m does; write cnn.mat, metrics.json, loss.png (when it trained) and
    confusion.png into ``config.out_dir``, all only after a successful run; return the metrics."""
    check_writable(config.out_dir)
    im_train, label_train, im_test, label_test = load_mnist(config.data_dir)
    if config.conv_impl == "loops" and config.conv != "linear":
        raise CnnDualError(f"--conv-impl loops is the linear conv written as loops; the "
                           f"{config.conv} conv has no loop form")
    kind_name = "linear-loops" if config.conv_impl == "loops" else config.conv
    kind = variant_module.CONV_KINDS.get(kind_name)
    if kind is None:
        raise CnnDualError(f"the {config.variant} variant has no '{config.conv}' conv layer"
                           + (" (no hand-derived backward: use --variant dual)"
                              if config.conv == "gaussian" else ""))
    start, start_extra = {}, None
    if config.weights is not None:
        loaded = kind.from_file(load_cnn_mat(config.weights))
        start = {k: loaded[k] for k in WEIGHT_NAMES}
        missing = [name for name in kind.extra if name not in loaded]
        if missing:
            raise CnnDualError(f"{config.weights}: a '{config.conv}' conv layer needs "
                               f"{', '.join(missing)}, which the file does not have")
        start_extra = {name: loaded[name] for name in kind.extra} or None

    im_train, im_test = im_train / 255, im_test / 255
    rng = np.random.default_rng(config.seed)
    mini_batch_x, mini_batch_y = variant_module.get_mini_batch(
        im_train, label_train, config.batch_size, rng=rng)
    mode = {} if config.grad_mode is None else {"mode": config.grad_mode}
    began = time.perf_counter()
    trained = variant_module.train_cnn(
        mini_batch_x, mini_batch_y, **start, iterations=config.iterations, lr=config.lr,
        errata=config.errata, activation=config.activation, conv=kind_name,
        conv_extra=start_extra, rng=rng, progress=config.progress, **mode)
    training_seconds = time.perf_counter() - began
    w_conv, b_conv, w_fc, b_fc, loss = trained[:5]
    extra = trained[5] if len(trained) > 5 else {}

    predicted = variant_module.predict(im_test, w_conv, b_conv, w_fc, b_fc,
                                       activation=config.activation, conv=kind_name,
                                       conv_extra=extra)
    truth = label_test.reshape(-1)
    acc = accuracy(predicted, truth)
    confusion = confusion_matrix(predicted, truth)
    metrics = {
        "variant": config.variant,
        "grad_mode": config.grad_mode or "hand-derived backward",
        "errata": config.errata,
        "activation": config.activation,
        "conv": config.conv,
        "conv_impl": config.conv_impl,
        "iterations": config.iterations,
        "batch_size": config.batch_size,
        "lr": config.lr,
        "seed": config.seed,
        "weights": None if config.weights is None else os.fspath(config.weights),
        "accuracy": acc,
        "confusion": confusion,
        "final_loss": float(loss[-1]) if len(loss) else None,
        "training_seconds": training_seconds,
        "n_train": int(im_train.shape[1]),
        "n_test": int(im_test.shape[1]),
    }
    write_outputs(Path(config.out_dir), (w_conv, b_conv, w_fc, b_fc), metrics, loss,
                  f"Training loss ({config.variant}, errata {config.errata}, {config.activation}, "
                  f"{config.conv} conv)", kind.to_file(extra))
    return metrics


def write_outputs(out_dir, weights, metrics, loss, loss_title, extra=None):
    """Write cnn.mat, metrics.json, confusion.png and (after training) loss.png into ``out_dir``.

    All or nothing (shared.outputs.write_output_set): a failure or an interruption leaves the
    earlier files as they were, and a loss.png of an earlier run is removed when this one did
    not train.
    """
    writers = {
        "cnn.mat": lambda path: save_cnn_mat(path, *weights, **(extra or {})),
        "metrics.json": lambda path: write_json(path, metrics),
        "confusion.png": lambda path: plot_confusion(path, np.asarray(metrics["confusion"]),
                                                     metrics["accuracy"]),
    }
    if len(loss):
        writers["loss.png"] = lambda path: plot_loss(path, loss, title=loss_title)
    write_output_set(out_dir, writers, MAIN_OUTPUTS)
