"""shared/data.py: loading the MNIST .mat files; malformed ones give one-line DataErrors."""

import errno
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from shared.data import load_mnist, load_split
from shared.downloads import CHECKSUMS
from shared.errors import DataError, MissingDataError
from conftest import fifo_at

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
needs_real_data = pytest.mark.skipif(
    not all((DATA_DIR / name).exists() for name in CHECKSUMS),
    reason="the MNIST .mat files are not in data/ (run python scripts/get_data.py)",
)


def write_mat(path, **variables):
    scipy.io.savemat(path, variables)
    return path


def good_split(n=5, seed=0):
    """A valid im_train (196, n) uint8 and label_train (1, n) uint8, as the original files hold."""
    rng = np.random.default_rng(seed)
    im = rng.integers(0, 256, size=(196, n), dtype=np.uint8)
    label = (np.arange(n) % 10).astype(np.uint8).reshape(1, n)
    return im, label


def load_error(path, split="train"):
    """The message of the DataError that load_split raises; checks it is one line."""
    with pytest.raises(DataError) as info:
        load_split(path, split)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


# ---- real data ----------------------------------------------------------------------------


@needs_real_data
def test_real_files_have_the_published_checksums():
    for name, expected in CHECKSUMS.items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == expected


@needs_real_data
def test_load_mnist_real_shapes_types_and_ranges():
    im_train, label_train, im_test, label_test = load_mnist(DATA_DIR)
    assert im_train.shape == (196, 12000) and label_train.shape == (1, 12000)
    assert im_test.shape == (196, 2000) and label_test.shape == (1, 2000)
    assert im_train.dtype == np.float64 and label_train.dtype == np.int64
    assert im_train.max() == 255 and im_train.min() == 0  # not divided by 255 (integers: exact)
    assert set(np.unique(label_train)) == set(range(10))
    assert set(np.unique(label_test)) == set(range(10))


# ---- synthetic files: what is accepted --------------------------------------------------


def test_load_split_returns_float_images_unscaled_and_int_label_row(tmp_path):
    im, label = good_split()
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    got_im, got_label = load_split(path, "train")
    assert got_im.dtype == np.float64 and got_label.dtype == np.int64
    np.testing.assert_array_equal(got_im, im.astype(np.float64))  # integers converted: exact
    np.testing.assert_array_equal(got_label, label.astype(np.int64))


def test_label_column_is_returned_as_row(tmp_path):
    im, label = good_split(n=7)
    path = write_mat(tmp_path / "mnist_test.mat", im_test=im, label_test=label.T.astype(float))
    _, got_label = load_split(path, "test")
    assert got_label.shape == (1, 7)
    np.testing.assert_array_equal(got_label[0], label[0])


def test_load_mnist_reads_both_files(tmp_path):
    im, label = good_split(n=6)
    write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    write_mat(tmp_path / "mnist_test.mat", im_test=im[:, :4], label_test=label[:, :4])
    im_train, label_train, im_test, label_test = load_mnist(tmp_path)
    assert im_train.shape == (196, 6) and label_train.shape == (1, 6)
    assert im_test.shape == (196, 4) and label_test.shape == (1, 4)


def test_unknown_split_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="'valid'"):
        load_split(tmp_path / "x.mat", "valid")


# ---- synthetic files: what is rejected ----------------------------------------------------


def test_missing_file_says_what_to_do(tmp_path):
    message = load_error(tmp_path / "mnist_train.mat")
    assert "not found" in message
    assert "python scripts/get_data.py" in message
    assert f"copy mnist_train.mat into {tmp_path}" in message


def test_load_mnist_names_the_missing_test_file(tmp_path):
    im, label = good_split()
    write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    with pytest.raises(DataError, match="mnist_test.mat: file not found"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("content", [b"", b"this is not a mat file" * 10])
def test_not_a_mat_file(tmp_path, content):
    path = tmp_path / "mnist_train.mat"
    path.write_bytes(content)
    assert "not a readable MATLAB .mat file" in load_error(path)


def test_truncated_mat_file(tmp_path):
    im, label = good_split(n=50)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    path.write_bytes(path.read_bytes()[:300])
    assert "not a readable MATLAB .mat file" in load_error(path)


def test_missing_variable_is_named_and_contents_listed(tmp_path):
    im, _ = good_split()
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, images=im)
    message = load_error(path)
    assert "missing variable label_train" in message
    assert "the file has: im_train, images" in message


def test_test_file_with_train_variables(tmp_path):
    im, label = good_split()
    path = write_mat(tmp_path / "mnist_test.mat", im_train=im, label_train=label)
    message = load_error(path, "test")
    assert "missing variable im_test, label_test" in message


@pytest.mark.parametrize(
    "shape, shown",
    [((100, 5), "100x5"), ((14, 14, 5), "14x14x5"), ((5, 196), "5x196"), ((196, 0), "196x0")],
)
def test_images_must_be_196_by_n(tmp_path, shape, shown):
    path = write_mat(
        tmp_path / "mnist_train.mat", im_train=np.zeros(shape), label_train=np.zeros((1, 5))
    )
    message = load_error(path)
    assert "im_train" in message and shown in message


def test_images_must_be_196_by_n_says_expected(tmp_path):
    path = write_mat(
        tmp_path / "mnist_train.mat", im_train=np.zeros((14, 14, 5)), label_train=np.zeros((1, 5))
    )
    assert "must be 196xN" in load_error(path)


def test_labels_must_be_a_vector(tmp_path):
    im, _ = good_split(n=10)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=np.zeros((2, 5)))
    message = load_error(path)
    assert "label_train must be 1xN or Nx1, got 2x5" in message


def test_number_of_images_and_labels_must_agree(tmp_path):
    im, label = good_split(n=5)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label[:, :4])
    message = load_error(path)
    assert "5 images" in message and "4 labels" in message


@pytest.mark.parametrize("bad, shown", [(10, "10"), (-1, "-1"), (2.5, "2.5"), (np.nan, "nan")])
def test_labels_must_be_digits(tmp_path, bad, shown):
    im, label = good_split(n=5)
    label = label.astype(float)
    label[0, 3] = bad
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    message = load_error(path)
    assert "integers 0..9" in message
    assert f"found {shown} at column 4" in message


def test_labels_must_be_numeric(tmp_path):
    im, _ = good_split(n=3)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train="abc")
    assert "label_train must be a real numeric array" in load_error(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_images_must_be_finite(tmp_path, bad):
    im, label = good_split(n=5)
    im = im.astype(float)
    im[10, 2] = bad
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    message = load_error(path)
    assert "im_train has NaN or inf values (first at row 11, column 3)" in message


@pytest.mark.parametrize("bad", [-1.0, 256.0, 1000.0])
def test_images_must_be_within_0_255(tmp_path, bad):
    im, label = good_split(n=5)
    im = im.astype(float)
    im[0, 0] = bad
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    message = load_error(path)
    assert "outside 0..255" in message and f"{bad:g}" in message


def test_images_already_divided_by_255_are_refused(tmp_path):
    im, label = good_split(n=5)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im / 255, label_train=label)
    message = load_error(path)
    assert "im_train looks already divided by 255" in message
    assert "whole numbers 0..255 (as im_train in mnist_train.mat)" in message


@pytest.mark.parametrize("im", [np.zeros((196, 5)), np.eye(196, 5), np.full((196, 5), 0.5) * 2])
def test_images_of_whole_numbers_within_0_1_are_accepted(tmp_path, im):
    _, label = good_split(n=5)
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    np.testing.assert_array_equal(load_split(path, "train")[0], im)  # a blank or 0/1 image


def test_missing_and_unreadable_are_told_apart(tmp_path):
    with pytest.raises(MissingDataError):
        load_split(tmp_path / "mnist_train.mat", "train")
    (tmp_path / "mnist_train.mat").write_bytes(b"garbage" * 30)
    with pytest.raises(DataError) as info:
        load_split(tmp_path / "mnist_train.mat", "train")
    assert not isinstance(info.value, MissingDataError)


def test_a_directory_in_place_of_the_file(tmp_path):
    (tmp_path / "mnist_train.mat").mkdir()
    assert "is a directory, not a MATLAB .mat file" in load_error(tmp_path / "mnist_train.mat")


def test_a_fifo_in_place_of_the_file_is_refused_before_it_is_opened(tmp_path):
    with fifo_at(tmp_path / "mnist_train.mat") as fifo:  # opened, it would block forever
        assert "is a FIFO (named pipe), not a MATLAB .mat file" in load_error(fifo)


def test_a_device_in_place_of_the_file_is_refused(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    (tmp_path / "mnist_train.mat").symlink_to("/dev/zero")  # endless zeros
    assert "is a character device, not a MATLAB .mat file" in load_error(
        tmp_path / "mnist_train.mat")


def test_a_file_without_read_permission_says_permission_denied(tmp_path, monkeypatch):
    # as a file of mode 000 does for anyone but root (for whom it is readable): os.open fails
    im, label = good_split()
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    real_open = os.open

    def no_permission(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_permission)
    message = load_error(path)
    assert message == f"{path}: permission denied"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a file of mode 000")
def test_a_file_of_mode_000_says_permission_denied(tmp_path):
    im, label = good_split()
    path = write_mat(tmp_path / "mnist_train.mat", im_train=im, label_train=label)
    path.chmod(0)
    assert load_error(path) == f"{path}: permission denied"


def test_the_hint_names_get_data_as_it_can_be_typed_from_the_cwd(tmp_path, monkeypatch):
    script = Path(__file__).resolve().parents[1] / "scripts" / "get_data.py"
    monkeypatch.chdir(tmp_path)
    message = load_error(tmp_path / "mnist_train.mat")
    assert f"run `python {script} --data-dir {tmp_path}`" in message
    monkeypatch.chdir(script.parents[1])
    assert "run `python scripts/get_data.py --data-dir" in load_error(tmp_path / "mnist_train.mat")
