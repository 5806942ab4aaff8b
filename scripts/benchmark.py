"""Time the training of every variant side by side, and how the cost grows.

    python scripts/benchmark.py [--quick] [--repeats N] [--out-dir benchmarks] [--no-memory]

Measures, in one run, the original schedule (10,000 iterations x 30 images, float64; training
only: data loading and testing excluded) for: the reference (errata kept and fixed), the
reference one image at a time (the MATLAB loop), the dual twin in chain mode and in forward
mode, PyTorch eager (when installed), and the numpy floor: the same iteration written as one
fused numpy function (speed/fused_numpy.py, not a port). Slow methods run a short schedule
and are extrapolated (marked so). Then a table per model (the linear SLP, the SLP, the MLP and
the CNN): reference, dual chain and forward mode, numpy floor and PyTorch eager, with BLAS's
default threads and with one, on a quiet machine and with another process busy
(mains/model_timings.py). Also shows where an iteration's time goes, layer by layer.
Prints tables, writes results.json and scaling.png into --out-dir.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from dual.curvature import hessian_vector_product
from dual.extensions.network import DualNetwork
from dual.train_cnn import forward_backward as dual_forward_backward
from dual.train_cnn import forward_mode_gradient
from dual.train_cnn import train_cnn as dual_train_cnn
from reference.extensions.network import Network
from reference.get_mini_batch import get_mini_batch
from reference.train_cnn import as_images, forward_backward, initial_weights, train_cnn
from shared.cli import ArgumentParser, count, path, run_cli
from shared.data import SPLITS, load_split
from shared.errors import CnnDualError, MissingDataError
from shared.file_set import atomic_write, check_out_dir, write_output_set
from shared.torch_net import torch_available, torch_threads, torch_train
from speed.fused_numpy import fused_forward_backward
from speed.memory import keep_freed_memory
from mains.model_timings import format_model_tables, time_models

ROOT = Path(__file__).resolve().parents[1]
SCHEDULE = 10000
NUMPY_FLOOR = "numpy floor: one fused function"
MAX_REPEATS = 100
"""The most rounds --repeats accepts: a round times every method over the schedule, minutes;
100 rounds are hours already (the median settles within a handful); more is a typo."""


def one_image_at_a_time(x, y, w_conv, b_conv, w_fc, b_fc, errata="keep"):
    """forward_backward as MATLAB's TrainCNN runs it: image by image, summing."""
    totals = None
    for i in range(x.shape[-1]):
        out = forward_backward(x[..., i], y[:, i:i + 1], w_conv, b_conv, w_fc, b_fc, errata)
        totals = out if totals is None else tuple(a + b for a, b in zip(totals, out))
    return totals


def training_data(data_dir, batch_size, seed=0):
    """Mini-batches of the real training set, or of random images when it is absent. A data
    file that is there but unreadable or malformed is an error (DataError), not 'absent'."""

    rng = np.random.default_rng(seed)
    try:  # only the training set is timed: the test file may be absent
        im_train, label_train = load_split(Path(data_dir) / SPLITS["train"][0], "train")
        source = "MNIST training set"
    except MissingDataError:
        im_train = rng.integers(0, 256, (196, 12000)).astype(float)
        label_train = rng.integers(0, 10, (1, 12000))
        source = "random images (mnist_train.mat absent)"
    batches = get_mini_batch(im_train / 255, label_train, batch_size, rng=rng)
    return batches, source


def time_training(train, iterations, repeats):
    """Seconds of ``train(iterations)`` over ``repeats`` runs -> (median, min, max)."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        train(iterations)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), float(min(seconds)), float(max(seconds))


def methods(batches, weights, quick):
    """name -> (train(iterations), iterations to run); fewer than 10,000 are extrapolated."""
    bx, by = batches
    w_conv, b_conv, w_fc, b_fc = weights
    start = dict(start=dict(w_conv=w_conv, b_conv=b_conv, w_fc=w_fc, b_fc=b_fc), progress=False)
    full = 200 if quick else SCHEDULE
    table = {
        "reference, errata keep": (
            lambda n: train_cnn(bx, by, iterations=n, errata="keep", **start), full),
        "reference, errata fix": (
            lambda n: train_cnn(bx, by, iterations=n, errata="fix", **start), full),
        "reference, one image at a time": (
            lambda n: train_cnn(bx, by, iterations=n, errata="keep",
                                forward_backward=one_image_at_a_time, **start),
            10 if quick else 200),
        "dual, chain mode": (
            lambda n: dual_train_cnn(bx, by, iterations=n, mode="chain", **start),
            50 if quick else 2000),
        "dual, forward mode": (
            lambda n: dual_train_cnn(bx, by, iterations=n, mode="forward", **start),
            1 if quick else 10),
        NUMPY_FLOOR: (
            lambda n: train_cnn(bx, by, iterations=n, errata="fix",
                                forward_backward=fused_forward_backward, **start), full),
    }
    if torch_available():
        table["PyTorch eager"] = (
            lambda n: torch_train(bx, by, w_conv, b_conv, w_fc, b_fc, iterations=n),
            100 if quick else 2000)
    return table


def run_timings(batches, weights, quick, repeats):
    """Time every method ``repeats`` times, in rounds: each round runs every method once, so
    that a change in the host's load touches all methods alike and the ratios stay fair.
    Methods whose run is short of 100 iterations (the slow ones) run in the first round only."""
    table = methods(batches, weights, quick)
    seconds = {name: [] for name in table}
    for round_ in range(repeats):
        for name, (train, iterations) in table.items():
            if round_ == 0 or iterations >= 100:
                seconds[name].append(time_training(train, iterations, 1)[0])
    results = {}
    for name, (_, iterations) in table.items():
        median, low, high = float(np.median(seconds[name])), min(seconds[name]), max(seconds[name])
        scale = SCHEDULE / iterations  # the cost per iteration is the same all along
        results[name] = {
            "seconds": median * scale, "min": low * scale, "max": high * scale,
            "ms_per_iteration": 1000 * median / iterations, "iterations_run": iterations,
            "extrapolated": iterations != SCHEDULE, "runs": len(seconds[name]),
        }
        print(f"  {name}: {median * scale:.2f} s", file=sys.stderr)
    base = results["reference, errata keep"]["seconds"]
    torch_seconds = results.get("PyTorch eager", {}).get("seconds")
    for row in results.values():
        row["x_reference"] = row["seconds"] / base
        row["x_pytorch"] = None if torch_seconds is None else row["seconds"] / torch_seconds
    return results




BASELINE_MODELS = {"slp_linear": 4, "slp": 4, "mlp": 2, "cnn": 1}  # -> iterations x this


def speed_tricks(baseline, iterations, repeats, models=tuple(BASELINE_MODELS)):
    """What the opt-in allocator setting is worth (the CNN's reference), and (``baseline``:
    another checkout) every model's reference and dual twin (chain mode) of that version beside
    this one's: each in a fresh process (the setting lasts a process's life), in rounds, freed
    memory kept. -> {name: {"ms_per_iteration", "min", "max", "iterations", "runs"}}."""
    configs = {"reference, freed memory kept (speed/memory.py)": (ROOT, "kept", "reference", "cnn"),
               "reference, the default allocator": (ROOT, "default", "reference", "cnn")}
    if baseline is not None:
        for model in models:
            for variant, shown in (("reference", "reference"), ("dual", "dual (chain)")):
                configs[f"{model}: {shown}"] = (ROOT, "kept", variant, model)
                configs[f"{model}: {shown} of {baseline}"] = (baseline, "kept", variant, model)
    seconds = {name: [] for name in configs}
    runs = {name: iterations * BASELINE_MODELS[config[3]] for name, config in configs.items()}
    for _ in range(repeats):
        for name, (root, allocator, variant, model) in configs.items():
            done = subprocess.run([sys.executable, str(ROOT / "speed" / "time_checkout.py"),
                                   str(root), allocator, str(runs[name]), variant, model],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
                raise CnnDualError(f"timing {name} failed: {why}")
            seconds[name].append(float(done.stdout.split()[-1]))
    return {name: {"ms_per_iteration": 1000 * float(np.median(s)) / runs[name],
                   "min": 1000 * min(s) / runs[name], "max": 1000 * max(s) / runs[name],
                   "iterations": runs[name], "runs": len(s)} for name, s in seconds.items()}


def format_tricks(tricks):
    header = f"{'one iteration, own process':52s} {'ms':>7s} {'min':>7s} {'max':>7s}"
    lines = [header, "-" * len(header)]
    for name, r in tricks.items():
        if ": " not in name:  # (the baseline's rows: format_before_after)
            lines.append(f"{name:52s} {r['ms_per_iteration']:7.3f} {r['min']:7.3f} {r['max']:7.3f}")
    return "\n".join(lines)


def format_before_after(tricks, baseline):
    """Every model's reference and dual twin, the baseline's beside this checkout's (the
    medians of speed_tricks' rounds), and the twin's cost in references, before and after."""
    header = (f"{'ms/iter, own process':14s} {'reference before / after':>26s} "
              f"{'dual chain before / after':>26s} {'dual / reference before / after':>32s}")
    lines = [f"before: {baseline}; after: this checkout", header, "-" * len(header)]
    for model in (m for m in BASELINE_MODELS if f"{m}: reference" in tricks):
        rb, ra, db, da = (tricks[f"{model}: {shown}{suffix}"]["ms_per_iteration"]
                          for shown in ("reference", "dual (chain)")
                          for suffix in (f" of {baseline}", ""))  # before, after
        lines.append(f"{model:14s} {rb:12.3f} / {ra:<11.3f} {db:12.3f} / {da:<11.3f} "
                     f"{db / rb:15.2f} / {da / ra:<14.2f}")
    return "\n".join(lines)


LAYER_NAMES = {  # TrainCNN's calls, in order, as network_layers names them -> the MATLAB file
    "conv": "Conv", "activation": "ReLu", "pool2x2": "Pool2x2", "flattening": "Flattening",
    "fc": "FC", "loss_cross_entropy_softmax": "Loss_cross_entropy_softmax",
    "fc_backward": "FC_backward", "flattening_backward": "Flattening_backward",
    "pool2x2_backward": "Pool2x2_backward", "activation_backward": "ReLu_backward",
    "conv_gradients": "Conv_backward",
}
REST = "rest of the loop body"


def layer_times(batches, weights, iterations):
    """Where an iteration's time goes, inside the training loop: us per iteration spent in each
    layer function, for the reference (errata fix) and the dual twin (chain mode), and the rest
    of the iteration (TrainCNN's reshapes and update, the loss check). Best of 3 runs."""
    bx, by = batches
    w_conv, b_conv, w_fc, b_fc = weights
    out = {}
    for label, network in (("reference", Network()), ("dual", DualNetwork())):
        spent = dict.fromkeys(LAYER_NAMES, 0.0)
        timed = SimpleNamespace(**vars(network.layers))
        for name in LAYER_NAMES:
            setattr(timed, name, _clocked(getattr(network.layers, name), spent, name))
        network.layers = timed  # the network's chain, each layer function clocked

        best = None
        for _ in range(3):
            for name in spent:
                spent[name] = 0.0
            start = time.perf_counter()
            train_cnn(bx, by, start=dict(w_conv=w_conv, b_conv=b_conv, w_fc=w_fc, b_fc=b_fc),
                      iterations=iterations, errata="fix", progress=False,
                      forward_backward=network.forward_backward)
            total = time.perf_counter() - start
            if best is None or total < best[0]:
                best = (total, dict(spent))
        total, spent_best = best
        us = {LAYER_NAMES[name]: 1e6 * t / iterations for name, t in spent_best.items()}
        us[REST] = 1e6 * total / iterations - sum(us.values())
        us["total"] = 1e6 * total / iterations
        out[label] = us
    return out


def _clocked(function, spent, name):
    def clocked(*args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        spent[name] += time.perf_counter() - start
        return result
    return clocked


def format_layer_table(layers, floor_ms):
    header = f"{'where an iteration goes (us)':34s} {'reference':>10s} {'dual':>10s} {'x':>6s}"
    lines = [header, "-" * len(header)]
    for row in layers["reference"]:
        ref, dual_us = layers["reference"][row], layers["dual"][row]
        ratio = f"{dual_us / ref:6.2f}" if ref > 0 else f"{'-':>6s}"
        lines.append(f"{row:34s} {ref:10.1f} {dual_us:10.1f} {ratio}")
    lines.append(f"{NUMPY_FLOOR:34s} {1000 * floor_ms:10.1f}")
    return "\n".join(lines)


def per_iteration_ms(train_step, repeats=3, iterations=3):
    """ms per iteration of ``train_step(iterations)`` (best of ``repeats``)."""
    best = min(time_training(train_step, iterations, 1)[0] for _ in range(repeats))
    return 1000 * best / iterations


def scaling(quick):
    """ms per iteration vs batch size and vs number of conv filters, reference (fix) and dual
    chain, on random images."""
    rng = np.random.default_rng(1)
    sizes = [1, 10, 30, 100, 300, 1000]
    filters = [3, 8, 16, 32, 64]
    if quick:
        sizes, filters = [1, 30, 300], [3, 16, 64]

    def step(train, batch_size, n_filters, **kw):
        x = rng.random((196, batch_size))
        y = np.eye(10)[:, rng.integers(0, 10, batch_size)]
        start = initial_weights(rng, n_filters)
        return lambda n: train([x], [y], start=start, iterations=n, progress=False, **kw)

    repeats = 1 if quick else 3
    out = {"batch_size": {"values": sizes}, "filters": {"values": filters}}
    for label, train, kw in (("reference", train_cnn, {"errata": "fix"}),
                             ("dual", dual_train_cnn, {})):
        out["batch_size"][label] = [per_iteration_ms(step(train, b, 3, **kw), repeats)
                                    for b in sizes]
        out["filters"][label] = [per_iteration_ms(step(train, 30, f, **kw), repeats)
                                 for f in filters]
    return out


def forward_mode_growth(batches, weights):
    """Forward mode on one batch, all 1,510 parameters seeded in chunks of K partials: seconds
    of the whole gradient and of one forward pass carrying K partials, for several K."""
    x, y = as_images(batches[0][0]), batches[1][0]
    total = sum(p.size for p in weights)
    counts, seconds, per_pass = [27, 100, 400, 1510], [], []
    for k in counts:
        def run(n, k=k):
            for _ in range(n):
                forward_mode_gradient(x, y, weights, range(len(weights)), chunk=k)
        seconds.append(time_training(run, 1, 1)[0])
        per_pass.append(seconds[-1] / -(-total // k))  # ceil(total / k) passes
    return {"partials": counts, "seconds": seconds, "seconds_per_pass": per_pass}


def micro(batches, weights):
    """The study's units: one batch of 30 (chain mode) and dLdw_conv of one sample (27 partials)."""
    x, y = as_images(batches[0][0]), batches[1][0]

    def batch(n):
        for _ in range(n):
            dual_forward_backward(x, y, *weights)

    def one_sample(n):
        for _ in range(n):
            forward_mode_gradient(x[..., :1], y[:, :1], weights, [0])

    def reference_batch(n):
        for _ in range(n):
            forward_backward(x, y, *weights, errata="fix")

    return {"dual chain, one batch of 30 (ms)": 1000 * time_training(batch, 50, 3)[1] / 50,
            "reference, one batch of 30 (ms)": 1000 * time_training(reference_batch, 50, 3)[1] / 50,
            "dual forward, dLdw_conv of one sample (ms)":
                1000 * time_training(one_sample, 50, 3)[1] / 50}


def curvature(batches, weights, repeats=5, calls=20):
    """Second derivatives on one batch of 30: the Hessian-vector product by nested dual numbers
    (forward-over-chain, forward-over-forward) beside PyTorch's (double backward, and
    torch.func's jvp of grad, one thread: its fastest here), with each one's gradient.
    -> {name: ms per call (median of ``repeats`` rounds, each timing every method once)}."""
    x, y = as_images(batches[0][0]), batches[1][0]
    rng = np.random.default_rng(1)
    v = tuple(rng.standard_normal(np.shape(p)) for p in weights)
    table = {
        "dual chain gradient": lambda: dual_forward_backward(x, y, *weights),
        "dual HVP, forward-over-chain": lambda: hessian_vector_product(x, y, weights, v),
        "dual HVP, forward-over-forward":
            lambda: hessian_vector_product(x, y, weights, v, mode="forward"),
    }
    if torch_available():
        table.update(torch_curvature(x, y, weights, v))
    times = {name: [] for name in table}
    with torch_threads(1):  # PyTorch's fastest setting for these small operations, here
        for _round in range(repeats):
            for name, call in table.items():
                n = 2 if "forward-over-forward" in name else calls
                start = time.perf_counter()
                for _ in range(n):
                    call()
                times[name].append(1000 * (time.perf_counter() - start) / n)
    return {name: float(np.median(t)) for name, t in times.items()}


def torch_curvature(x, y, weights, v):
    """PyTorch's gradient and HVPs on tensors made once (the conversions from numpy are not
    timed): the loss, then torch.autograd.grad, once more through the gradient's graph for the
    double backward; torch.func.jvp of torch.func.grad."""
    import torch
    import torch.func

    from shared.torch_net import as_torch_batch, torch_leaves, torch_loss
    images, labels = as_torch_batch(x, y)
    leaves, directions = torch_leaves(weights, requires_grad=True), torch_leaves(v)
    plain = tuple(leaf.detach() for leaf in leaves)

    def gradient():
        return torch.autograd.grad(torch_loss(images, labels, *leaves), leaves)

    def double_backward():
        g = torch.autograd.grad(torch_loss(images, labels, *leaves), leaves, create_graph=True)
        return torch.autograd.grad(g, leaves, grad_outputs=directions)

    grad = torch.func.grad(lambda *p: torch_loss(images, labels, *p), argnums=(0, 1, 2, 3))

    def jvp_of_grad():
        return torch.func.jvp(grad, plain, tuple(directions))

    return {"PyTorch gradient": gradient, "PyTorch HVP, double backward": double_backward,
            "PyTorch HVP, jvp of grad": jvp_of_grad}


def format_curvature(timings):
    torch_hvp = timings.get("PyTorch HVP, double backward")
    header = f"{'one batch of 30':34s} {'ms':>8s} {'x PyTorch HVP':>14s}"
    lines = [header, "-" * len(header)]
    for name, ms in timings.items():
        ratio = f"{ms / torch_hvp:14.2f}" if torch_hvp else f"{'':14s}"
        lines.append(f"{name:34s} {ms:8.3f} {ratio}")
    return "\n".join(lines)




def peak_memory_mb(variant, iterations):
    """Peak RSS (MB) of ``scripts/main_cnn.py`` in a child process: the kernel's high-water mark
    (VmHWM) read by the child itself at its end (speed/peak_rss.py; Linux only, None elsewhere
    or on failure)."""
    if not Path("/proc/self/status").exists():
        return None
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "speed" / "peak_rss.py"),
                   str(ROOT / "scripts" / "main_cnn.py"), "--variant", variant, "--quiet",
                   "--out-dir", out, "--data-dir", str(ROOT / "data")]
        if iterations is not None:
            command += ["--iterations", str(iterations)]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or "peak_rss_kb=" not in done.stderr:
        return None
    return int(done.stderr.split("peak_rss_kb=")[1].split()[0]) / 1024


def blas_name():
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()


def format_table(results):
    header = (f"{'method':32s} {'seconds':>9s} {'min':>8s} {'max':>8s} {'ms/iter':>8s} "
              f"{'x ref':>7s} {'x torch':>8s}")
    lines = [header, "-" * len(header)]
    for name, r in results.items():
        torch_ratio = "-" if r["x_pytorch"] is None else f"{r['x_pytorch']:.2f}"
        mark = " *" if r["extrapolated"] else ""
        lines.append(f"{name:32s} {r['seconds']:9.2f} {r['min']:8.2f} {r['max']:8.2f} "
                     f"{r['ms_per_iteration']:8.3f} {r['x_reference']:7.2f} {torch_ratio:>8s}{mark}")
    lines.append("* extrapolated to 10,000 iterations from a shorter run")
    lines.append(f"({NUMPY_FLOOR}: the reference's iteration, errata fixed, without its "
                 "structure; not a port)")
    return "\n".join(lines)


def plot_scaling(path, data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.8), layout="constrained")
    for ax, key, label in zip(fig.subplots(1, 2), ("batch_size", "filters"),
                              ("batch size", "conv filters (batch of 30)")):
        values = data[key]["values"]
        for name in ("reference", "dual"):
            ax.loglog(values, data[key][name], "o-", label=name)
        ideal = np.array(values, dtype=float)
        first = data[key]["reference"][0]
        ax.loglog(values, first * ideal / ideal[0], ":", color="gray", label="linear")
        ax.set_xticks(values, [str(v) for v in values])
        ax.minorticks_off()
        ax.set_xlabel(label)
        ax.set_ylabel("ms per iteration")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)


def parse_args(argv):

    parser = ArgumentParser(prog="benchmark.py", description=__doc__.split("\n\n")[0] + " "
                            + __doc__.split("\n\n")[2].replace("\n", " "))
    parser.add_argument("--quick", action="store_true",
                        help="short runs, all extrapolated (under 30 s)")
    parser.add_argument("--repeats", type=count(MAX_REPEATS, "each round takes minutes"),
                        default=3,
                        help="rounds of timings, each running every method once (slow methods: the "
                             "first round only); the median is reported (default: 3; at most "
                             f"{MAX_REPEATS}: each round takes minutes)")
    parser.add_argument("--out-dir", type=path, default=ROOT / "benchmarks",
                        help="where results.json and scaling.png go (default: benchmarks/)")
    parser.add_argument("--data-dir", type=path, default=ROOT / "data",
                        help="where the MNIST files are (random images without them)")
    parser.add_argument("--baseline", type=path, default=None, metavar="DIR",
                        help="another checkout of the project (e.g. a git worktree of an "
                             "earlier commit) whose reference and dual twin are timed beside "
                             "this one's, every model, each in its own process: a before/after "
                             "table")
    parser.add_argument("--curvature", action="store_true",
                        help="only time the second derivatives (Hessian-vector products beside "
                             "PyTorch's, in under a minute) and print their table")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the peak-memory runs of main_cnn.py")
    return parser.parse_args(argv)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


def _run(args):

    check_out_dir(args.out_dir)  # before minutes of timing; and the data (absent or readable)
    if args.baseline is not None and not (args.baseline / "reference" / "train_cnn.py").is_file():
        raise CnnDualError(f"{args.baseline}: not a checkout of this project (no reference/train_cnn.py)")
    batches, source = training_data(args.data_dir, 30)
    keep_freed_memory()  # (speed.memory) for every method alike, PyTorch included
    weights = tuple(initial_weights(0).values())  # (w_conv, b_conv, w_fc, b_fc)
    if args.curvature:
        print(format_curvature(curvature(batches, weights, args.repeats)))
        return 0
    repeats = 1 if args.quick else args.repeats
    print("timing the schedule ...", file=sys.stderr)
    results = run_timings(batches, weights, args.quick, repeats)
    print("every model, by threads and load ...", file=sys.stderr)
    models = time_models(batches, args.quick, repeats, progress=lambda line: print(
        line, file=sys.stderr))
    print("scaling ...", file=sys.stderr)
    scale = scaling(args.quick)
    report = {
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "numpy": np.__version__,
                    "blas": blas_name()},
        "schedule": {"iterations": SCHEDULE, "batch_size": 30, "dtype": "float64",
                     "data": source, "quick": args.quick},
        "training": results,
        "models_ms_per_iteration": models,
        "micro": micro(batches, weights),
        "curvature_ms": curvature(batches, weights, 1 if args.quick else 5),
        "forward_mode_growth": forward_mode_growth(batches, weights),
        "layers_us_per_iteration": layer_times(batches, weights, 100 if args.quick else 2000),
        "scaling_ms_per_iteration": scale,
    }
    print("speed tricks ...", file=sys.stderr)
    report["speed_tricks"] = speed_tricks(args.baseline, 200 if args.quick else 2000,
                                          1 if args.quick else max(repeats, 5))
    if not args.no_memory:  # the peak does not grow with the iterations: a short schedule
        iterations = 100 if args.quick else 500
        report["peak_rss_mb"] = {v: peak_memory_mb(v, iterations) for v in ("reference", "dual")}
        report["peak_rss_iterations"] = iterations
    if torch_available():
        import torch
        report["machine"]["torch"] = torch.__version__

    print(format_table(results))
    print()
    print(format_model_tables(models))
    print()
    print(format_layer_table(report["layers_us_per_iteration"],
                             results[NUMPY_FLOOR]["ms_per_iteration"]))
    print()
    print(format_tricks(report["speed_tricks"]))
    print()
    if args.baseline is not None:
        print(format_before_after(report["speed_tricks"], args.baseline))
        print()
    print(format_curvature(report["curvature_ms"]))
    print()
    for name, value in report["micro"].items():
        print(f"{name}: {value:.3f}")
    growth = report["forward_mode_growth"]
    print("forward mode, one batch, all 1,510 partials in chunks of K: seconds (per pass) " + ", ".join(
        f"K={k}: {s:.3f} ({p:.4f})" for k, s, p in
        zip(growth["partials"], growth["seconds"], growth["seconds_per_pass"])))
    if "peak_rss_mb" in report:
        print("peak RSS of main_cnn.py (MB): " + ", ".join(
            f"{k}: {v:.0f}" if v is not None else f"{k}: failed"
            for k, v in report["peak_rss_mb"].items()))
    def write_results(path):
        with atomic_write(path, mode="w") as f:
            json.dump(report, f, indent=2)

    write_output_set(args.out_dir, {"results.json": write_results,
                                    "scaling.png": lambda path: plot_scaling(path, scale)})
    print(f"wrote {args.out_dir / 'results.json'} and {args.out_dir / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
