"""Errors a user can cause. The command-line scripts print them as one line and exit non-zero."""

import math

import numpy as np


class CnnDualError(Exception):
    """Base class: a problem with the user's input, data or run, worth one line to the user."""


class DataError(CnnDualError, ValueError):
    """A data file is missing, unreadable, or not shaped like the original MNIST .mat files."""


class WeightsError(CnnDualError, ValueError):
    """A weights file (MATLAB-style cnn.mat) is missing, unreadable or has the wrong shapes."""


class TrainingDiverged(CnnDualError, ArithmeticError):
    """The training loss became non-finite, or grew by orders of magnitude: the run diverged."""

    def __init__(self, iteration, what):
        self.iteration = iteration
        super().__init__(f"training diverged at iteration {iteration} ({what}); "
                         "try a smaller learning rate (--lr)")


class DivergenceWatch:
    """Watch a training loop for divergence; a context manager around the loop.

    A diverging run overflows silently, as in MATLAB (numpy's overflow warnings are off
    inside); :meth:`check` reports it: a loss that is NaN or inf, or that has grown to
    ``GROWTH`` times the first iteration's (at least ``GROWTH``; ``growth=False``: only a
    non-finite loss). A layer that refuses an overflowed value raises FloatingPointError,
    reported the same way.
    """

    GROWTH = 1e6
    """Six orders of magnitude: far beyond a loss's ups and downs in a run that learns (the
    summed loss of a batch of 30 starts in the tens to hundreds), reached within a few
    iterations by one whose step is too large."""

    def __init__(self, growth=True):
        self.growth = growth
        self.first = None
        self.iteration = 0

    def __enter__(self):
        self._errstate = np.errstate(over="ignore", invalid="ignore", divide="ignore")
        self._errstate.__enter__()
        return self

    def __exit__(self, kind, exc, traceback):
        self._errstate.__exit__(kind, exc, traceback)
        if isinstance(exc, FloatingPointError):
            raise TrainingDiverged(self.iteration + 1, str(exc)) from None
        return False

    def check(self, iteration, loss):
        """Return ``loss`` (a number) of ``iteration`` (1-based), or raise TrainingDiverged."""
        loss = float(loss)
        if not math.isfinite(loss):
            raise TrainingDiverged(iteration, f"the loss became {loss}")
        if self.first is None:
            self.first = max(abs(loss), 1.0)
        elif self.growth and abs(loss) > self.GROWTH * self.first:
            raise TrainingDiverged(iteration, f"the loss grew from {self.first:.3g} to {loss:.3g}")
        self.iteration = iteration
        return loss

    def check_parameters(self, *parameters):
        """Raise TrainingDiverged if a trained parameter holds NaN or inf."""
        if not all(np.isfinite(p).all() for p in parameters):
            raise TrainingDiverged(self.iteration, "a weight became NaN or inf")


class MissingDataError(DataError):
    """A data file is absent (as opposed to present but unreadable or malformed)."""


class OutputError(CnnDualError):
    """An output file could not be written; the message names the file and the reason."""

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, with what the run left on disk.

    how: "interrupted" (SIGINT) or "terminated" (SIGTERM); left: what was written, for the
    one-line message; exit_code: 130 or 143, as a shell reports a process killed by the signal.
    """

    def __init__(self, how="interrupted", left="nothing was written", exit_code=130):
        self.how = how
        self.left = left
        self.exit_code = exit_code
        super().__init__(f"{how}; {left}")
