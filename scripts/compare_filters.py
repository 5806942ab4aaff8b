"""Train the CNN with linear, Volterra and Gaussian filters, several seeds each, and compare.

    python scripts/compare_filters.py [--seeds 5] [--iterations 10000] [--filters ...]

Every run is the original schedule with dual-number gradients (chain mode): the Volterra and
Gaussian filters need no derivative written by hand. Reports test accuracy (mean and standard
deviation over the seeds), training seconds and parameter counts, and writes filters.json and
filters.png (accuracy per seed, and the learned filters as images) into --out-dir.
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

import dual.extensions.network as dual_network
from shared.cli import (ArgumentParser, iterations, path, positive_float, positive_int, run_cli,
                        seeds)
from shared.data import load_mnist
from shared.file_set import atomic_write, check_out_dir, write_json, write_output_set
from shared.metrics import accuracy
from speed.memory import keep_freed_memory

FILTERS = ("linear", "volterra", "gaussian")


def parameter_count(weights, extra):
    """Trainable parameters: every weight, but only the upper triangle of Volterra's w2."""
    count = sum(np.size(v) for v in weights) + sum(np.size(v) for v in extra.values())
    if "w2_conv" in extra:
        n, _, c2 = extra["w2_conv"].shape
        count -= c2 * n * (n - 1) // 2  # entries below the diagonal are not used
    return count


def train_and_test(conv, seed, data, iterations, batch_size, lr):
    """One run: shuffle and start from ``seed``, train, test. Returns a result dict."""
    im_train, label_train, im_test, label_test = data
    rng = np.random.default_rng(seed)
    batches = dual_network.get_mini_batch(im_train, label_train, batch_size, rng=rng)
    start = time.perf_counter()
    params, loss = dual_network.train_cnn(*batches, iterations=iterations, lr=lr, conv=conv,
                                          rng=rng, progress=False)
    seconds = time.perf_counter() - start
    names = list(params)  # TrainCNN's four, then the conv kind's extra parameters
    weights, extra = [params[n] for n in names[:4]], {n: params[n] for n in names[4:]}
    predicted = dual_network.predict(im_test, *weights, conv=conv, conv_extra=extra)
    return {"seed": seed, "accuracy": accuracy(predicted, label_test.reshape(-1)),
            "training_seconds": seconds, "final_loss": float(loss[-1]) if len(loss) else None,
            "parameters": parameter_count(weights, extra), "w_conv": weights[0],
            **{name: value for name, value in extra.items()}}


def summarise(runs):
    """Per filter kind: accuracy mean/std, mean training seconds, parameter count."""
    table = {}
    for conv, results in runs.items():
        acc = np.array([r["accuracy"] for r in results])
        table[conv] = {
            "accuracy_mean": float(acc.mean()),
            "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
            "training_seconds_mean": float(np.mean([r["training_seconds"] for r in results])),
            "parameters": results[0]["parameters"],
            "seeds": len(results),
        }
    if "linear" in table:
        for row in table.values():
            row["time_x_linear"] = row["training_seconds_mean"] / table["linear"]["training_seconds_mean"]
    return table


def format_table(table, iterations):
    lines = [f"| filter | parameters | test accuracy (mean ± std) | training s ({iterations} it.) "
             "| × linear time |", "|---|---|---|---|---|"]
    for conv, row in table.items():
        ratio = f"{row['time_x_linear']:.2f}" if "time_x_linear" in row else "-"
        lines.append(f"| {conv} | {row['parameters']} | {row['accuracy_mean']:.4f} ± "
                     f"{row['accuracy_std']:.4f} ({row['seeds']} seeds) | "
                     f"{row['training_seconds_mean']:.1f} | {ratio} |")
    return "\n".join(lines)


DRAWN = {"linear": "linear: w_conv", "volterra": "volterra: w_conv\n(its linear part)",
         "gaussian": "gaussian: w_conv\n(the centres)"}
"""What a filter kind's w_conv is, as the figure labels it."""


def plot(path, runs):
    """Accuracy per seed (left); the first seed's learned w_conv of each kind as images."""
    from matplotlib.figure import Figure

    kinds = list(runs)
    n_filters = runs[kinds[0]][0]["w_conv"].shape[3]
    fig = Figure(figsize=(4 + 1.6 * n_filters, max(3.2, 1.7 * len(kinds))), layout="constrained")
    grid = fig.add_gridspec(len(kinds), 1 + n_filters, width_ratios=[2.5] + [1] * n_filters)
    ax = fig.add_subplot(grid[:, 0])
    for i, conv in enumerate(kinds):
        values = [r["accuracy"] for r in runs[conv]]
        ax.plot(np.full(len(values), i), values, "o", alpha=0.7)
        ax.plot([i - 0.25, i + 0.25], [np.mean(values)] * 2, "k-")
    ax.set_xticks(range(len(kinds)), kinds)
    ax.set_ylabel("test accuracy")
    ax.set_title("accuracy per seed (line: mean)", fontsize=10)
    for row, conv in enumerate(kinds):
        w = runs[conv][0]["w_conv"]
        for k in range(n_filters):
            image_ax = fig.add_subplot(grid[row, 1 + k])
            image_ax.imshow(w[:, :, 0, k], cmap="gray")
            image_ax.set_xticks([])
            image_ax.set_yticks([])
            if k == 0:
                image_ax.set_ylabel(DRAWN.get(conv, conv), fontsize=9)
            if row == 0:
                image_ax.set_title(f"filter {k + 1}", fontsize=9)
    fig.suptitle(f"the 3x3 filters learned with seed {runs[kinds[0]][0]['seed']} (gray scale: "
                 "each image's own range)", x=0.7, fontsize=9)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)


def parse_args(argv):

    parser = ArgumentParser(prog="compare_filters.py", description=__doc__.split("\n\n")[0]
                            + " " + __doc__.split("\n\n")[2].replace("\n", " "))
    parser.add_argument("--seeds", type=seeds, default=5,
                        help="runs per filter kind, seeds 0..N-1 (default: 5; at most 1,000: "
                             "days already)")
    parser.add_argument("--iterations", type=iterations, default=10000,
                        help="training iterations per run (default: 10000; at most 10,000,000)")
    parser.add_argument("--batch-size", type=positive_int, default=30, help="(default: 30)")
    parser.add_argument("--lr", type=positive_float, default=0.03, help="(default: 0.03)")
    parser.add_argument("--filters", default=",".join(FILTERS),
                        help="comma-separated kinds among linear, volterra, gaussian "
                             "(default: all)")
    parser.add_argument("--data-dir", type=path, default=Path("data"),
                        help="where the MNIST files are (default: data)")
    parser.add_argument("--out-dir", type=path, default=Path("outputs"),
                        help="where filters.json and filters.png go (default: outputs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    args.filters = [f.strip() for f in args.filters.split(",") if f.strip()]
    unknown = [f for f in args.filters if f not in FILTERS]
    if unknown or not args.filters:
        parser.error(f"argument --filters: unknown kind {', '.join(unknown) or '(none given)'}; "
                     f"choose among {', '.join(FILTERS)}")
    repeated = sorted({f for f in args.filters if args.filters.count(f) > 1})
    if repeated:  # each kind's runs are its seeds: a kind twice would count every seed twice
        parser.error(f"argument --filters: {', '.join(repeated)} given more than once "
                     "(use --seeds for more runs of a kind)")
    return args


def main(argv=None):
    return run_cli(_run, parse_args(argv))


def _run(args):

    check_out_dir(args.out_dir)
    keep_freed_memory()  # speed/memory.py, opted into as main_cnn.py does
    im_train, label_train, im_test, label_test = load_mnist(args.data_dir)
    data = (im_train / 255, label_train, im_test / 255, label_test)
    jobs = [(conv, seed) for conv in args.filters for seed in range(args.seeds)]
    runs = {conv: [] for conv in args.filters}
    for conv, seed in tqdm(jobs, disable=args.quiet, desc="runs", unit="run"):
        runs[conv].append(train_and_test(conv, seed, data, args.iterations, args.batch_size,
                                         args.lr))
    table = summarise(runs)
    print(format_table(table, args.iterations))
    report = {
        "iterations": args.iterations, "batch_size": args.batch_size, "lr": args.lr,
        "summary": table,
        "runs": {conv: [{k: v for k, v in r.items()} for r in results]
                 for conv, results in runs.items()},
    }
    write_output_set(args.out_dir, {"filters.json": lambda path: write_json(path, report),
                                    "filters.png": lambda path: plot(path, runs)})
    print(f"wrote {args.out_dir / 'filters.json'} and {args.out_dir / 'filters.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
