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

SOURCE_URL = (
    "https://raw.githubusercontent.com/adityagaydhani/"
    "CSCI-5561-CNN-implementation-from-scratch/master/"
)
CHECKSUMS = {  # SHA-256 of the original files
    "mnist_train.mat": "5994ed5a95f8b6a93c6e3d936d9c0b10f64b9b8c9845e06679aecc06b822e4f0",
    "mnist_test.mat": "d2c5f71782bff57ef5f615615d0dc9e7e31b3fa5d019252a0dd4f56e4c25a938",
}
PUBLISHED_WEIGHTS = {  # file name here -> (its path in the original repository, SHA-256)
    "original_slp_linear.mat": (
        "Outputs/slp_linear.mat", "80083c620883b7f6161dc34e70cdf6e6928c365dc0688e381b3eaf8ffe56b552"),
    "original_slp.mat": (
        "Outputs/slp.mat", "aa0fe6978726886d29e4745f704cc7f1a538f6aed360a1d21acea63f10e84a86"),
    "original_mlp.mat": (
        "Outputs/mlp.mat", "a7917f354a34a7834cc90d8f98c7727c567ed9e86b3ed52f205d2652606f185d"),
}
"""The perceptrons' weights as the original repository published them (its Outputs/ folder):
main_slp_linear, main_slp and main_mlp evaluate them to the accuracies printed on its figures."""

MATLAB_DIR = "matlab"
MATLAB_FILES = {  # the original's .m files, at its repository's root -> SHA-256
    "Conv.m": "f8d7fec49a4a964c36da18567ebcd9196506ed3602f71d067926222607dec1db",
    "Conv_backward.m": "ed84870dd5472cf26be6a1d7e979b54a4decab2da329d7ff5aff8c653608a91d",
    "FC.m": "8d7471b7d514aac83436c96c342935093339976b625ae7b8349774343dd90316",
    "FC_backward.m": "be86f78fbf51c8f088c78af1a3f18f7d61bbfb182fb018df48ad8a3df327ea38",
    "Flattening.m": "407360bc03bc26dc31629398268c32030f449d9ad4431908d5b130b4a899c578",
    "Flattening_backward.m": "20c9d44a5d6588aede5e6b35902206f0144945c57e6679307f24cd6297a25138",
    "GetMiniBatch.m": "bef2c80d65bc86078d8ace72687ba5eb5d2001a82c11214e4bc81c48a4369bb9",
    "Loss_cross_entropy_softmax.m": "ba1c0b96bb9d4f4c29af772c04c27537fd868e122c13139839b9b502ca36e9dc",
    "Loss_euclidean.m": "febeee9a56b69cca78fe863d3408cf5189064049144f2e6acb98ff7c54ab54f1",
    "Pool2x2.m": "39ba7eae9d3d7b05177fb66fea71d1158410f558731db734abfb62526a7d0058",
    "Pool2x2_backward.m": "c9a498c13219d0300bf9f369d75d8b5e80231fab825e8f142e7fea1587654aca",
    "ReLu.m": "4e15b58862a26688be26203ca4d623286c1ac0ac01a3c78368803b20219d69dd",
    "ReLu_backward.m": "60857e5099d3be0d5908f1cdf741ff61a00636788da6d72dac3518e3b696d586",
    "SoftMax.m": "a718ad2d87cbc4c2d93d243280deaedaba1d03abd01ec84f3793680374363dd7",
    "TrainCNN.m": "8b410cfe0ac82c14933226940f237405149726351be5d84800cb0581654172fc",
    "TrainMLP.m": "5197196923ee0f6763d897da484e77c508e3f4ae5079fdf7183410bccb29fd48",
    "TrainSLP.m": "5259d6eb49147e9e78967659fea43c9e58b154726736be2c3d7efe77bb1fe88d",
    "TrainSLP_linear.m": "d04b2e658ae5878a1592acb2b5d49ff129856662a7c800fe7fe4562316cf981c",
    "main_cnn.m": "fd83fbc99fe7c44b245045e9d8202d8343cb9555bf7aa3f3955ad1246e96a6ed",
    "main_mlp.m": "b2e9e2f616ece3cb06c59a7beebd86b2f062aba09b7667d5cb8cc6d1ea1e322b",
    "main_slp.m": "d081004b64e20c9c61787d676987bc31ecb0ec4f32bf8f8e15fddaecc066b358",
    "main_slp_linear.m": "71fdd83dec768c67ab1b28fb55abf8f5de88ede8bd7fbca0af25f8353a094bf9",
}
"""The original MATLAB code, for ``get_data.py --matlab`` (into data/matlab/: never committed,
the repository has no licence), which the checker and make_golden.py run in Octave."""


MATHJAX = "mathjax-3.2.2.tgz"
DOCS_FILES = {  # file name here -> (its URL, SHA-256)
    MATHJAX: ("https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz",
              "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"),
}
"""What ``make docs`` needs beyond Python packages, for ``get_data.py --mathjax``: MathJax 3.2.2
(Apache-2.0) as npm publishes it; the site serves its ``es5/tex-svg.js`` itself, so that its
math renders with no network and no web fonts (SVG output)."""


def url(name):
    """Where get_data.py downloads data file ``name`` from (see source)."""
    if name in DOCS_FILES:
        return DOCS_FILES[name][0]
    return SOURCE_URL + source(name)[0]


def source(name):
    """(the path of data file ``name`` in the original repository, its SHA-256): a key of
    CHECKSUMS (the MNIST files, at the repository's root), of PUBLISHED_WEIGHTS, or
    ``matlab/<file>.m`` for a file of MATLAB_FILES; for a key of DOCS_FILES, (its URL, SHA-256).
    """
    if name in DOCS_FILES:
        return DOCS_FILES[name]
    if name in PUBLISHED_WEIGHTS:
        return PUBLISHED_WEIGHTS[name]
    folder, _, file = name.rpartition("/")
    if folder == MATLAB_DIR:
        return file, MATLAB_FILES[file]
    return name, CHECKSUMS[name]


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
