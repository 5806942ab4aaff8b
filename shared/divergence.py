"""The training loop's watch for divergence: every model, twin and script trains through
``shared.training.mini_batch_descent``, which watches with ``DivergenceWatch``; a run that
diverges stops with one line (TrainingDiverged), or, as the original as written does, warns
(TrainingDivergedWarning, shown by ``divergence_reports``) and goes on."""

import contextlib
import math
import warnings

import numpy as np

from shared.errors import (NonFiniteStart, TrainingDiverged, TrainingDivergedWarning,
                           quiet_overflow)

CROSS_ENTROPY_CHANCE = math.log(10)
"""The cross-entropy loss per image of a guess (1/10 for each of the 10 classes): where a run
that learns nothing settles (SLP, MLP, CNN)."""

EUCLIDEAN_CHANCE = 0.9
"""The Euclidean loss ||y - y_tilde||^2 per image of the best guess that ignores the image,
the class frequencies, 1/10 each: (1 - 1/10)^2 + 9/100 (predicting 0: 1). The linear SLP's."""


class DivergenceWatch:
    """Watch a training loop for divergence; a context manager around the loop.

    A diverging run overflows silently, as in MATLAB (numpy's overflow warnings are off
    inside, ``quiet_overflow``); the watch reports it, at the first iteration where

    - the loss is NaN or inf (:meth:`check`; at iteration 1, before any step, NonFiniteStart:
      the starting weights' fault), or a layer refuses an overflowed value (FloatingPointError);
    - the loss per image, the median over a window of ``WINDOW`` iterations, is above
      ``FAR_ABOVE_CHANCE`` times ``chance`` (the loss of a guess) and not below the window
      before's: far above chance and not coming down (:meth:`check`, from the second window);
    - the weights are NaN or inf, or their root mean square (all parameters together) has grown
      to ``GROWTH`` times its start, counted as at least 1 (:meth:`check_parameters`, after
      each step).

    ``stop``: raise TrainingDiverged (the default); or, for a run that reproduces the original
    as written, warn once (TrainingDivergedWarning) and go on; a NaN or inf still stops it.

    The thresholds come from runs on the real data (10,000 iterations of batches of 30): the
    SLPs, the MLP and the CNN with their own schedules, as written and fixed, seeds 0-4; the
    CNN's sigmoid, study-sigmoid, Volterra (seed 0) and Gaussian (seeds 0, 1) variants; and
    larger learning rates. The largest weights' growth, and the largest window median of the
    loss per image over chance that was not coming down:

    run                                            weights' growth   loss / chance
    every model and variant, errata fixed          1.08              1.9 (the linear SLP
                                                                     starts at 300: it falls)
    the CNN and its variants as written            1.02              2.1
    the MLP as written (E3)                        2.8               1.04
    the SLP as written (E3)                        15                28 (from 2.9: it climbs)
    the linear SLP as written (E3)                 1e21              1e44
    the CNN fixed at --lr 3 or 10, the MLP at 10   2 to 18           1.1 (dead units: chance)
    the CNN fixed at --lr 30 (accuracy 0.11)       130               4
    the CNN fixed at --lr 100 (accuracy 0.09)      2,000 (step 2)    20 (iteration 400)
    the CNN fixed at --lr 1000                     170,000 (step 1)  200
    the sigmoid CNN at --lr 1e4                    2,800 (step 1)    2,000
    the study-sigmoid CNN at --lr 1000             800 (step 1)      7,000
    the MLP fixed at --lr 50                       3,300 (step 2)    8
    the linear SLP fixed at --lr 0.1               1e41              1e83

    So ``GROWTH`` = 100 is 90 times what a healthy run reaches and 20 times below the CNN at
    --lr 100; ``FAR_ABOVE_CHANCE`` = 10 is 5 times a healthy run's and half the CNN's at --lr
    100 (which the weights flag first; on 90 synthetic images its weights grow 65 times and
    stop, and its loss stays at 19 times chance: only the loss flags it). As written, the linear
    SLP diverges (in Octave too) and the SLP's loss climbs far above chance: both are reported,
    and go on; the MLP's is not. The margins are factors, not roundings: any CPU.
    """

    GROWTH = 100.0
    """How far the weights' root mean square may grow from its start (at least 1)."""

    WINDOW = 100
    """Iterations per window of the loss (the median of a window ignores a few spikes)."""

    FAR_ABOVE_CHANCE = 10.0
    """How far above ``chance`` the loss per image may stay without coming down."""

    def __init__(self, parameters, chance=CROSS_ENTROPY_CHANCE, stop=True,
                 hint_as_written="as in the original as written (errata keep), the run goes "
                                 "on; --errata fix corrects its steps"):
        self.chance = chance
        self.stop = stop
        self.hint_as_written = hint_as_written
        with quiet_overflow():
            self.start_size = self._size(parameters)
        self.limit = self.GROWTH * max(self.start_size, 1.0)
        self.steps = 0  # the steps taken (the iteration of the last check_parameters)
        self.window = []  # the losses per image of the current window
        self.last_median = None  # the previous window's
        self.diverged = None  # the first divergence's message, when it did not stop the run

    def __enter__(self):
        self._errstate = quiet_overflow()
        self._errstate.__enter__()
        return self

    def __exit__(self, kind, exc, traceback):
        self._errstate.__exit__(kind, exc, traceback)
        if isinstance(exc, FloatingPointError):
            if self.steps == 0:
                raise NonFiniteStart(f"a value overflowed ({exc})") from None
            raise TrainingDiverged(self.steps + 1, str(exc)) from None
        return False

    def check(self, iteration, loss, batch_size=1):
        """Return ``loss`` (a number: the summed loss of ``batch_size`` images) of
        ``iteration`` (1-based); raise TrainingDiverged (NonFiniteStart at iteration 1) if
        it is NaN or inf, or if it ends a window far above chance, not coming down."""
        loss = float(loss)
        if not math.isfinite(loss):
            if iteration == 1:
                raise NonFiniteStart(f"the loss is {loss}")
            raise TrainingDiverged(iteration, f"the loss became {loss}")
        self.window.append(loss / batch_size)
        if len(self.window) == self.WINDOW:
            median = float(np.median(self.window))
            self.window = []
            if (self.last_median is not None and median >= self.last_median
                    and median > self.FAR_ABOVE_CHANCE * self.chance):
                self._diverged(iteration, f"the loss per image stayed at {median:.3g}, "
                                          f"{median / self.chance:.0f} times chance "
                                          f"({self.chance:.2g}), over iterations "
                                          f"{iteration - self.WINDOW + 1}-{iteration}")
            self.last_median = median
        return loss

    def check_parameters(self, iteration, parameters):
        """After step ``iteration``: raise TrainingDiverged if a weight is NaN or inf, or if the
        weights grew ``GROWTH`` times."""
        self.steps = iteration
        size = self._size(parameters)
        if math.isfinite(size) and size <= self.limit:
            return
        if not all(np.isfinite(p).all() for p in parameters):
            raise TrainingDiverged(iteration, "a weight became NaN or inf")
        self._diverged(iteration, f"the weights' root mean square grew from "
                                  f"{self.start_size:.2g} to {size:.3g}, beyond "
                                  f"{self.GROWTH:g} times its start")

    def _diverged(self, iteration, what):
        """Raise TrainingDiverged; with stop=False, warn instead, the first time only."""
        if self.stop:
            raise TrainingDiverged(iteration, what)
        if self.diverged is None:
            self.diverged = str(TrainingDiverged(iteration, what, self.hint_as_written))
            warnings.warn(TrainingDivergedWarning(self.diverged), stacklevel=4)

    @staticmethod
    def _size(parameters):
        """The root mean square of all ``parameters`` together (inf if it overflows, NaN if a
        weight is NaN). A few microseconds: it runs after every step."""
        squares, count = 0.0, 0
        for p in parameters:
            squares += np.vdot(p, p)
            count += np.size(p)
        return math.sqrt(squares / count) if count else 0.0


@contextlib.contextmanager
def divergence_reports(report):
    """Within: each TrainingDivergedWarning calls ``report(message)`` instead of Python's
    two-line display (other warnings are shown as before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", TrainingDivergedWarning)
        show = warnings.showwarning

        def showwarning(message, category, *args, **kwargs):
            if issubclass(category, TrainingDivergedWarning):
                report(str(message))
            else:
                show(message, category, *args, **kwargs)

        warnings.showwarning = showwarning
        yield
