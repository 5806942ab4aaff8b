"""The bridge to Octave (or MATLAB): one interpreter per check, arguments and results as .mat.

Why a plain ``octave-cli`` on a pipe and not oct2py: the project already reads and writes
MATLAB's .mat files with ``scipy.io``, which is all a call needs (arguments in, results out);
oct2py would add three packages (oct2py, octave_kernel, metakernel) for the same pipe, and a
time limit on a call that hangs, which we need, is a kill and a restart either way.

A call: the arguments are saved to ``in.mat`` in the call's own work folder (a temporary one,
never the folder under check), the interpreter is told to ``cd`` there and run
``cnn_dual_call`` (``octave/cnn_dual_call.m``), which saves ``out`` (a cell of the results) or
``message`` (the error, one line) to ``out.mat``. Then a sentinel line on stdout says it is done.
"""

import collections
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import scipy.io

from shared.errors import CnnDualError

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "octave"
STUBS = DRIVER / "stubs"

DISPLAY_FUNCTIONS = ("plot", "pause", "title", "xlabel", "ylabel", "legend", "drawnow", "hold",
                     "grid", "subplot", "clf", "imagesc", "colorbar", "axis", "semilogy", "set",
                     "saveas", "savefig", "print", "close", "colormap", "text", "line", "bar",
                     "histogram", "scatter", "sgtitle", "xlim", "ylim", "waitbar")
"""Graphics calls a Train*.m may make (the originals plot their loss): each is shadowed in a
call's work folder by a function that does nothing (``figure`` returns a struct, so that
``f.Name = ...`` works; ``stubs/``)."""

INSTALL_OCTAVE = ("GNU Octave is not installed (no octave-cli on the PATH): on Debian or Ubuntu, "
                  "sudo apt install octave octave-image; elsewhere see https://octave.org/download")
INSTALL_IMAGE = ("Octave's image package is missing (it has im2col and col2im, which the "
                 "original's Conv and Pool2x2 call): on Debian or Ubuntu, sudo apt install "
                 "octave-image; elsewhere, in Octave: pkg install -forge image")
INSTALL_MATLAB = ("the MATLAB Engine API for Python is not installed: pip install matlabengine "
                  "(MathWorks' package; it needs a local MATLAB of the matching release)")


class EngineUnavailable(CnnDualError):
    """No interpreter to run the MATLAB code in (the scripts exit with code 2)."""


class CallFailed(Exception):
    """The function raised an error in the interpreter; the message is its one line."""


class CallTimedOut(Exception):
    """The function did not return within the time limit (the interpreter was restarted)."""


def write_display_stubs(folder):
    """The no-op graphics functions of DISPLAY_FUNCTIONS, and normrnd's and figure's stubs."""
    for name in DISPLAY_FUNCTIONS:
        (folder / f"{name}.m").write_text(
            f"% {name}, shadowed by cnn-dual's checker: no display, nothing to draw.\n"
            f"function varargout = {name}(varargin)\n    varargout = cell(1, nargout);\nend\n")
    for stub in STUBS.glob("*.m"):
        shutil.copy(stub, folder / stub.name)


def to_matlab(value):
    """A Python value as scipy.io.savemat writes it: a list is a column cell (k x 1), an array
    stays as it is (at least 2-D: savemat makes a 1-D array a row)."""
    if isinstance(value, (list, tuple)):
        cell = np.empty((len(value), 1), dtype=object)
        for i, item in enumerate(value):
            cell[i, 0] = to_matlab(item)
        return cell
    if isinstance(value, dict):
        return {key: to_matlab(item) for key, item in value.items()}
    return np.asarray(value, dtype=float)


def save_arguments(path, args, normrnd_table=None):
    """Save ``args`` (a list) as the 1 x n cell ``args`` that cnn_dual_call reads."""
    cell = np.empty((1, len(args)), dtype=object)
    for i, arg in enumerate(args):
        cell[0, i] = to_matlab(arg)
    contents = {"args": cell}
    if normrnd_table:
        contents["normrnd_table"] = to_matlab(normrnd_table)
    scipy.io.savemat(path, contents, do_compression=False)


def load_results(path):
    """What cnn_dual_call saved: the list of results, or CallFailed with the message."""
    try:
        contents = scipy.io.loadmat(path, squeeze_me=False)
    except (OSError, ValueError) as exc:  # absent or cut short: the interpreter died
        raise CallFailed(f"no results came back ({exc})") from None
    if "message" in contents:
        raise CallFailed(str(np.atleast_1d(contents["message"])[0]).strip() or "an error")
    return list(contents["out"][0])


class Interpreter:
    """What the checker runs MATLAB code in; a context manager that starts and stops it."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Octave(Interpreter):
    """One GNU Octave (octave-cli) with the image package loaded, fed commands on a pipe.

    ``folder``: the folder under check, put at the end of Octave's path (so that helper files
    of its own are found, while each call's work folder comes first). Use as a context manager;
    :meth:`call` restarts the interpreter after a call that hung.
    """

    name = "octave"

    def __init__(self, folder, executable=None, start_timeout=60.0):
        self.folder = Path(folder).resolve()
        self.executable = executable or shutil.which("octave-cli") or shutil.which("octave")
        if self.executable is None:
            raise EngineUnavailable(INSTALL_OCTAVE)
        self.start_timeout = start_timeout
        self.process = None
        self.version = None

    def start(self):
        """Start the interpreter, load the image package, put the driver and the folder on
        the path. Raises EngineUnavailable when Octave does not start or has no image package."""
        try:  # (its warnings on stderr go nowhere; what the code prints is read, any bytes)
            self.process = subprocess.Popen(
                [self.executable, "--quiet", "--norc", "--no-history", "--no-window-system"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, encoding="utf-8", errors="replace", bufsize=1,
                start_new_session=True)
        except OSError as exc:
            raise EngineUnavailable(f"could not start {self.executable} ({exc.strerror})") from None
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines),
                         daemon=True).start()
        setup = (f"warning('off', 'all'); addpath('{_quoted(DRIVER)}'); "
                 f"addpath('{_quoted(self.folder)}', '-end'); "
                 "try, pkg load image; disp(['image ' version()]); "
                 "catch, disp(['noimage ' version()]); end")
        try:
            answer = self._run(setup, self.start_timeout)
        except CallTimedOut:
            self.stop()
            raise EngineUnavailable(f"{self.executable} did not start within "
                                    f"{self.start_timeout:g} s") from None
        status = next((line for line in answer if line.startswith(("image ", "noimage "))), "")
        if not status:
            self.stop()
            raise EngineUnavailable(f"{self.executable} did not start: it answered "
                                    f"{' '.join(answer)[:200]!r}")
        if status.startswith("noimage"):
            self.stop()
            raise EngineUnavailable(INSTALL_IMAGE)
        self.version = "GNU Octave " + status.split()[1]

    def stop(self):
        """End the interpreter (killed if it does not quit at once)."""
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self._kill()
            self.process = None

    def call(self, workdir, name, args, nargout, timeout, normrnd_table=None):
        """``[out{1:nargout}] = name(args{:})`` in ``workdir`` (a folder holding the function and
        what it calls). Returns the list of results; raises CallFailed (its error) or
        CallTimedOut (after ``timeout`` seconds; the interpreter is then started anew)."""
        workdir = Path(workdir)
        save_arguments(workdir / "in.mat", args, normrnd_table)
        (workdir / "out.mat").unlink(missing_ok=True)
        command = (f"cd('{_quoted(workdir)}'); clear functions; "
                   f"cnn_dual_call('{name}', {nargout}, 'in.mat', 'out.mat');")
        try:
            self._run(command, timeout)
        except CallTimedOut:
            self._kill()
            self.start()
            raise
        except CallFailed:  # the interpreter died: start another for the next call
            self._kill()
            self.start()
            raise
        return load_results(workdir / "out.mat")

    def _run(self, command, timeout):
        """Send one line, wait (``timeout`` seconds in all) for its sentinel, printed on a line
        of its own even when the code leaves its last line open; the last lines printed before
        it (the function's own output) are returned."""
        token = f"cnn-dual-done-{uuid.uuid4().hex}"
        try:
            self.process.stdin.write(f"try, {command}; catch, end; "
                                     f"fprintf('\\n%s\\n', '{token}'); fflush(stdout);\n")
            self.process.stdin.flush()
        except OSError:
            raise CallFailed("Octave exited") from None
        printed = collections.deque(maxlen=20)
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise CallTimedOut(f"did not return within {timeout:g} s") from None
            if line is None:
                raise CallFailed("Octave exited (it crashed, or the code called exit)")
            if line.rstrip("\r\n") == token:
                return list(printed)
            printed.append(line.strip())

    @staticmethod
    def _read(stream, lines):
        try:
            for line in stream:
                lines.put(line)
        finally:  # the end of the stream (or a reader that failed) is never taken for a hang
            lines.put(None)

    def _kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()


class Matlab(Interpreter):
    """MATLAB through MathWorks' Engine API for Python (``matlabengine``), with the same
    :meth:`call` as Octave. Not tested here (no MATLAB on CI)."""

    name = "matlab"

    def __init__(self, folder, executable=None, start_timeout=None):
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
        self.engine.addpath(str(DRIVER), nargout=0)
        self.engine.addpath(str(self.folder), "-end", nargout=0)
        self.engine.warning("off", "all", nargout=0)
        self.version = "MATLAB " + str(self.engine.version())

    def stop(self):
        if self.engine is not None:
            self.engine.quit()
            self.engine = None

    def call(self, workdir, name, args, nargout, timeout, normrnd_table=None):
        workdir = Path(workdir)
        save_arguments(workdir / "in.mat", args, normrnd_table)
        (workdir / "out.mat").unlink(missing_ok=True)
        self.engine.cd(str(workdir), nargout=0)
        self.engine.eval("clear functions", nargout=0)
        future = self.engine.cnn_dual_call(name, float(nargout), "in.mat", "out.mat",
                                           nargout=0, background=True)
        try:
            future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()
            self.stop()
            self.start()
            raise CallTimedOut(f"did not return within {timeout:g} s") from None
        return load_results(workdir / "out.mat")


ENGINES = {"octave": Octave, "matlab": Matlab}


def _quoted(path):
    """A path inside a single-quoted MATLAB string."""
    return str(path).replace("'", "''")
