"""MATLAB: main_cnn.m, main_slp_linear.m, main_slp.m, main_mlp.m -- load, normalise,
mini-batches, train, test, save; for either variant.

All four mains do the same thing with another model, so one function does it (``run_main``),
given the model: ``CnnModel`` (the CNN, with the extensions' activations and conv layers) or a
``Perceptron`` (``perceptron("slp_linear" | "slp" | "mlp", variant)``).
"""

import argparse
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

import dual.extensions.network
import dual.train_mlp
import dual.train_slp
import dual.train_slp_linear
import reference.extensions.network
import reference.main_mlp
import reference.main_slp
import reference.main_slp_linear
import reference.train_mlp
import reference.train_slp
import reference.train_slp_linear
from reference.get_mini_batch import get_mini_batch
from shared.choices import VARIANTS, check_choice
from shared.cli import (ArgumentParser, add_main_arguments, add_run_arguments, report, run_cli,
                        variant_settings)
from shared.data import load_mnist
from shared.divergence import divergence_reports
from shared.errors import CnnDualError
from shared.figures import plot_confusion, plot_loss
from shared.file_set import check_out_dir, main_outputs, write_json, write_output_set
from shared.metrics import accuracy, confusion_matrix
from shared.weights import load_weights_mat, save_weights_mat


@dataclass
class RunConfig:
    variant: str = "reference"
    iterations: int = 10000
    batch_size: int = 30
    lr: float = 0.03
    seed: int = 0
    errata: str = "keep"
    grad_mode: str | None = None  # dual only: "chain" or "forward"
    data_dir: Path = Path("data")
    out_dir: Path = Path("outputs")
    weights: Path | None = None
    progress: bool = True


def config_from_args(args):
    """The RunConfig of a main_*.py's parsed arguments (``shared.cli.add_main_arguments``'s);
    the settings only one model has (main_cnn's activation, conv...) are that model's."""
    errata, grad_mode = variant_settings(args)
    return RunConfig(variant=args.variant, iterations=args.iterations,
                     batch_size=args.batch_size, lr=args.lr, seed=args.seed, errata=errata,
                     grad_mode=grad_mode, data_dir=args.data_dir, out_dir=args.out_dir,
                     weights=args.weights, progress=not args.quiet)




def run_main(config, model):
    """Do what the main_*.m of ``model`` does; write its files (``main_outputs``: its weights
    file, metrics, confusion matrix and, when it trained, loss) into ``config.out_dir``, all only
    after a successful run; return the metrics."""
    check_out_dir(config.out_dir)  # before training; it creates nothing
    im_train, label_train, im_test, label_test = load_mnist(config.data_dir)
    start = {} if config.weights is None else model.load(config.weights)

    im_train, im_test = im_train / 255, im_test / 255
    trained, loss, predicted, training_seconds, diverged = train_and_test(
        config, model, start, (im_train, label_train, im_test))
    truth = label_test.reshape(-1)
    acc = accuracy(predicted, truth)
    confusion = confusion_matrix(predicted, truth)
    metrics = {
        "model": model.name,
        "variant": config.variant,
        "grad_mode": config.grad_mode or "hand-derived backward",
        "errata": config.errata,
        **model.settings(config),
        "iterations": config.iterations,
        "batch_size": config.batch_size,
        "lr": config.lr,
        "seed": config.seed,
        "weights": None if config.weights is None else os.fspath(config.weights),
        "accuracy": acc,
        "confusion": confusion,
        "final_loss": float(loss[-1]) if len(loss) else None,
        "training_seconds": training_seconds,
        "diverged": diverged,
        "n_train": int(im_train.shape[1]),
        "n_test": int(im_test.shape[1]),
    }
    write_outputs(Path(config.out_dir), model.name,
                  lambda path: model.save(path, trained), metrics, loss,
                  f"Training loss ({model.title(config)})")
    return metrics


def train_and_test(config, model, start, data):
    """The middle of every main_*.m: mini-batches (seeded by ``config.seed``, as the starting
    weights are), training from ``start`` ({} for the Train*.m's own draw), the test loop.

    data: (im_train (196,N) divided by 255, label_train (1,N), im_test (196,M) divided by 255).
    Returns (trained, loss, predicted labels (M,), training seconds, diverged): diverged is
    None, or the message of a divergence that did not stop the run (the original as written,
    reproduced: ``shared.divergence.DivergenceWatch``); any other divergence raises.
    """
    im_train, label_train, im_test = data
    rng = np.random.default_rng(config.seed)
    mini_batch_x, mini_batch_y = get_mini_batch(im_train, label_train, config.batch_size, rng=rng)
    diverged = []
    began = time.perf_counter()
    with divergence_reports(diverged.append):
        trained, loss = model.train(mini_batch_x, mini_batch_y, start, config, rng)
    training_seconds = time.perf_counter() - began
    predicted = model.predict(im_test, trained)
    return trained, loss, predicted, training_seconds, diverged[0] if diverged else None


def write_outputs(out_dir, model_name, save_weights, metrics, loss, loss_title):
    """Write the files of ``main_outputs(model_name)`` into ``out_dir``: the weights file
    (``save_weights(path)``), the metrics (JSON), the confusion matrix and, after training, the
    loss (PNG).

    All or nothing (shared.file_set.write_output_set): a failure or an interruption leaves the
    earlier files as they were, and the loss PNG of an earlier run of the model is removed when
    this one did not train. Other models' files in ``out_dir`` are left alone.
    """
    names = main_outputs(model_name)
    writers = {
        names["weights"]: save_weights,
        names["metrics"]: lambda path: write_json(path, metrics),
        names["confusion"]: lambda path: plot_confusion(path, np.asarray(metrics["confusion"]),
                                                        metrics["accuracy"]),
    }
    if len(loss):
        writers[names["loss"]] = lambda path: plot_loss(path, loss, title=loss_title)
    write_output_set(out_dir, writers, names.values())


# ---- the models ---------------------------------------------------------------------------


@runtime_checkable
class Model(Protocol):
    """What run_main, train_and_test, mains.comparison and the lessons use of a model: the
    CNN (``CnnModel``) and the three perceptrons (``Perceptron``) alike. A model is checked
    when built; nothing here changes it. ``trained`` is its Trained.params (name -> array)."""

    name: str
    file_name: str
    lr: float
    parameters: int

    def load(self, path):
        """A weights file -> start (name -> array), checked against the model."""

    def train(self, mini_batch_x, mini_batch_y, start, config, rng):
        """-> Trained(params, loss), with ``config``'s shared settings (RunConfig)."""

    def predict(self, im_test, trained):
        """-> the predicted labels of the test images."""

    def save(self, path, trained):
        """Write ``trained`` as main_*.m saves its weights."""

    def settings(self, config):
        """The model's own settings, for the metrics file."""

    def title(self, config):
        """The loss plot's title."""


NETWORKS = {"reference": reference.extensions.network.Network,
            "dual": dual.extensions.network.DualNetwork}
"""variant -> the CNN's network class (``Network``: its layers, training, prediction, file)."""


class CnnModel:
    """main_cnn.m's model for ``variant``: its network (``Network`` or ``DualNetwork``) with
    its settings: ``activation``, ``conv`` (the kind) and ``conv_impl`` ("im2col", Conv.m, or
    "loops", conv_loops: linear only). All are checked here, once: a model that exists is a
    valid one (a CnnDualError otherwise)."""

    name, file_name, lr = "cnn", "cnn.mat", 0.03

    def __init__(self, variant="reference", activation="relu", conv="linear",
                 conv_impl="im2col"):
        network = NETWORKS[check_choice("variant", variant, VARIANTS)]
        # the two networks take the same activations (dual's backward read off dual numbers)
        check_choice("activation", activation, reference.extensions.network.ACTIVATIONS)
        check_choice("conv_impl", conv_impl, ("im2col", "loops"))
        if conv_impl == "loops" and conv != "linear":
            raise CnnDualError(f"--conv-impl loops is the linear conv written as loops; the "
                               f"{conv} conv has no loop form")
        kind = "linear-loops" if conv_impl == "loops" else conv
        if kind not in network.kinds:
            raise CnnDualError(f"the {variant} variant has no '{conv}' conv layer"
                               + (" (no hand-derived backward: use --variant dual)"
                                  if conv == "gaussian" else ""))
        self.network = network(activation, kind)
        self.activation, self.conv, self.conv_impl = activation, conv, conv_impl

    @property
    def parameters(self):
        return self.network.size

    def load(self, path):
        return self.network.load(path)

    def train(self, mini_batch_x, mini_batch_y, start, config, rng):
        return self.network.train(
            mini_batch_x, mini_batch_y, start=start, iterations=config.iterations, lr=config.lr,
            errata=config.errata, rng=rng, progress=config.progress, mode=config.grad_mode)

    def predict(self, im_test, trained):
        return self.network.predict(im_test, trained)

    def save(self, path, trained):
        self.network.save(path, trained)

    def settings(self, config):
        return {"activation": self.activation, "conv": self.conv, "conv_impl": self.conv_impl}

    def title(self, config):
        return (f"{config.variant}, errata {config.errata}, {self.activation}, "
                f"{self.conv} conv")


def run_main_cnn(config, **settings):
    """Do what main_cnn.m does (``run_main`` with the CNN of ``config.variant`` and
    ``settings``: CnnModel's activation, conv, conv_impl); return the metrics."""
    return run_main(config, model("cnn", config.variant, **settings))


PERCEPTRONS = {  # model -> its weights as main_*.m saves them (MATLAB shapes), its gamma
    "slp_linear": ({"w": (10, 196), "b": (10, 1)}, 0.03),
    "slp": ({"w": (10, 196), "b": (10, 1)}, 0.5),
    "mlp": ({"w2": (10, 30), "b2": (10, 1), "w1": (30, 196), "b1": (30, 1)}, 1.0),
}
"""main_mlp.m saves w2 b2 w1 b1, in that order; TrainMLP returns w1 b1 w2 b2."""


@dataclass
class Perceptron:
    """main_slp_linear.m, main_slp.m or main_mlp.m: ``train`` is its Train*.m (the variant's),
    ``predict`` its test half (``reference.main_*``), ``order`` the weights as ``train``
    returns them and ``predict`` takes them, ``shapes`` as the weights file holds them."""

    name: str
    train_function: object
    predict_function: object
    order: tuple
    shapes: dict
    lr: float

    @property
    def file_name(self):
        return f"{self.name}.mat"

    @property
    def parameters(self):
        return sum(math.prod(shape) for shape in self.shapes.values())

    def load(self, path):
        return load_weights_mat(path, self.shapes)

    def train(self, mini_batch_x, mini_batch_y, start, config, rng):
        mode = {} if config.grad_mode is None else {"mode": config.grad_mode}
        return self.train_function(
            mini_batch_x, mini_batch_y, start=start, iterations=config.iterations, lr=config.lr,
            errata=config.errata, rng=rng, progress=config.progress, **mode)

    def predict(self, im_test, trained):
        return self.predict_function(im_test, *(trained[name] for name in self.order))

    def save(self, path, trained):
        save_weights_mat(path, self.shapes, trained)

    def settings(self, config):
        return {}

    def title(self, config):
        return f"{self.name}, {config.variant}, errata {config.errata}"


PERCEPTRON_TRAINING = {  # variant -> model -> its Train*.m (plain imports: grep finds callers)
    "reference": {"slp_linear": reference.train_slp_linear.train_slp_linear,
                  "slp": reference.train_slp.train_slp, "mlp": reference.train_mlp.train_mlp},
    "dual": {"slp_linear": dual.train_slp_linear.train_slp_linear,
             "slp": dual.train_slp.train_slp, "mlp": dual.train_mlp.train_mlp},
}
PERCEPTRON_PREDICT = {"slp_linear": reference.main_slp_linear.predict,
                      "slp": reference.main_slp.predict, "mlp": reference.main_mlp.predict}


def perceptron(name, variant="reference"):
    """The Perceptron of main_<name>.m (name: "slp_linear", "slp" or "mlp") for ``variant``
    ("reference": the port; "dual": the twin's Train*.m)."""
    check_choice("model", name, PERCEPTRONS)
    check_choice("variant", variant, VARIANTS)
    shapes, lr = PERCEPTRONS[name]
    train = PERCEPTRON_TRAINING[variant][name]
    predict = PERCEPTRON_PREDICT[name]
    order = ("w1", "b1", "w2", "b2") if name == "mlp" else ("w", "b")
    return Perceptron(name, train, predict, order, shapes, lr)


MODELS = (*PERCEPTRONS, "cnn")
"""The ladder, in the original's order: main_slp_linear.m ... main_cnn.m."""


def model(name, variant="reference", **settings):
    """The model of main_<name>.m (a name of MODELS) for ``variant``: the one place a model is
    chosen by name and variant (``settings``: the CNN's, CnnModel's)."""
    if check_choice("model", name, MODELS) == "cnn":
        return CnnModel(variant, **settings)
    if settings:
        raise CnnDualError(f"main_{name}.m's model has no setting {sorted(settings)[0]} "
                           f"(activation, conv and conv_impl are the CNN's)")
    return perceptron(name, variant)


PUBLISHED_ACCURACY = {"slp_linear": 0.8040, "slp": 0.8855, "mlp": 0.9150, "cnn": 0.8415}
"""What the weights the original published reach: the accuracies printed on its figures."""

EPILOG = """\
examples:
  python scripts/main_{name}.py                    the original, as written (E3 included)
  python scripts/main_{name}.py --errata fix       the same with erratum E3 corrected
  python scripts/main_{name}.py --variant dual     the same, gradients from dual numbers
  python scripts/main_{name}.py --iterations 0 --weights data/original_{name}.mat
                                  only evaluate the published weights (accuracy {accuracy:.4f})
"""


def perceptron_main(name, argv, *, prog, description):
    """The command line of main_<name>.py (name: "slp_linear", "slp" or "mlp"): main_cnn.py's
    flags but its conv-layer ones; runs ``run_main`` and prints the accuracy. Returns the exit
    code (a user error: one line on stderr, 1; a bad argument: 2)."""
    shapes, lr = PERCEPTRONS[name]
    epilog = EPILOG.format(name=name, accuracy=PUBLISHED_ACCURACY[name])
    parser = ArgumentParser(prog=prog, description=description, epilog=epilog,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_main_arguments(parser, lr=lr, errata_help="the original's scrambled weight steps (E3)",
                       grad_mode_help=f"{perceptron(name).parameters:,}",
                       weights_file=f"{name}.mat")
    add_run_arguments(parser)
    return run_cli(_run_perceptron, name, parser.parse_args(argv))


def _run_perceptron(name, args):
    metrics = run_main(config_from_args(args), model(name, args.variant))
    report(args, metrics)
    return 0
