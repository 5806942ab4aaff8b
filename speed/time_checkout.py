"""Time one checkout's CNN training in a fresh process: scripts/benchmark.py's speed tricks.

    python speed/time_checkout.py ROOT ALLOCATOR ITERATIONS VARIANT

ROOT: a checkout of the project (this one, or another such as a git worktree of an earlier
commit), whose ``VARIANT``.train_cnn (reference, or dual in chain mode) trains ITERATIONS
iterations on 20 random batches of 30 from TrainCNN's draw of seed 0, errata fixed, with
freed memory kept (ALLOCATOR "kept": speed/memory.py) or the default allocator ("default").
Prints the seconds. A setting of the allocator lasts a process's life: hence a process each.
"""

import sys


def main(argv):
    root, allocator, iterations, variant = argv[0], argv[1], int(argv[2]), argv[3]
    sys.path[0] = root  # that checkout's code, not this folder's
    import importlib
    import time

    import numpy as np

    if allocator == "kept":
        importlib.import_module("speed.memory").keep_freed_memory()
    rng = np.random.default_rng(0)
    bx = [rng.random((196, 30)) for _ in range(20)]
    by = [np.eye(10)[:, rng.integers(0, 10, 30)] for _ in range(20)]
    start = importlib.import_module("reference.train_cnn").initial_weights(0)
    if not isinstance(start, dict):  # a checkout from before it returned the weights by name
        start = dict(zip(("w_conv", "b_conv", "w_fc", "b_fc"), start))
    train = importlib.import_module(f"{variant}.train_cnn").train_cnn
    began = time.perf_counter()
    train(bx, by, start=start, iterations=iterations, errata="fix", progress=False)
    print(time.perf_counter() - began)


if __name__ == "__main__":
    main(sys.argv[1:])
