"""Errors a user can cause. The command-line scripts print them as one line and exit non-zero."""


import numpy as np


class CnnDualError(Exception):
    """Base class: a problem with the user's input, data or run, worth one line to the user."""


class DataError(CnnDualError, ValueError):
    """A data file is missing, unreadable, or not shaped like the original MNIST .mat files."""


class WeightsError(CnnDualError, ValueError):
    """A weights file (MATLAB-style cnn.mat) is missing, unreadable or has the wrong shapes."""


class TrainingDiverged(CnnDualError, ArithmeticError):
    """The training loss became non-finite, or the weights exploded: the run diverged."""

    def __init__(self, iteration, what, hint="try a smaller learning rate (--lr)"):
        self.iteration = iteration
        super().__init__(f"training diverged at iteration {iteration} ({what}); {hint}")


class NonFiniteStart(WeightsError, ArithmeticError):
    """The loss is NaN or inf at iteration 1, before any step: the starting weights' fault."""

    def __init__(self, what):
        super().__init__(f"{what} at iteration 1, before any step was taken: the starting "
                         "weights are at fault (too large or not finite), not the learning rate")


class TrainingDivergedWarning(UserWarning):
    """A run that diverged and goes on: the original as written, reproduced (DivergenceWatch
    with stop=False). Shown as one line, ``warning: training diverged at iteration ...``."""


def quiet_overflow():
    """numpy's overflow, invalid-value and divide-by-zero warnings off, as in MATLAB, for code
    that checks the finiteness of its results itself (DivergenceWatch, check_finite) and then
    says what went wrong in one line, instead of a RuntimeWarning per operation."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


class NotFinite(CnnDualError, ArithmeticError):
    """A result is NaN or inf (check_finite): refused rather than printed."""


def check_finite(values, where):
    """Raise NotFinite if any of ``values`` (name -> number or array) holds NaN or inf, naming
    them: a result computed at weights far beyond training's (an overflow), never printed."""
    bad = [name for name, value in values.items() if not np.all(np.isfinite(value))]
    if bad:
        raise NotFinite(f"NaN or inf at {where}, in {'; '.join(bad)}: a value overflowed "
                        "(are the weights far larger than training's?)")


class MissingDataError(DataError):
    """A data file is absent (as opposed to present but unreadable or malformed)."""


class OutputError(CnnDualError):
    """An output file could not be written; the message names the file and the reason."""

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


class PartlyWritten:
    """Mixed into an OutputError or Interrupted raised when a run's outputs could be committed
    only in part and not rolled back (shared.file_set): the message says what is left where.
    ``keep_staging``: earlier files are still in the staging folder, which must then stay."""

    keep_staging = False


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

    @classmethod
    def of(cls, interrupt, left):
        """The Interrupted saying ``left`` for the KeyboardInterrupt ``interrupt`` (an
        Interrupted keeps its signal; a plain one is Ctrl-C's)."""
        if isinstance(interrupt, Interrupted):
            return cls(interrupt.how, left, interrupt.exit_code)
        return cls(left=left)


class PartlyWrittenOutput(PartlyWritten, OutputError):
    """An OutputError after a partial commit (PartlyWritten)."""


class PartlyWrittenInterrupted(PartlyWritten, Interrupted):
    """An Interrupted after a partial commit (PartlyWritten)."""
