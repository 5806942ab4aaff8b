"""The MNIST data of the original program: reading and checking mnist_train/test.mat.

MATLAB: the `load` calls at the top of main_cnn.m. Images are 196 x N (one 14x14 image per
column, column-major), labels 1 x N (digits 0..9). Nothing is rescaled here: main_cnn divides
the images by 255 itself.
"""

import os
import stat
from pathlib import Path

import numpy as np
import scipy.io

from shared.errors import DataError, MissingDataError

GET_DATA = Path(__file__).resolve().parents[1] / "scripts" / "get_data.py"

N_PIXELS = 196  # 14 x 14
N_CLASSES = 10

# split -> (file name, image variable, label variable)
SPLITS = {
    "train": ("mnist_train.mat", "im_train", "label_train"),
    "test": ("mnist_test.mat", "im_test", "label_test"),
}


def format_shape(shape):
    """MATLAB-style shape text: (196, 12000) -> '196x12000'."""
    return "x".join(str(n) for n in shape) if shape else "scalar"


def read_mat(path, error=DataError, missing_hint=None, missing_error=None):
    """All user variables of a .mat file, as `scipy.io.loadmat` returns them.

    Raises `error` (one line naming the file) when it cannot be read (`open_regular_file`: not
    a regular file, no permission) or scipy cannot read it as a MATLAB file, and
    `missing_error` (default: `error`) when the file is missing, with `missing_hint` appended.
    """
    path = Path(path)
    with open_regular_file(path, "a MATLAB .mat file", error, missing_hint, missing_error) as f:
        try:
            contents = scipy.io.loadmat(f)
        # scipy reports a damaged file with many exception types (ValueError, OSError,
        # IndexError, MatReadError, NotImplementedError for v7.3 files...): any of them means
        # "cannot read it".
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise error(f"{path}: not a readable MATLAB .mat file ({reason})") from None
    return {name: value for name, value in contents.items() if not name.startswith("__")}


_FILE_KINDS = (  # what a path that is not a regular file is, in words
    (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular_file(path, what, error=DataError, missing_hint=None, missing_error=None):
    """``path`` opened for reading (binary), or `error` (one line naming it) when it is not a
    regular file, checked before it is opened: a FIFO would block the run forever, a device such
    as /dev/zero never end. ``what`` names what it should be ("a MATLAB .mat file"). Missing:
    `missing_error` (default `error`), with `missing_hint` appended. No permission: "permission
    denied"."""
    path = Path(path)

    def fail(exc):
        if isinstance(exc, FileNotFoundError):
            hint = f"; {missing_hint}" if missing_hint else ""
            return (missing_error or error)(f"{path}: file not found{hint}")
        if isinstance(exc, PermissionError):
            return error(f"{path}: permission denied")
        return error(f"{path}: cannot read it ({exc.strerror or exc})")

    try:
        _check_regular(path, os.stat(path), what, error)
        # O_NONBLOCK: should a FIFO have replaced the file since, its open does not wait for a
        # writer; fstat then refuses it as stat did
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise fail(exc) from None
    try:
        _check_regular(path, os.fstat(fd), what, error)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(path, info, what, error):
    """`error` unless ``info`` (an os.stat result of ``path``) is a regular file's."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "not a file")
        raise error(f"{path}: is {kind}, not {what}")


def require_variables(path, contents, names, error=DataError):
    """Raise `error` naming the variables of `names` missing from `contents`, and what it has."""
    missing = [name for name in names if name not in contents]
    if missing:
        have = ", ".join(sorted(contents)) or "no variables"
        raise error(f"{path}: missing variable {', '.join(missing)} (the file has: {have})")


def numeric_array(path, name, value, error=DataError):
    """`value` as a real numeric ndarray, or `error` saying it is something else."""
    if not isinstance(value, np.ndarray) or not (
        np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)
    ):
        kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
        raise error(f"{path}: {name} must be a real numeric array, got {kind}")
    return value


def load_split(path, split):
    """One split's images and labels from its .mat file.

    split: "train" (variables im_train, label_train) or "test" (im_test, label_test).
    Returns im (196, N) float64, values 0..255 (not divided by 255), and
    label (1, N) int64, digits 0..9. A label column (N, 1) is accepted and returned as a row.
    Raises DataError (one line naming the file and the problem) for anything else;
    MissingDataError, a DataError, when the file is absent.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = Path(path)
    file_name, im_name, label_name = SPLITS[split]
    hint = (
        f"run `python {_from_cwd(GET_DATA)} --data-dir {path.parent}` "
        f"or copy {file_name} into {path.parent}"
    )
    contents = read_mat(path, DataError, hint, MissingDataError)
    require_variables(path, contents, (im_name, label_name))
    im = _check_images(path, im_name, contents[im_name])
    label = _check_labels(path, label_name, contents[label_name])
    if im.shape[1] != label.shape[1]:
        raise DataError(
            f"{path}: {im_name} has {im.shape[1]} images "
            f"but {label_name} has {label.shape[1]} labels"
        )
    return im, label


def load_mnist(data_dir):
    """The original data from `data_dir`/mnist_train.mat and `data_dir`/mnist_test.mat.

    Returns im_train (196, N_train) float64 0..255, label_train (1, N_train) int64 0..9,
    im_test (196, N_test), label_test (1, N_test). Raises DataError on any problem.
    """
    data_dir = Path(data_dir)
    im_train, label_train = load_split(data_dir / SPLITS["train"][0], "train")
    im_test, label_test = load_split(data_dir / SPLITS["test"][0], "test")
    return im_train, label_train, im_test, label_test


def _check_images(path, name, im):
    """im (196, N), any real numeric type, finite, 0..255 -> float64 (196, N)."""
    im = numeric_array(path, name, im)
    if im.ndim != 2 or im.shape[0] != N_PIXELS:
        raise DataError(
            f"{path}: {name} must be {N_PIXELS}xN (one 14x14 image per column), "
            f"got {format_shape(im.shape)}"
        )
    if im.shape[1] == 0:
        raise DataError(f"{path}: {name} holds no images ({format_shape(im.shape)})")
    im = im.astype(np.float64)
    bad = ~np.isfinite(im)
    if bad.any():
        row, col = np.argwhere(bad)[0] + 1  # 1-based, as MATLAB would index it
        raise DataError(f"{path}: {name} has NaN or inf values (first at row {row}, column {col})")
    if im.min() < 0 or im.max() > 255:
        raise DataError(
            f"{path}: {name} has values outside 0..255 (min {im.min():g}, max {im.max():g})"
        )
    # Images already divided by 255 would be divided again (main_cnn does it) and the run would
    # learn almost nothing. The original's pixels are whole numbers 0..255; values within 0..1
    # that are not all whole numbers can only be such a rescaled copy (a 0/1 mask is accepted).
    if im.max() <= 1 and np.any(im != np.round(im)):
        raise DataError(
            f"{path}: {name} looks already divided by 255 (values 0..1, max {im.max():g}); "
            f"give the pixels as the original does, whole numbers 0..255 "
            f"(as {name} in {file_name_of(name)}): they are divided by 255 here"
        )
    return im


def file_name_of(variable):
    """The original file that holds `variable`: im_train -> mnist_train.mat."""
    for file_name, *names in SPLITS.values():
        if variable in names:
            return file_name
    return "the original .mat files"


def _from_cwd(path):
    """`path` as a user in the current directory can type it: relative to the project when
    that is the current directory (scripts/get_data.py), absolute anywhere else."""
    path = Path(path)
    try:
        if Path.cwd() == GET_DATA.parents[1]:
            return path.relative_to(Path.cwd())
    except (ValueError, OSError):  # elsewhere; or the current directory was removed
        pass
    return path


def _check_labels(path, name, label):
    """label (1, N) or (N, 1), integers 0..9 -> int64 (1, N)."""
    label = numeric_array(path, name, label)
    if label.ndim != 2 or 1 not in label.shape:
        raise DataError(f"{path}: {name} must be 1xN or Nx1, got {format_shape(label.shape)}")
    label = label.reshape(1, -1).astype(np.float64)
    valid = np.isfinite(label) & (label == np.round(label)) & (label >= 0) & (label < N_CLASSES)
    if not valid.all():
        col = np.argmin(valid[0])
        raise DataError(
            f"{path}: {name} must hold integers 0..{N_CLASSES - 1}, "
            f"found {label[0, col]:g} at column {col + 1}"
        )
    return label.astype(np.int64)
