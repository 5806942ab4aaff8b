"""The bridge to Octave (or MATLAB): a fresh interpreter per run, in the sandbox.

A run: the cases (argument lists) are saved to ``in.mat`` in the run's scratch folder (a
temporary one, never the folder under check), where a copy of the checker's own MATLAB
(``octave/``) is put; ``octave-cli --eval "cnn_dual_run('in.mat', 'out.mat')"`` runs in the
box of ``checker.sandbox`` (the folder under check read-only, nothing else writable, no
network, limits on time, memory and output) and saves each case's results, or the error it
raised, and the calls the layer wrappers recorded, to ``out.mat``. One interpreter per run:
nothing a function does (``restoredefaultpath``, ``clear all``, globals) reaches another.

Why a plain ``octave-cli`` and not oct2py: the project already reads and writes MATLAB's .mat
files with ``scipy.io``, which is all a run needs; oct2py would add three packages for the same
pipe, and keep one interpreter for every call, which is what must not be shared.
"""

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.io

from checker import sandbox
from checker.sandbox import Limits
from shared.errors import CnnDualError

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "octave"
STUBS = DRIVER / "stubs"

DISPLAY_FUNCTIONS = ("plot", "pause", "title", "xlabel", "ylabel", "legend", "drawnow", "hold",
                     "grid", "subplot", "clf", "imagesc", "colorbar", "axis", "semilogy", "set",
                     "saveas", "savefig", "print", "close", "colormap", "text", "line", "bar",
                     "histogram", "scatter", "sgtitle", "xlim", "ylim", "waitbar", "imshow")
"""Graphics calls a Train*.m may make (the originals plot their loss): each is shadowed in a
run's folder by a function that does nothing (``figure`` returns a struct, so that
``f.Name = ...`` works; ``stubs/``)."""

INSTALL_OCTAVE = ("GNU Octave is not installed (no octave-cli on the PATH): on Debian or Ubuntu, "
                  "sudo apt install octave octave-image octave-statistics; elsewhere see "
                  "https://octave.org/download")
INSTALL_IMAGE = ("Octave's image package is missing (it has im2col and col2im, which the "
                 "original's Conv and Pool2x2 call): on Debian or Ubuntu, sudo apt install "
                 "octave-image; elsewhere, in Octave: pkg install -forge image")
INSTALL_MATLAB = ("the MATLAB Engine API for Python is not installed: pip install matlabengine "
                  "(MathWorks' package; it needs a local MATLAB of the matching release)")
OCTAVE_FLAGS = ("--quiet", "--norc", "--no-history", "--no-window-system", "--no-gui")


class EngineUnavailable(CnnDualError):
    """No interpreter to run the MATLAB code in (the scripts exit with code 2)."""


class CallFailed(Exception):
    """The function raised an error in the interpreter; the message is its one line."""


class CallTimedOut(Exception):
    """The function did not return within the time limit (its interpreter was ended)."""


def write_display_stubs(folder, normrnd=True):
    """The no-op graphics functions of DISPLAY_FUNCTIONS and figure's stub; with ``normrnd``
    also the normrnd stub that hands out known starting weights (the golden files')."""
    for name in DISPLAY_FUNCTIONS:
        (folder / f"{name}.m").write_text(
            f"% {name}, shadowed by cnn-dual's checker: no display, nothing to draw.\n"
            f"function varargout = {name}(varargin)\n    varargout = cell(1, nargout);\nend\n")
    for stub in STUBS.glob("*.m"):
        if normrnd or stub.stem != "normrnd":
            shutil.copy(stub, folder / stub.name)


def to_matlab(value):
    """A Python value as scipy.io.savemat writes it: a list is a column cell (k x 1), an object
    array a cell of its own shape, a dict a struct, a string a char array; any other value a
    float array (at least 2-D: savemat makes a 1-D array a row)."""
    if isinstance(value, (list, tuple)):
        cell = np.empty((len(value), 1), dtype=object)
        for i, item in enumerate(value):
            cell[i, 0] = to_matlab(item)
        return cell
    if isinstance(value, np.ndarray) and value.dtype == object:
        cell = np.empty(value.shape, dtype=object)
        for index, item in np.ndenumerate(value):
            cell[index] = to_matlab(item)
        return cell
    if isinstance(value, dict):
        return {key: to_matlab(item) for key, item in value.items()}
    if isinstance(value, str):
        return value
    return np.asarray(value, dtype=float)


def row_cell(items):
    """A 1 x n MATLAB cell of ``items``."""
    cell = np.empty((1, len(items)), dtype=object)
    for i, item in enumerate(items):
        cell[0, i] = to_matlab(item)
    return cell


@dataclass
class Run:
    """What one run gave: per case, its results (a list) or None, and its error message; the
    calls the layer wrappers recorded, per case; ``failure``: why the run itself ended early
    (a time-out, the interpreter's death), None when it finished."""

    results: list
    messages: list
    traces: list = field(default_factory=list)
    failure: str | None = None
    timed_out: bool = False


class Interpreter:
    """What the checker runs MATLAB code in; a context manager that starts and stops it."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Octave(Interpreter):
    """GNU Octave (octave-cli) with the image package, a fresh one for each run, sandboxed.

    ``folder``: the folder under check, put on Octave's path after the run's own folder (so
    that its helper files are found, while the run's wrappers come first) and seen read-only.
    ``sandbox=False`` runs Octave without bubblewrap (only the limits apply).
    """

    name = "octave"

    def __init__(self, folder, executable=None, start_timeout=60.0, sandbox=True,
                 limits=None):
        self.folder = Path(folder).resolve()
        self.executable = executable or shutil.which("octave-cli") or shutil.which("octave")
        if self.executable is None:
            raise EngineUnavailable(INSTALL_OCTAVE)
        self.start_timeout = start_timeout
        self.sandbox = sandbox
        self.limits = limits or Limits()
        self.version = None

    def start(self):
        """Check that Octave starts (in the box) with its image package and say which it is.
        Raises EngineUnavailable (or SandboxUnavailable) when it does not."""
        sandbox.available(self.sandbox)
        probe = ("try, pkg load image; disp(['image ' version()]); "
                 "catch, disp(['noimage ' version()]); end")
        with tempfile.TemporaryDirectory(prefix="cnn-dual-octave-") as scratch:
            finished = self._octave(["--eval", probe], scratch, self.start_timeout)
        status = next((line for line in finished.printed.splitlines()
                       if line.startswith(("image ", "noimage "))), "")
        if not status:
            answer = " ".join(finished.printed.split())[-200:]
            why = (f"did not start within {self.start_timeout:g} s" if finished.timed_out
                   else f"did not start (exit code {finished.returncode}"
                        + (f": {answer}" if answer else "") + ")")
            raise EngineUnavailable(f"{self.executable} {why}")
        if status.startswith("noimage"):
            raise EngineUnavailable(INSTALL_IMAGE)
        self.version = "GNU Octave " + status.split()[1]

    def stop(self):
        """Nothing to end: each run's interpreter ends with it."""

    def run(self, scratch, name, cases, nargout, timeout, settings=None, normrnd_table=None):
        """Run ``name`` on each of ``cases`` (argument lists) in one fresh interpreter in
        ``scratch`` (a folder holding what the run needs besides the folder under check).
        Returns a Run; never raises for what the code does."""
        scratch = Path(scratch).resolve()
        driver = prepare(scratch, self.folder, name, cases, nargout, settings, normrnd_table)
        command = (f"addpath('{_quoted(driver)}'); "
                   f"cnn_dual_run('{_quoted(scratch / 'in.mat')}', "
                   f"'{_quoted(scratch / 'out.mat')}');")
        finished = self._octave(["--eval", command], scratch, timeout)
        if finished.timed_out:
            return Run([None] * len(cases), [""] * len(cases),
                       failure=f"did not return within {timeout:g} s", timed_out=True)
        try:
            out = scipy.io.loadmat(scratch / "out.mat", squeeze_me=False)
        except (OSError, ValueError):  # absent or cut short: the interpreter died
            why = finished.reason or "Octave exited (it crashed, or the code called exit)"
            printed = " ".join(line for line in finished.printed.splitlines()
                               if line.startswith(("error:", "parse error")))
            return Run([None] * len(cases), [""] * len(cases),
                       failure=why + (f": {printed[:300]}" if printed else ""))
        return read(out)

    def call(self, workdir, name, args, nargout, timeout, normrnd_table=None):
        """``[out{1:nargout}] = name(args{:})`` in ``workdir``: the list of results; raises
        CallFailed (its error) or CallTimedOut."""
        run = self.run(workdir, name, [args], nargout, timeout, normrnd_table=normrnd_table)
        if run.timed_out:
            raise CallTimedOut(run.failure)
        if run.failure or run.messages[0]:
            raise CallFailed(run.failure or run.messages[0])
        return run.results[0]

    def _octave(self, arguments, scratch, timeout):
        limits = Limits(seconds=timeout, memory=self.limits.memory,
                                output=self.limits.output)
        return sandbox.run([self.executable, *OCTAVE_FLAGS, *arguments], scratch,
                           readonly=[self.folder, *sandbox.prefix(self.executable)],
                           limits=limits, sandbox=self.sandbox)


def prepare(scratch, folder, name, cases, nargout, settings=None, normrnd_table=None):
    """A run's folder: a copy of the checker's MATLAB (the driver, shims and shadows) and
    ``in.mat`` (the function's name, its cases, the wrappers' settings). -> the driver's
    folder."""
    driver = scratch / "cnn_dual"
    if not driver.is_dir():
        shutil.copytree(DRIVER, driver, ignore=shutil.ignore_patterns("stubs"))
    contents = {"name": name, "nout": float(nargout), "folder": str(folder),
                "cases": row_cell([row_cell(args) for args in cases]),
                "settings": to_matlab(settings or {"none": 0})}
    if normrnd_table:
        contents["normrnd_table"] = to_matlab(normrnd_table)
    scipy.io.savemat(scratch / "in.mat", contents, do_compression=False)
    (scratch / "out.mat").unlink(missing_ok=True)
    return driver


def read(out):
    """The Run that ``out.mat``'s contents (loaded) hold."""
    results = [list(r[0]) if r.size else None for r in out["results"][0]]
    messages = [_text(m) for m in out["messages"][0]]
    return Run([r if not m else None for r, m in zip(results, messages)], messages,
               [_trace(t) for t in out["traces"][0]])


def _text(value):
    """A MATLAB char array (possibly empty) as a str."""
    array = np.atleast_1d(value)
    return str(array[0]).strip() if array.size else ""


def _trace(value):
    """The recorded calls: [(name, [args], [results])]."""
    calls = []
    for call in np.atleast_1d(value).ravel():
        name, args, results = (call.ravel()[i] for i in range(3))
        calls.append((_text(name), list(np.atleast_1d(args).ravel()),
                      list(np.atleast_1d(results).ravel())))
    return calls


class Matlab(Interpreter):
    """MATLAB through MathWorks' Engine API for Python (``matlabengine``), with the same
    :meth:`run` as Octave, but one engine for every run and no sandbox (MATLAB's own process
    cannot be boxed from here). Not tested here (no MATLAB on CI)."""

    name = "matlab"

    def __init__(self, folder, executable=None, start_timeout=None, sandbox=True,
                 limits=None):
        try:
            import matlab.engine  # noqa: F401
        except ImportError:
            raise EngineUnavailable(INSTALL_MATLAB) from None
        self.folder = Path(folder).resolve()
        self.engine = None
        self.version = None

    def start(self):
        import matlab.engine

        self.engine = matlab.engine.start_matlab("-nodisplay")
        self.engine.warning("off", "all", nargout=0)
        self.version = "MATLAB " + str(self.engine.version())

    def stop(self):
        if self.engine is not None:
            self.engine.quit()
            self.engine = None

    def run(self, scratch, name, cases, nargout, timeout, settings=None, normrnd_table=None):
        scratch = Path(scratch).resolve()
        driver = prepare(scratch, self.folder, name, cases, nargout, settings, normrnd_table)
        self.engine.cd(str(scratch), nargout=0)
        self.engine.addpath(str(driver), nargout=0)
        future = self.engine.cnn_dual_run(str(scratch / "in.mat"), str(scratch / "out.mat"),
                                          nargout=0, background=True)
        try:
            future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()
            self.stop()
            self.start()
            return Run([None] * len(cases), [""] * len(cases),
                       failure=f"did not return within {timeout:g} s", timed_out=True)
        return read(scipy.io.loadmat(scratch / "out.mat", squeeze_me=False))

    call = Octave.call


ENGINES = {"octave": Octave, "matlab": Matlab}


def _quoted(path):
    """A path inside a single-quoted MATLAB string."""
    return str(path).replace("'", "''")
