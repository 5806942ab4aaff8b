"""scripts/benchmark.py's table per model: each of the four models of the original, trained on
real batches (float64, training only), by the reference (errata fixed), the dual twin in chain
and in forward mode, the numpy floor (speed/fused_numpy.py) and PyTorch eager (when
installed), under four conditions: BLAS with its default threads or pinned to one (as every
train_* runs since shared.training.one_blas_thread), each on a quiet machine and with another
process busy (speed/busy.py). Within a condition the methods run in rounds, so that a change in
the host's load touches them alike; the figure is the median ms per iteration."""

import contextlib
import inspect
import time
from unittest import mock

import numpy as np

import dual.train_cnn
import reference.train_cnn
import shared.training
from mains.comparison import MODELS
from mains.pipeline import PERCEPTRON_TRAINING, PERCEPTRONS
from shared.torch_net import torch_available, torch_threads, torch_train, torch_train_perceptron
from speed.busy import another_process_busy
from speed.fused_numpy import FUSED

CONDITIONS = ("default threads", "1 thread", "busy, default threads", "busy, 1 thread")
REFERENCE = "reference (fix)"
ITERATIONS = {  # method -> model -> iterations timed (quick: a tenth, at least 1)
    REFERENCE: dict(slp_linear=2000, slp=2000, mlp=2000, cnn=500),
    "dual, chain": dict(slp_linear=1000, slp=1000, mlp=1000, cnn=250),
    "dual, forward": dict(slp_linear=5, slp=5, mlp=1, cnn=2),
    "numpy floor": dict(slp_linear=2000, slp=2000, mlp=2000, cnn=500),
    "PyTorch eager": dict(slp_linear=1000, slp=1000, mlp=1000, cnn=250),
}


TRAIN = {  # model -> (the reference's train_*, the dual twin's)
    **{name: (PERCEPTRON_TRAINING["reference"][name], PERCEPTRON_TRAINING["dual"][name])
       for name in PERCEPTRONS},
    "cnn": (reference.train_cnn.train_cnn, dual.train_cnn.train_cnn),
}


def methods(model, batches):
    """method -> train(iterations) for ``model`` on ``batches`` (mini_batch_x, mini_batch_y),
    every method from the same starting parameters (the Train*.m's draw from seed 0)."""
    bx, by = batches
    reference, twin = TRAIN[model]
    common = dict(errata="fix", rng=np.random.default_rng(0), progress=False)
    start = reference(bx, by, iterations=0, **common).params
    defaults = inspect.signature(reference).parameters
    lr, decay = defaults["lr"].default, defaults["decay"].default

    def run(train, **kwargs):
        return lambda n: train(bx, by, iterations=n, start=start, errata="fix",
                               progress=False, **kwargs)

    table = {
        REFERENCE: run(reference),
        "dual, chain": run(twin, mode="chain"),
        "dual, forward": run(twin, mode="forward"),
        "numpy floor": run(reference, forward_backward=FUSED[model]),
    }
    if torch_available():
        if model == "cnn":
            table["PyTorch eager"] = lambda n: torch_train(bx, by, *start.values(),
                                                           iterations=n, lr=lr)
        else:
            table["PyTorch eager"] = lambda n: torch_train_perceptron(
                model, bx, by, list(start.values()), iterations=n, lr=lr, decay=decay)
    return table


@contextlib.contextmanager
def condition(name):
    """Within: the threads and the load of condition ``name`` (one of CONDITIONS)."""
    with contextlib.ExitStack() as stack:
        if name.startswith("busy"):
            stack.enter_context(another_process_busy())
        if name.endswith("default threads"):  # train_* as before it pinned BLAS to one thread
            stack.enter_context(mock.patch.object(shared.training, "one_blas_thread",
                                                  contextlib.nullcontext))
        else:
            stack.enter_context(torch_threads(1))
        yield


def time_models(batches, quick=False, repeats=3, models=MODELS, progress=print):
    """model -> condition -> method -> median ms per iteration over ``repeats`` rounds."""
    results = {}
    for model in models:
        table = methods(model, batches)
        results[model] = {}
        for name in CONDITIONS:
            progress(f"  {model}, {name} ...")
            times = {method: [] for method in table}
            with condition(name):
                for _ in range(repeats):
                    for method, train in table.items():
                        n = ITERATIONS[method][model]
                        n = max(1, n // 10) if quick else n
                        start = time.perf_counter()
                        train(n)
                        times[method].append(1000 * (time.perf_counter() - start) / n)
            results[model][name] = {method: float(np.median(t)) for method, t in times.items()}
    return results


def format_model_tables(results):
    """A table per model: ms per iteration under each condition, and x the reference there."""
    lines = []
    for model, by_condition in results.items():
        header = f"{model}: ms/iter (x reference)" + "".join(f"{c:>24s}" for c in by_condition)
        lines += [header, "-" * len(header)]
        for method in next(iter(by_condition.values())):
            cells = []
            for timings in by_condition.values():
                ms, ratio = timings[method], timings[method] / timings[REFERENCE]
                cells.append(f"{ms:12.3f} ({ratio:7.2f})")
            lines.append(f"{method:{len(header) - 24 * len(by_condition)}s}" + "".join(
                f"{c:>24s}" for c in cells))
        one = by_condition["1 thread"]
        notes = [f"x numpy floor {one[REFERENCE] / one['numpy floor']:.2f}"]
        if "PyTorch eager" in one:
            notes.append(f"x PyTorch eager {one[REFERENCE] / one['PyTorch eager']:.2f}")
        lines += [f"(the reference, 1 thread: {', '.join(notes)})", ""]
    return "\n".join(lines).rstrip()
