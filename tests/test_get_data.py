"""scripts/get_data.py: download, checksum, skip and failure paths; fake openers, no network."""

import hashlib
import io
import urllib.error
from pathlib import Path

import pytest

import shared.downloads
from conftest import load_script
from shared.downloads import PUBLISHED_WEIGHTS, SOURCE_URL, source

PAYLOADS = {"mnist_train.mat": b"fake train bytes", "mnist_test.mat": b"fake test bytes",
            "original_slp_linear.mat": b"fake w b", "original_slp.mat": b"fake w b too",
            "original_mlp.mat": b"fake w1 b1 w2 b2"}
URLS = {name: SOURCE_URL + source(name)[0] for name in PAYLOADS}


get_data = load_script("get_data")
PUBLISHED_WEIGHTS_AS_PUBLISHED = [(name, sha) for name, (_, sha) in PUBLISHED_WEIGHTS.items()]


@pytest.fixture(autouse=True)
def fake_checksums(monkeypatch):
    """Make the payloads the 'original' files (the script and the loader share this dict)."""
    for name, payload in PAYLOADS.items():
        digest = hashlib.sha256(payload).hexdigest()
        if name in PUBLISHED_WEIGHTS:
            monkeypatch.setitem(shared.downloads.PUBLISHED_WEIGHTS, name, (source(name)[0], digest))
        else:
            monkeypatch.setitem(shared.downloads.CHECKSUMS, name, digest)


class FakeOpener:
    """Stands in for urllib.request.urlopen: serves PAYLOADS by URL and records the calls."""

    def __init__(self, payloads=PAYLOADS, error=None):
        self.payloads = payloads
        self.error = error
        self.calls = []

    def __call__(self, url, timeout):
        self.calls.append((url, timeout))
        if self.error is not None:
            raise self.error
        by_url = {URLS[name]: payload for name, payload in self.payloads.items()}
        return io.BytesIO(by_url[url])


def run_failing(argv, opener, capsys):
    """Run main, expect exit code 1; return the captured stderr, checked to be one line."""
    with pytest.raises(SystemExit) as info:
        get_data.main(argv, opener=opener)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "Traceback" not in err
    return err


def test_downloads_every_file(tmp_path, capsys):
    opener = FakeOpener()
    data_dir = tmp_path / "new" / "data"  # created on the way
    assert get_data.main(["--data-dir", str(data_dir), "--timeout", "7"], opener=opener) == 0
    for name, payload in PAYLOADS.items():
        assert (data_dir / name).read_bytes() == payload
    assert opener.calls == [(URLS[name], 7.0) for name in PAYLOADS]
    assert opener.calls[:2] == [(SOURCE_URL + "mnist_train.mat", 7.0),
                                (SOURCE_URL + "mnist_test.mat", 7.0)]
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(PAYLOADS)
    assert capsys.readouterr().out.count("downloaded, SHA-256 ok") == 5


def test_the_weights_come_from_the_original_outputs_folder():
    assert URLS["original_mlp.mat"] == SOURCE_URL + "Outputs/mlp.mat"
    assert URLS["original_slp_linear.mat"] == SOURCE_URL + "Outputs/slp_linear.mat"


@pytest.mark.parametrize("name", list(PUBLISHED_WEIGHTS))
def test_present_weight_files_have_the_published_checksums(name):
    path = Path(__file__).resolve().parents[1] / "data" / name
    if not path.is_file():
        pytest.skip(f"data/{name} is absent")
    expected = dict(PUBLISHED_WEIGHTS_AS_PUBLISHED)[name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == expected


def test_source_url_is_the_original_repository():
    assert get_data.SOURCE_URL + "mnist_train.mat" == (
        "https://raw.githubusercontent.com/adityagaydhani/"
        "CSCI-5561-CNN-implementation-from-scratch/master/mnist_train.mat"
    )


def test_skips_files_with_the_right_checksum(tmp_path, capsys):
    for name, payload in PAYLOADS.items():
        (tmp_path / name).write_bytes(payload)
    opener = FakeOpener()
    get_data.main(["--data-dir", str(tmp_path)], opener=opener)
    assert opener.calls == []
    assert capsys.readouterr().out.count("present, SHA-256 ok") == 5


def test_force_downloads_again(tmp_path):
    for name, payload in PAYLOADS.items():
        (tmp_path / name).write_bytes(payload)
    opener = FakeOpener()
    get_data.main(["--data-dir", str(tmp_path), "--force"], opener=opener)
    assert len(opener.calls) == 5


def test_replaces_a_present_file_with_a_wrong_checksum(tmp_path, capsys):
    (tmp_path / "mnist_train.mat").write_bytes(b"corrupted")
    for name, payload in PAYLOADS.items():
        if name != "mnist_train.mat":
            (tmp_path / name).write_bytes(payload)
    opener = FakeOpener()
    get_data.main(["--data-dir", str(tmp_path)], opener=opener)
    assert (tmp_path / "mnist_train.mat").read_bytes() == PAYLOADS["mnist_train.mat"]
    assert [url for url, _ in opener.calls] == [SOURCE_URL + "mnist_train.mat"]
    out = capsys.readouterr().out
    assert "mnist_train.mat: SHA-256 " + hashlib.sha256(b"corrupted").hexdigest() in out


def test_wrong_checksum_of_a_download_writes_nothing(tmp_path, capsys):
    opener = FakeOpener(payloads={**PAYLOADS, "mnist_train.mat": b"tampered"})
    err = run_failing(["--data-dir", str(tmp_path)], opener, capsys)
    got = hashlib.sha256(b"tampered").hexdigest()
    assert f"downloaded mnist_train.mat has SHA-256 {got}" in err
    assert "nothing was written" in err
    assert list(tmp_path.iterdir()) == []


def test_no_network_is_one_line_and_exit_1(tmp_path, capsys):
    reason = "[Errno -3] Temporary failure in name resolution"
    opener = FakeOpener(error=urllib.error.URLError(reason))
    err = run_failing(["--data-dir", str(tmp_path)], opener, capsys)
    assert err == (
        f"error: could not download mnist_train.mat ({reason}); "
        f"put the file into {tmp_path} by hand, from {SOURCE_URL}mnist_train.mat\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_http_error_and_timeout_reasons(tmp_path, capsys):
    argv = ["--data-dir", str(tmp_path)]
    not_found = urllib.error.HTTPError(SOURCE_URL, 404, "Not Found", {}, None)
    assert "(HTTP 404 Not Found)" in run_failing(argv, FakeOpener(error=not_found), capsys)
    timed_out = TimeoutError("The read operation timed out")
    err = run_failing(argv, FakeOpener(error=timed_out), capsys)
    assert "(The read operation timed out)" in err


def test_failed_download_keeps_a_present_file(tmp_path, capsys):
    (tmp_path / "mnist_train.mat").write_bytes(b"corrupted")
    opener = FakeOpener(error=urllib.error.URLError("down"))
    run_failing(["--data-dir", str(tmp_path)], opener, capsys)
    assert (tmp_path / "mnist_train.mat").read_bytes() == b"corrupted"
    assert [p.name for p in tmp_path.iterdir()] == ["mnist_train.mat"]


def test_help_and_bad_timeout(capsys):
    with pytest.raises(SystemExit) as info:
        get_data.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--data-dir" in out and "--force" in out and "--timeout" in out
    with pytest.raises(SystemExit) as info:
        get_data.main(["--timeout", "0"])
    assert info.value.code == 2


def test_a_directory_named_like_a_data_file(tmp_path, capsys):
    (tmp_path / "mnist_train.mat").mkdir()
    err = run_failing(["--data-dir", str(tmp_path)], FakeOpener(), capsys)
    assert f"{tmp_path / 'mnist_train.mat'} is a directory" in err


class InterruptedOpener(FakeOpener):
    """Serves the first file, then Ctrl-C (or SIGTERM) arrives during the second download."""

    def __call__(self, url, timeout):
        if self.calls:
            self.calls.append((url, timeout))
            raise KeyboardInterrupt
        return super().__call__(url, timeout)


def test_ctrl_c_during_a_download_is_one_line_saying_what_is_in_place(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        get_data.main(["--data-dir", str(tmp_path)], opener=InterruptedOpener())
    assert info.value.code == 130
    err = capsys.readouterr().err
    assert err == (f"error: interrupted; mnist_train.mat in place in {tmp_path}, "
                   "mnist_test.mat, original_slp_linear.mat, original_slp.mat, "
                   "original_mlp.mat not written\n")
    assert [p.name for p in tmp_path.iterdir()] == ["mnist_train.mat"]


@pytest.mark.parametrize("argv, word", [(["--timeout", "0"], "--timeout"),
                                        (["--timeout", "soon"], "--timeout"),
                                        # past ~9.2e9 s a socket refuses it: an OverflowError
                                        (["--timeout", "1e10"], "at most 604,800 seconds"),
                                        (["--data-dir", ""], "--data-dir"),
                                        (["--forse"], "--forse")])
def test_argument_errors_are_one_line(argv, word, capsys):
    with pytest.raises(SystemExit) as info:
        get_data.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and word in err


def test_matlab_fetches_the_original_m_files_into_data_matlab(tmp_path, monkeypatch, capsys):
    files = {"Conv.m": b"function y = Conv(x, w, b)\n", "TrainCNN.m": b"% TrainCNN\n"}
    sums = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    monkeypatch.setattr(shared.downloads, "MATLAB_FILES", sums)
    monkeypatch.setattr(get_data, "MATLAB_FILES", sums)
    payloads = dict(PAYLOADS)
    urls = {**URLS, **{f"matlab/{n}": SOURCE_URL + n for n in files}}
    payloads.update({f"matlab/{n}": c for n, c in files.items()})

    def opener(url, timeout):
        return io.BytesIO({urls[name]: p for name, p in payloads.items()}[url])

    assert get_data.main(["--data-dir", str(tmp_path), "--matlab"], opener=opener) == 0
    for name, content in files.items():
        assert (tmp_path / "matlab" / name).read_bytes() == content
    assert f"{tmp_path / 'matlab' / 'Conv.m'}: downloaded, SHA-256 ok" in capsys.readouterr().out
    assert (tmp_path / "mnist_train.mat").is_file()  # the data too


def test_without_matlab_no_m_file_is_fetched(tmp_path):
    opener = FakeOpener()
    assert get_data.main(["--data-dir", str(tmp_path)], opener=opener) == 0
    assert not (tmp_path / "matlab").exists()
    assert all(not url.endswith(".m") for url, _ in opener.calls)


def test_the_matlab_checksums_name_every_original_file():
    assert len(shared.downloads.MATLAB_FILES) == 22
    assert {"Conv.m", "TrainCNN.m", "main_mlp.m", "SoftMax.m"} <= set(shared.downloads.MATLAB_FILES)


def test_mathjax_is_fetched_from_npm_with_its_checksum_and_a_wrong_one_is_refused(
        tmp_path, monkeypatch, capsys):
    archive = b"fake mathjax tarball"
    npm = "https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz"
    assert shared.downloads.url(shared.downloads.MATHJAX) == npm
    monkeypatch.setitem(shared.downloads.DOCS_FILES, shared.downloads.MATHJAX,
                        (npm, hashlib.sha256(archive).hexdigest()))
    by_url = {**{URLS[name]: p for name, p in PAYLOADS.items()}, npm: archive}

    def opener(url, timeout):
        return io.BytesIO(by_url[url])

    assert get_data.main(["--data-dir", str(tmp_path), "--mathjax"], opener=opener) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mathjax-3.2.2.tgz"]  # it alone
    assert (tmp_path / "mathjax-3.2.2.tgz").read_bytes() == archive
    assert "mathjax-3.2.2.tgz: downloaded, SHA-256 ok" in capsys.readouterr().out
    by_url[npm] = b"something else"
    (tmp_path / "mathjax-3.2.2.tgz").unlink()
    with pytest.raises(SystemExit):
        get_data.main(["--data-dir", str(tmp_path), "--mathjax"], opener=opener)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "downloaded mathjax-3.2.2.tgz has SHA-256" in err
    assert not (tmp_path / "mathjax-3.2.2.tgz").exists()


def test_without_mathjax_it_is_not_fetched(tmp_path):
    opener = FakeOpener()
    assert get_data.main(["--data-dir", str(tmp_path)], opener=opener) == 0
    assert all("npmjs" not in url for url, _ in opener.calls)
