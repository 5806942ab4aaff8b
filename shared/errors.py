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
