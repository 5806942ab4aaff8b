"""Errors a user can cause. The command-line scripts print them as one line and exit non-zero."""


class CnnDualError(Exception):
    """Base class: a problem with the user's input, data or run, worth one line to the user."""


class DataError(CnnDualError, ValueError):
    """A data file is missing, unreadable, or not shaped like the original MNIST .mat files."""


class WeightsError(CnnDualError, ValueError):
    """A weights file (MATLAB-style cnn.mat) is missing, unreadable or has the wrong shapes."""


class TrainingDiverged(CnnDualError, ArithmeticError):
    """The training loss became non-finite (NaN or inf)."""

    def __init__(self, iteration, loss):
        self.iteration = iteration
        self.loss = loss
        super().__init__(
            f"training diverged: the loss became {loss} at iteration {iteration}; "
            "try a smaller learning rate (--lr)"
        )


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
