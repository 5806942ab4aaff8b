"""The original repository's results, reproduced: its four models, as written and corrected.

    python scripts/compare_models.py [--seeds 5] [--iterations 10000] [--jobs N]
                                     [--data-dir data] [--out-dir outputs] [--quiet]

Each of the linear SLP, the SLP, the MLP and the CNN is trained with the original schedule
(its main_*.m) in three settings: the reference as written (errata kept: E3 for the
perceptrons, E1 and E2 for the CNN), the reference with the errata fixed, and the dual twin
(chain mode). Reports the test accuracy (mean ± standard deviation over the seeds) beside the
accuracy of the weights the original published, the parameter counts and the training
seconds, and writes models.json and models.png into --out-dir (both or neither). Seeds run in
parallel processes (--jobs, default one per core).
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import os
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from mains.comparison import (MODELS, SETTINGS, blas_threads_per_worker, divergence_notes,
                              load_data, longest_first, one_run, start_worker, summarise)
from mains.pipeline import PUBLISHED_ACCURACY
from shared.cli import ArgumentParser, count, iterations, path, positive_int, run_cli, seeds
from shared.data import load_mnist
from shared.file_set import atomic_write, check_out_dir, write_json, write_output_set
from shared.workers import run_in_processes
from speed.memory import keep_freed_memory

MAX_JOBS = 256
"""The most worker processes --jobs accepts. Each holds its own numpy, scipy and copy of the
data (about 200 MB); beyond the cores they only share them, and beyond the runs they are never
started: a larger number is a typo, which would ask for hundreds of GB."""

LABELS = {"keep": "as written (keep)", "fix": "errata fixed (fix)", "dual": "dual twin"}


def format_table(table, iterations, seeds):
    lines = ["| model | parameters | published | "
             + " | ".join(LABELS.values())
             + f" | training s ({iterations} it.; keep / fix / dual) |",
             "|---|---|---|---|---|---|---|"]
    for name, row in table.items():
        cells = [f"{row[s]['accuracy_mean']:.4f} ± {row[s]['accuracy_std']:.4f}" for s in SETTINGS]
        seconds = " / ".join(f"{row[s]['training_seconds_mean']:.2f}" for s in SETTINGS)
        lines.append(f"| {name} | {row['parameters']:,} | {row['published']:.4f} | "
                     + " | ".join(cells) + f" | {seconds} |")
    lines.append(f"\n(test accuracy, mean ± std over {seeds} seed{'s' * (seeds > 1)})")
    return "\n".join(lines)


def plot(path, runs, table):
    """Accuracy per model and setting (a dot per seed, a bar for the mean); the published
    accuracy of each model marked by a black line across its group."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    width = 0.26
    for j, setting in enumerate(SETTINGS):
        xs = np.arange(len(MODELS)) + (j - 1) * width
        means = [table[name][setting]["accuracy_mean"] for name in MODELS]
        ax.bar(xs, means, width * 0.9, label=LABELS[setting], alpha=0.75)
        for x, name in zip(xs, MODELS):
            values = [r["accuracy"] for r in runs if r["model"] == name and r["setting"] == setting]
            ax.plot(np.full(len(values), x), values, "k.", ms=3)
    for i, name in enumerate(MODELS):
        ax.plot([i - 1.5 * width, i + 1.5 * width], [PUBLISHED_ACCURACY[name]] * 2, "k-", lw=2,
                label="published weights" if i == 0 else None)
    ax.set_xticks(range(len(MODELS)), MODELS)
    ax.set(ylim=(0, 1), ylabel="test accuracy",
           title="The original's four models: as written, errata fixed, dual twin")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)


def parse_args(argv):

    parser = ArgumentParser(prog="compare_models.py", description=" ".join(
        __doc__.split("\n\n", 2)[2].split()))
    parser.add_argument("--seeds", type=seeds, default=5,
                        help="runs per model and setting, seeds 0..N-1 (default: 5; at most "
                             "1,000: 12,000 runs, days already)")
    parser.add_argument("--iterations", type=iterations, default=10000,
                        help="training iterations per run (default: 10000; at most 10,000,000)")
    parser.add_argument("--batch-size", type=positive_int, default=30, help="(default: 30)")
    parser.add_argument("--jobs", default=min(os.cpu_count() or 1, MAX_JOBS),
                        type=count(MAX_JOBS, "a process each, with its own copy of the data"),
                        help="parallel processes (default: one per core; at most "
                             f"{MAX_JOBS}: each holds its own copy of the data)")
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where the MNIST files are (default: data)")
    parser.add_argument("--out-dir", type=path, default=Path("outputs"),
                        help="where models.json and models.png go (default: outputs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    return run_cli(_run, parse_args(argv))


def _run(args):
    check_out_dir(args.out_dir)
    load_mnist(args.data_dir)  # a data problem is one line here, before any worker starts
    jobs = [(name, setting, seed) for name in MODELS for setting in SETTINGS
            for seed in range(args.seeds)]
    keep_freed_memory()  # speed/memory.py, opted into as main_cnn.py does (workers: start_worker)
    progress = {"disable": args.quiet, "desc": "runs", "unit": "run", "total": len(jobs)}
    if args.jobs == 1:  # in this process
        load_data(args.data_dir)
        runs = [one_run(*job, args.iterations, args.batch_size) for job in tqdm(jobs, **progress)]
    else:  # a process per core, each with its copy of the data; ended at once on Ctrl-C
        order = longest_first(jobs)
        threads = blas_threads_per_worker(args.jobs, os.cpu_count() or 1)
        done = run_in_processes(one_run, [(*jobs[i], args.iterations, args.batch_size)
                                          for i in order], args.jobs,
                                initializer=start_worker, initargs=(args.data_dir, threads),
                                progress=progress)
        runs = [run for _, run in sorted(zip(order, done), key=lambda pair: pair[0])]
    table = summarise(runs, args.seeds)
    print(format_table(table, args.iterations, args.seeds))
    for note in divergence_notes(runs):
        print(note)
    report = {"iterations": args.iterations, "batch_size": args.batch_size, "seeds": args.seeds,
              "summary": table, "runs": runs}
    write_output_set(args.out_dir, {"models.json": lambda path: write_json(path, report),
                                    "models.png": lambda path: plot(path, runs, table)})
    print(f"wrote {args.out_dir / 'models.json'} and {args.out_dir / 'models.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
