"""Download the original MNIST .mat files and the perceptrons' published weights (and, with
--matlab, the original's .m files; with --mathjax, the MathJax the docs site serves), and check
their SHA-256.

    python scripts/get_data.py [--data-dir data] [--matlab] [--mathjax] [--force] [--timeout S]
"""

import _startup  # noqa: F401  (first: Ctrl-C is one line from here on; finds the checkout)
import hashlib
import http.client
import sys
import urllib.error
import urllib.request
from pathlib import Path

from shared.cli import ArgumentParser, path, run_cli, timeout
from shared.downloads import (CHECKSUMS, MATHJAX, MATLAB_DIR, MATLAB_FILES, PUBLISHED_WEIGHTS,
                              SOURCE_URL, source, url)
from shared.errors import DataError, Interrupted
from shared.file_set import atomic_write


def sha256_file(path):
    """Hex SHA-256 of the file at `path` (the MNIST files are under 1 MB)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def download(url, timeout, opener=urllib.request.urlopen):
    """The bytes at `url`. Raises OSError or http.client.HTTPException when that fails."""
    with opener(url, timeout=timeout) as response:
        return response.read()


def fetch(name, data_dir, force=False, timeout=60.0, opener=urllib.request.urlopen):
    """Make sure `data_dir`/`name` is the original file; download it when absent or wrong.

    name: a file of shared.downloads (see shared.downloads.source). Returns "present" (kept) or "downloaded". A present file with a
    wrong checksum is reported on stdout and replaced. Raises DataError when the download
    fails or its checksum is wrong; then nothing is written.
    """
    data_dir = Path(data_dir)
    path = data_dir / name
    expected = source(name)[1]
    remote = url(name)
    if path.is_dir():
        raise DataError(f"{path} is a directory, not the data file; move it away and run "
                        "again")
    if path.exists() and not force:
        try:
            got = sha256_file(path)
        except OSError as exc:
            raise DataError(f"could not read {path} ({_reason(exc)})") from None
        if got == expected:
            return "present"
        print(f"{path}: SHA-256 {got} is not the original's; downloading it again")
    try:
        content = download(remote, timeout, opener)
    except (OSError, http.client.HTTPException) as exc:
        raise DataError(
            f"could not download {name} ({_reason(exc)}); put the file into {data_dir} by hand, "
            f"from {remote}"
        ) from None
    got = hashlib.sha256(content).hexdigest()
    if got != expected:
        raise DataError(
            f"downloaded {name} has SHA-256 {got}, expected {expected}; nothing was written "
            f"(the file at {remote} is not the original)"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:
            f.write(content)
    except OSError as exc:
        raise DataError(f"could not write {path} ({_reason(exc)})") from None
    return "downloaded"


def _reason(exc):
    """A short one-line reason for a network or file error."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return " ".join(str(exc.reason).split())
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def parse_args(argv):

    parser = ArgumentParser(
        prog="get_data.py",
        description=(
            "Download mnist_train.mat and mnist_test.mat (the data of the original MATLAB CNN) "
            "and the weights the original published for its perceptrons (Outputs/slp_linear.mat, "
            "slp.mat, mlp.mat, saved as original_*.mat) "
            f"from {SOURCE_URL} (with --mathjax: MathJax alone, from npm's registry) and check "
            "their SHA-256. Files already present with the right "
            "checksum are kept; a present file with a wrong checksum is replaced."
        )
    )
    parser.add_argument(
        "--data-dir", type=path, default=Path("data"),
        help="directory to put the files in (created if needed; default: data)",
    )
    parser.add_argument(
        "--matlab", action="store_true",
        help=f"also fetch the original's {len(MATLAB_FILES)} .m files into DATA_DIR/{MATLAB_DIR}/ "
             "(for scripts/check_matlab.py and scripts/make_golden.py; never committed: the "
             "original has no licence)",
    )
    parser.add_argument(
        "--mathjax", action="store_true",
        help=f"fetch {MATHJAX} (from npm's registry) into DATA_DIR instead of the data, for "
             "make docs: the site serves its own MathJax, so that it renders with no network",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="download again even when a file with the right checksum is present",
    )
    parser.add_argument(
        "--timeout", type=timeout, default=60.0, metavar="S",
        help="network timeout in seconds (default: 60; at most a week, 604,800)",
    )
    return parser.parse_args(argv)


def main(argv=None, opener=urllib.request.urlopen):
    """Fetch every file. On failure: one line on stderr and SystemExit(1); on Ctrl-C or
    SIGTERM one line saying which files are in place, and SystemExit(130 or 143)."""

    code = run_cli(_run, parse_args(argv), opener)
    if code:
        raise SystemExit(code)
    return 0


def names(matlab=False, mathjax=False):
    """The files get_data fetches, in order: the MNIST data and the published weights (with
    ``mathjax``: MathJax instead), then (with ``matlab``) the original's .m files, as
    matlab/<file>.m."""
    return [*([MATHJAX] if mathjax else [*CHECKSUMS, *PUBLISHED_WEIGHTS]),
            *([f"{MATLAB_DIR}/{file}" for file in MATLAB_FILES] if matlab else [])]


def _run(args, opener):

    done = []
    try:
        for name in names(args.matlab, args.mathjax):
            status = fetch(name, args.data_dir, args.force, args.timeout, opener)
            done.append(name)
            print(f"{args.data_dir / name}: {status}, SHA-256 ok")
    except KeyboardInterrupt as exc:  # each file is written whole or not at all
        rest = [name for name in names(args.matlab, args.mathjax) if name not in done]
        left = (f"{', '.join(done)} in place in {args.data_dir}, {', '.join(rest)} not written"
                if done else "nothing was written")
        raise Interrupted.of(exc, left) from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
