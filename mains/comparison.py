"""The runs of scripts/compare_models.py: each model of the original in each setting, from a
seed, trained and tested as its main_*.m does (``mains.pipeline.train_and_test``), nothing
written. In a module of its own so that worker processes can import it."""

import numpy as np
from threadpoolctl import threadpool_limits

from mains.pipeline import MODELS, PUBLISHED_ACCURACY, RunConfig, model, train_and_test
from shared.data import load_mnist
from shared.metrics import accuracy
from speed.memory import keep_freed_memory

SETTINGS = {  # setting -> (variant, errata)
    "keep": ("reference", "keep"),
    "fix": ("reference", "fix"),
    "dual": ("dual", "fix"),
}


_DATA = {}


def start_worker(data_dir, blas_threads):
    """A worker process's start: the allocator setting the parent opted into (speed/memory.py;
    a spawned process does not inherit it), at most ``blas_threads`` BLAS threads (training
    runs one anyway; testing too would run one per core in every worker: workers x threads
    never exceed the cores), and its copy of the data."""
    keep_freed_memory()
    threadpool_limits(limits=blas_threads, user_api="blas")  # for the life of the worker
    load_data(data_dir)


def blas_threads_per_worker(workers, cores):
    """BLAS threads each of ``workers`` processes may run on ``cores`` cores: at least 1."""
    return max(1, cores // workers)


def longest_first(jobs):
    """The indices of ``jobs`` ((model, setting, seed) triples) in the order to start them: the
    costliest first (the CNN, then the MLP, ...; the dual twin before the reference), so that
    no long run starts last while the other workers idle."""
    def cost(i):
        name, setting, _ = jobs[i][:3]
        return (-MODELS.index(name), setting != "dual")
    return sorted(range(len(jobs)), key=cost)


def load_data(data_dir):
    """A worker's data, loaded once per process (the images divided by 255, as main_*.m does)."""
    im_train, label_train, im_test, label_test = load_mnist(data_dir)
    _DATA["mnist"] = (im_train / 255, label_train, im_test / 255, label_test)


def one_run(name, setting, seed, iterations, batch_size):
    """Train and test main_<name>.m's model in ``setting`` from ``seed`` -> a result dict."""
    im_train, label_train, im_test, label_test = _DATA["mnist"]
    variant, errata = SETTINGS[setting]
    chosen = model(name, variant)
    config = RunConfig(variant=variant, iterations=iterations, batch_size=batch_size,
                       lr=chosen.lr, seed=seed, errata=errata, progress=False,
                       grad_mode="chain" if variant == "dual" else None)
    _, loss, predicted, seconds, diverged = train_and_test(config, chosen, {},
                                                           (im_train, label_train, im_test))
    return {"model": name, "setting": setting, "seed": seed,
            "accuracy": accuracy(predicted, label_test.reshape(-1)),
            "training_seconds": seconds,
            "final_loss": float(loss[-1]) if len(loss) else None,
            "diverged": diverged}


def divergence_notes(runs):
    """A line for each model and setting some of whose runs diverged without stopping (the
    original as written, reproduced; any other divergence stops the comparison)."""
    notes = []
    for name in MODELS:
        for setting in SETTINGS:
            group = [r for r in runs if r["model"] == name and r["setting"] == setting]
            diverged = [r for r in group if r.get("diverged")]
            if diverged:
                notes.append(f"note: {name}, errata {setting}: {len(diverged)} of {len(group)} "
                             f"runs diverged (seed {diverged[0]['seed']}: "
                             f"{diverged[0]['diverged']})")
    return notes


def summarise(runs, seeds):
    """model -> {parameters, published, and per setting: accuracy mean, std, seconds}."""
    table = {}
    for name in MODELS:
        row = {"parameters": model(name, "reference").parameters,
               "published": PUBLISHED_ACCURACY[name], "lr": model(name, "reference").lr}
        for setting in SETTINGS:
            results = [r for r in runs if r["model"] == name and r["setting"] == setting]
            acc = np.array([r["accuracy"] for r in results])
            row[setting] = {
                "accuracy_mean": float(acc.mean()),
                "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                "training_seconds_mean": float(np.mean([r["training_seconds"]
                                                        for r in results])),
                "seeds": len(results),
                "diverged": sum(1 for r in results if r.get("diverged")),
            }
        table[name] = row
    return table
