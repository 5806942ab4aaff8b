"""What a run leaves behind: the MATLAB-style cnn.mat, JSON summaries and figures.

MATLAB: the end of main_cnn.m (accuracy, row-normalised confusion matrix and its figure,
`save('Outputs/cnn.mat', 'w_conv', 'b_conv', 'w_fc', 'b_fc')`) and the loss plot of TrainCNN.m.
Every file is written atomically: a failed run never leaves a half-written output.
"""

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io
from matplotlib.figure import Figure  # the object-oriented API: no pyplot, no GUI backend

from shared.data import format_shape, numeric_array, read_mat, require_variables
from shared.errors import CnnDualError, Interrupted, OutputError, WeightsError
from shared.validate import class_labels

WEIGHT_NAMES = ("w_conv", "b_conv", "w_fc", "b_fc")


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding="utf-8"):
    """Open a temporary file beside `path` for writing; move it onto `path` only on success.

    mode: "wb" or "w" (text, in `encoding`). On any exception the temporary file is removed
    and an existing `path` is left untouched. An OSError of the file system (a full disk, no
    permission, a directory in the way) becomes an OutputError naming `path`.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "it is a directory")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as a plain open() would
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise OutputError(path, exc.strerror or exc) from None
    try:
        with os.fdopen(fd, mode, encoding=None if mode == "wb" else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(path, exc.strerror or exc) from None
        raise


def cnn_shapes(n_filters=3):
    """The MATLAB shapes of the weights.

    w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), n = n_filters.
    """
    if not isinstance(n_filters, (int, np.integer)) or n_filters < 1:
        raise ValueError(f"n_filters must be a positive integer, got {n_filters!r}")
    return {
        "w_conv": (3, 3, 1, n_filters),
        "b_conv": (n_filters, 1),
        "w_fc": (10, 49 * n_filters),  # 7 x 7 pooled pixels per filter
        "b_fc": (10, 1),
    }


def save_cnn_mat(path, w_conv, b_conv, w_fc, b_fc, **extra):
    """Save the weights as MATLAB's main_cnn does, in a .mat file MATLAB and scipy can read.

    w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), n = w_conv.shape[-1]; vectors
    and a (3,3,n) w_conv are accepted and saved in those shapes. `extra` arrays are saved under
    their own names. Raises WeightsError for a wrong shape.
    """
    given = {"w_conv": w_conv, "b_conv": b_conv, "w_fc": w_fc, "b_fc": b_fc}
    n_filters = np.shape(w_conv)[-1] if np.ndim(w_conv) in (3, 4) else 3
    save_weights_mat(path, cnn_shapes(n_filters), given, **extra)


WEIGHT_LIMIT = 1e6
"""The largest magnitude a loaded weight may have (and the widths gamma_conv 1/WEIGHT_LIMIT ..
WEIGHT_LIMIT). Trained weights are a few units: the original's cnn.mat has none above 4.6, and
training starts from N(0,1) draws. At 1e6 the logits are already ~1e13 (w_fc times 147 pooled
conv outputs, themselves w_conv times pixels, or w2_conv times products of pixels), far past
where the softmax saturates; from ~1e100 on, those products overflow float64 (1.8e308) and the
run computes inf and NaN. A weight beyond the limit is not a network's weight but a file in
another unit, a corrupted one, or a diverged run."""


def extra_shapes(n_filters=3):
    """The MATLAB shapes of the conv kinds' extra weights, as cnn.mat holds them.

    w2_conv (9,9,n): the Volterra filters' quadratic part (n x n for the 3x3x1 patch, n = 9);
    log_gamma_conv and gamma_conv (n,1): the Gaussian filters' widths (n = n_filters).
    """
    patch = 3 * 3 * 1
    return {"w2_conv": (patch, patch, n_filters), "log_gamma_conv": (n_filters, 1),
            "gamma_conv": (n_filters, 1)}


def load_cnn_mat(path, n_filters=3):
    """Weights from a cnn.mat written by MATLAB's main_cnn or by `save_cnn_mat`.

    Returns a dict with w_conv (3,3,1,n), b_conv (n,1), w_fc (10,49n), b_fc (10,1), float64,
    n = n_filters, and the conv kinds' extra weights the file has (`extra_shapes`: w2_conv,
    log_gamma_conv, gamma_conv) likewise, plus any other variables of the file as loadmat gives
    them. Checked as `load_weights_mat` checks (gamma_conv: within 1/WEIGHT_LIMIT..WEIGHT_LIMIT).
    """
    contents = read_mat(path, WeightsError)
    weights = checked_weights(path, contents, cnn_shapes(n_filters))
    known = {**cnn_shapes(n_filters), **extra_shapes(n_filters)}
    present = {name: shape for name, shape in extra_shapes(n_filters).items() if name in contents}
    weights.update(checked_weights(path, contents, present))
    others = {name: value for name, value in contents.items() if name not in known}
    return {**weights, **others}


def load_weights_mat(path, shapes):
    """The weights ``shapes`` names (name -> MATLAB shape) from a .mat file, e.g. main_slp's
    slp.mat (w (10,196), b (10,1)): a dict of float64 arrays in those shapes.

    Shapes that differ only by singleton axes (b (10,) or (1,10)) are accepted; other variables
    of the file are ignored. Raises WeightsError (one line) when the file is missing,
    unreadable, lacks a variable, or a weight is not a real number array of its shape, has NaN
    or inf values, or exceeds WEIGHT_LIMIT in magnitude.
    """
    return checked_weights(path, read_mat(path, WeightsError), shapes)


def checked_weights(path, contents, shapes):
    """contents[name] for every name of ``shapes`` (all required), checked: float64 in its
    MATLAB shape, finite, within the limits (`_check_values`); else WeightsError."""
    require_variables(path, contents, tuple(shapes), WeightsError)
    weights = _check_shapes(path, contents, shapes)
    for name, value in weights.items():
        _check_values(path, name, value)
    return weights


def save_weights_mat(path, shapes, weights, **extra):
    """Save ``weights`` (name -> array) as the MATLAB main_*.m does, in a .mat file MATLAB and
    scipy can read, each in its shape of ``shapes`` (name -> MATLAB shape), in that order, and
    ``extra`` arrays after them under their own names. Raises WeightsError for a missing weight
    or a wrong shape."""
    for name in extra:
        if not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"{name!r} is not a MATLAB variable name (savemat would drop it)")
    require_variables(path, weights, tuple(shapes), WeightsError)
    checked = _check_shapes(path, {k: np.asarray(v) for k, v in weights.items()}, shapes)
    with atomic_write(path) as f:
        scipy.io.savemat(f, {**checked, **extra})


def _check_values(path, name, value):
    """WeightsError unless every value of the weight `name` is finite and within WEIGHT_LIMIT
    (the widths gamma_conv within 1/WEIGHT_LIMIT..WEIGHT_LIMIT, their logs within +-log of it)."""
    bad = ~np.isfinite(value)
    if bad.any():
        raise WeightsError(f"{path}: {name} has NaN or inf values "
                           f"({int(bad.sum())} of {value.size})")
    if name == "gamma_conv":
        if not np.all((value >= 1 / WEIGHT_LIMIT) & (value <= WEIGHT_LIMIT)):
            raise WeightsError(f"{path}: gamma_conv must be positive, {1 / WEIGHT_LIMIT:g} to "
                               f"{WEIGHT_LIMIT:g}, got {np.ravel(value).tolist()}")
    elif name == "log_gamma_conv":
        limit = np.log(WEIGHT_LIMIT)
        if np.abs(value).max() > limit:
            raise WeightsError(f"{path}: log_gamma_conv must be within +-{limit:.1f} (widths "
                               f"{1 / WEIGHT_LIMIT:g} to {WEIGHT_LIMIT:g}), got "
                               f"{np.ravel(value).tolist()}")
    elif np.abs(value).max(initial=0) > WEIGHT_LIMIT:
        raise WeightsError(f"{path}: {name} has values up to {np.abs(value).max():.3g} in "
                           f"magnitude, beyond the limit of {WEIGHT_LIMIT:g} for a weight")


def _check_shapes(path, arrays, shapes):
    """arrays[name] for each name of `shapes` (name -> MATLAB shape) as float64 in that shape,
    or WeightsError naming the variable: not a real numeric array, or another shape."""
    weights = {}
    for name, expected in shapes.items():
        if name not in arrays:
            continue
        value = numeric_array(path, name, arrays[name], WeightsError)
        if _squeezed(value.shape) != _squeezed(expected):
            raise WeightsError(
                f"{path}: {name} must be {format_shape(expected)}, got {format_shape(value.shape)}"
            )
        weights[name] = value.astype(np.float64).reshape(expected)
    return weights


def _squeezed(shape):
    """The shape without its singleton axes: (3,3,1,3) -> (3,3,3)."""
    return tuple(n for n in shape if n != 1)


def write_json(path, obj):
    """Write `obj` as indented JSON; numpy arrays become lists, numpy scalars Python numbers.

    NaN and inf are written as Python's json writes them (NaN, Infinity).
    """
    with atomic_write(path, "w") as f:
        json.dump(obj, f, indent=2, default=_json_default)
        f.write("\n")


def _json_default(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def accuracy(pred, true):
    """Fraction of `pred` equal to `true` (any shapes with the same number of elements)."""
    pred, true = _labels_pair(pred, true)
    return float(np.mean(pred == true))


def confusion_matrix(pred, true, n_classes=10):
    """Row-normalised confusion matrix (n_classes, n_classes), as main_cnn computes it.

    Row i, column j: the fraction of the samples of true class i predicted as class j. Each row
    with samples sums to 1; a class without samples keeps a row of zeros.
    """
    pred, true = _labels_pair(pred, true, n_classes)
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (true, pred), 1)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def _labels_pair(pred, true, n_classes=None):
    """`pred` and `true` flattened to int64 vectors of class labels (whole numbers, below
    `n_classes` when given) of equal length, or ValueError."""
    pred, true = class_labels("pred", pred, n_classes), class_labels("true", true, n_classes)
    if pred.size != true.size:
        raise ValueError(f"pred has {pred.size} labels but true has {true.size}")
    if pred.size == 0:
        raise ValueError("pred and true are empty")
    return pred, true


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


def main_outputs(model):
    """The files a run of main_<model>.py writes into its --out-dir (model: "cnn", "slp_linear",
    "slp" or "mlp"): {"weights": "<model>.mat" (the name main_<model>.m saves), "metrics":
    "<model>_metrics.json", "confusion": "<model>_confusion.png", "loss": "<model>_loss.png"}
    (the loss only when it trained). All named after the model, so that the mains share a
    folder as the original's Outputs/ (cnn.mat beside slp.mat), each run replacing its model's
    files only: a run's metrics never sit beside another model's weights as if they were one
    run's."""
    return {"weights": f"{model}.mat", "metrics": f"{model}_metrics.json",
            "confusion": f"{model}_confusion.png", "loss": f"{model}_loss.png"}


# ---- a run's set of outputs, written all or nothing --------------------------------------------

STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 3600
"""A staging folder lives for the seconds a run takes to write its outputs: one whose process
is gone, or older than an hour, was left by a run killed while writing (SIGKILL, power loss)."""


def check_out_dir(out_dir):
    """Make sure ``out_dir`` can be written (before a long computation), without creating it:
    it, or the nearest of its parents that exists, must be a writable directory."""
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            break
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(0, "not a directory", str(existing))
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        where = "" if existing == out_dir else f" ({existing})"
        raise CnnDualError(f"cannot write to the output directory {out_dir}{where}: "
                           f"{exc.strerror or exc}") from None


def write_output_set(out_dir, writers, names=None):
    """Write a run's outputs into ``out_dir`` all or nothing, and remove stale ones of its set.

    writers: {file name: function(path) writing that file}; names: every file name a run of
    this kind writes (default: those of ``writers``): the ones this run does not write are
    removed, so that no earlier run's file is left beside the new ones (an evaluation-only run
    has no loss.png). Every file is written into a staging folder in ``out_dir`` first; then,
    with Ctrl-C and SIGTERM held back (they take effect when it is done), each earlier file is
    moved aside and the new one moved in (os.replace: atomic for each file). If a move fails,
    the files already moved are moved back. ``out_dir`` is created when needed, and removed
    again when nothing could be written. Stale staging folders of killed runs are removed.

    Raises OutputError, or Interrupted (saying what was left) on Ctrl-C or SIGTERM.
    """
    out_dir = Path(out_dir)
    names = list(writers) if names is None else list(names)
    created = _make_dirs(out_dir)
    staging, committed = None, False
    try:
        for name in names:
            if (out_dir / name).is_dir() and not (out_dir / name).is_symlink():
                raise OutputError(out_dir / name, "it is a directory")
        _remove_stale_staging(out_dir)
        try:
            staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f"{STAGING_PREFIX}{os.getpid()}-"))
        except OSError as exc:
            raise OutputError(out_dir, exc.strerror or exc) from None
        _STAGING_IN_USE.add(staging)
        for name, write in writers.items():
            try:
                write(staging / name)
            except OutputError as exc:  # name the file the user asked for, not the staging one
                raise OutputError(out_dir / name, exc.reason) from None
            except OSError as exc:
                raise OutputError(out_dir / name, exc.strerror or exc) from None
        # one commit at a time in out_dir (another run's files never mixed with these); then
        # a signal held back is raised on leaving, after the commit
        with _out_dir_locked(out_dir), _signals_held():
            _commit(out_dir, staging, list(writers), [n for n in names if n not in writers])
            committed = True
    except BaseException as exc:
        if committed:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, KeyboardInterrupt):
                raise Interrupted(getattr(exc, "how", "interrupted"),
                                  f"after writing {', '.join(writers)} into {out_dir}",
                                  getattr(exc, "exit_code", 130)) from None
            raise
        partial = getattr(exc, "partial", False)  # _commit could not roll back everything
        if staging is not None and not getattr(exc, "keep_staging", False):
            shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(created):  # innermost first; only when left empty
            with contextlib.suppress(OSError):
                directory.rmdir()
        if isinstance(exc, KeyboardInterrupt) and not partial:
            raise Interrupted(getattr(exc, "how", "interrupted"), "nothing was written",
                              getattr(exc, "exit_code", 130)) from None
        raise
    finally:
        _STAGING_IN_USE.discard(staging)
    shutil.rmtree(staging, ignore_errors=True)


LOCK_WAIT_SECONDS = 60
"""How long a run waits for another one's commit into the same folder (``_out_dir_locked``).
A commit is a few renames, milliseconds: a lock held this long belongs to a run that hangs."""


@contextlib.contextmanager
def _out_dir_locked(out_dir):
    """Hold an exclusive lock on the folder ``out_dir`` within: another run committing into it
    waits (LOCK_WAIT_SECONDS at most, then OutputError, nothing written). The lock is
    ``flock`` on the folder itself: no lock file is left in it, and it ends with the process
    whatever ends that. Where there is no flock (Windows) or the file system has no locks (some
    network ones), the commit goes on unlocked, as each file's os.replace is still atomic."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    try:
        fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise OutputError(out_dir, exc.strerror or exc) from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:  # another run is committing: wait for it
                if time.monotonic() > deadline:
                    raise OutputError(out_dir, f"another run has held its lock for over "
                                      f"{LOCK_WAIT_SECONDS} s; nothing was written") from None
                time.sleep(0.05)
            except OSError:  # no locks on this file system
                break
        yield
    finally:
        os.close(fd)  # and with it the lock


def _commit(out_dir, staging, new, stale):
    """Move each earlier file of ``new + stale`` into staging/.previous and each new file from
    staging into ``out_dir``; on failure move everything back, or raise an error saying
    exactly what is left (with ``partial`` set, and ``keep_staging`` when earlier files are
    still in the staging folder)."""
    previous = staging / ".previous"
    previous.mkdir()
    set_aside, moved_in = [], []
    try:
        for name in new + stale:
            if os.path.lexists(out_dir / name):
                os.replace(out_dir / name, previous / name)
                set_aside.append(name)
            if name in new:
                os.replace(staging / name, out_dir / name)
                moved_in.append(name)
    except BaseException as exc:
        left_new, not_restored = [], []  # roll back, last move first
        for name in reversed(list(dict.fromkeys(set_aside + moved_in))):
            try:
                if name in set_aside:  # the earlier file replaces the new one, if any
                    os.replace(previous / name, out_dir / name)
                else:  # a new file where there was none
                    os.unlink(out_dir / name)
            except OSError:
                (not_restored if name in set_aside else left_new).append(name)
        left_new += [name for name in not_restored if name in moved_in]
        where = getattr(exc, "filename", None) or out_dir
        reason = getattr(exc, "strerror", None) or str(exc)
        if not left_new and not not_restored:  # rolled back: as if nothing had been tried
            if isinstance(exc, OSError):
                raise OutputError(where, f"{reason}; the earlier outputs were restored, "
                                         "nothing was written") from None
            raise
        parts = []
        if left_new:
            parts.append(f"new: {', '.join(left_new)}")
        if not_restored:
            parts.append(f"the earlier ones kept in {previous}: {', '.join(not_restored)}")
        left = f"partly written in {out_dir}: " + "; ".join(parts)
        if isinstance(exc, KeyboardInterrupt):
            error = Interrupted(getattr(exc, "how", "interrupted"), left,
                                getattr(exc, "exit_code", 130))
        else:
            error = OutputError(where, f"{reason}; {left}")
        error.partial = True
        error.keep_staging = bool(not_restored)
        raise error from None


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM back (they take effect on leaving) in the main thread, where
    the platform can (POSIX); elsewhere the commit's roll-back covers an interruption."""
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "pthread_sigmask") or not main:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _make_dirs(directory):
    """Create ``directory`` and its missing parents; return those created, outermost first."""
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    created = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            for done in reversed(created):
                with contextlib.suppress(OSError):
                    done.rmdir()
            raise OutputError(d, exc.strerror or exc) from None
        created.append(d)
    return created


_STAGING_IN_USE = set()
"""The staging folders this process is writing (another thread's write_output_set): not stale."""


def _remove_stale_staging(out_dir):
    """Remove the staging folders in ``out_dir`` left by runs killed while writing."""
    now = time.time()
    for entry in out_dir.glob(f"{STAGING_PREFIX}*"):
        if not entry.is_dir() or entry.is_symlink() or entry in _STAGING_IN_USE:
            continue
        pid = entry.name[len(STAGING_PREFIX):].split("-")[0]
        try:
            old = now - entry.stat().st_mtime > STALE_STAGING_SECONDS
        except OSError:
            continue
        if old or not pid.isdigit() or not _process_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _process_alive(pid):
    """Whether process ``pid`` runs (POSIX; elsewhere os.kill would end it: assume it runs and
    let the folder's age decide)."""
    if os.name != "posix":
        return True
    if pid == os.getpid():
        return False  # this process is not writing: its earlier staging folders are stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists (another user's); or we cannot tell
        return True
    return True
