"""A run's figures: the loss curve (TrainCNN.m's plot) and the confusion matrix (main_cnn.m's),
as PNG files written atomically."""

import numpy as np
from matplotlib.figure import Figure  # the object-oriented API: no pyplot, no GUI backend

from shared.data import format_shape
from shared.file_set import atomic_write


def plot_loss(path, loss, title="Training loss"):
    """PNG of the loss per iteration, loss (n_iterations,), with a moving average when long."""
    loss = np.asarray(loss, dtype=np.float64).ravel()
    if loss.size == 0:
        raise ValueError("loss is empty")
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    iterations = np.arange(1, loss.size + 1)
    ax.plot(iterations, loss, lw=0.5, alpha=0.5, label="per iteration")
    window = loss.size // 100
    if window >= 5:
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(iterations[window - 1 :], smooth, lw=1.5, label=f"mean of {window}")
        ax.legend()
    ax.set(title=title, xlabel="iteration", ylabel="loss")
    _save_png(fig, path)


def plot_confusion(path, confusion, accuracy, title="Confusion matrix"):
    """PNG of the row-normalised confusion (10, 10), as main_cnn's figure: 'Accuracy: %f' below."""
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion must be a square matrix, got {format_shape(confusion.shape)}")
    digits = np.arange(confusion.shape[0])
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    image = ax.imshow(confusion, vmin=0, vmax=1, cmap="viridis")
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    ax.set_xticks(digits, labels=[str(d) for d in digits])
    ax.set_yticks(digits, labels=[str(d) for d in digits])
    ax.set(
        title=f"{title} (columns: predicted digit)",
        xlabel=f"Accuracy: {accuracy:f}",  # MATLAB: xlabel(sprintf('Accuracy: %f', accuracy))
        ylabel="true digit",
    )
    _save_png(fig, path)


def _save_png(fig, path):
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100, bbox_inches="tight")
