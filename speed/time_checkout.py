"""Time one checkout's training in a fresh process: scripts/benchmark.py's speed tricks.

    python speed/time_checkout.py ROOT ALLOCATOR ITERATIONS VARIANT [MODEL]

ROOT: a checkout of the project (this one, or another such as a git worktree of an earlier
commit), whose ``VARIANT``.train_MODEL (VARIANT reference, or dual in chain mode; MODEL cnn,
the default, slp_linear, slp or mlp) trains ITERATIONS iterations on 20 random batches of 30
(a fifth of the pixels lit) from the Train*.m's draw of seed 0, errata fixed, with freed
memory kept (ALLOCATOR "kept": speed/memory.py) or the default allocator ("default"). Prints
the seconds. A setting of the allocator lasts a process's life: hence a process each.
"""

import sys


def main(argv):
    root, allocator, iterations, variant = argv[0], argv[1], int(argv[2]), argv[3]
    model = argv[4] if len(argv) > 4 else "cnn"
    sys.path[0] = root  # that checkout's code, not this folder's
    import importlib
    import time

    import numpy as np

    if allocator == "kept":
        importlib.import_module("speed.memory").keep_freed_memory()
    rng = np.random.default_rng(0)
    bx = [rng.random((196, 30)) * (rng.random((196, 30)) < 0.2) for _ in range(20)]  # sparse, as MNIST
    by = [np.eye(10)[:, rng.integers(0, 10, 30)] for _ in range(20)]
    reference = importlib.import_module(f"reference.train_{model}")
    if model == "cnn":
        start = reference.initial_weights(0)
        if not isinstance(start, dict):  # a checkout from before it returned the weights by name
            start = dict(zip(("w_conv", "b_conv", "w_fc", "b_fc"), start))
    else:  # the perceptrons' draw, as their train_* makes it
        start = getattr(reference, f"train_{model}")(bx, by, iterations=0, errata="fix",
                                                     rng=np.random.default_rng(0),
                                                     progress=False).params
    train = getattr(importlib.import_module(f"{variant}.train_{model}"), f"train_{model}")
    began = time.perf_counter()
    train(bx, by, start=start, iterations=iterations, errata="fix", progress=False)
    print(time.perf_counter() - began)


if __name__ == "__main__":
    main(sys.argv[1:])
