"""How one function's results are judged: shapes as MATLAB sees them, relative errors, notes."""

from dataclasses import dataclass

import numpy as np

from shared.gradcheck import finite_differences, relative_error
from shared.matlab import reshape_f

TOLERANCE = 1e-10
"""The largest relative error (max |got - want| / max |want|) of a correct result: a few
hundred roundings of values of order one; a wrong formula, layout or sign is off by order one."""

TRAINING_TOLERANCE = 1e-9
"""The same for weights after 10,000 training steps, where the roundings of Octave and numpy
(different summation orders) compound; seen: 3e-14 (TrainCNN), 7e-15 (TrainMLP)."""

DIFFERENCES_TOLERANCE = 1e-6
"""How closely central differences must confirm a true gradient (dual numbers) before it is
used: if they do not, the checker itself is wrong and says so."""


@dataclass
class Verdict:
    """``status``: correct, wrong, error or missing; ``max_rel_error``: the largest relative
    error of the results (None when nothing numeric was compared); ``note``: why, in a line."""

    status: str
    max_rel_error: float | None = None
    note: str = ""

    def as_dict(self):
        return {"status": self.status, "max_rel_error": self.max_rel_error, "note": self.note}


def matlab_shape(array):
    """The size MATLAB reports: at least two dimensions, trailing singletons beyond the second
    dropped (a 14x14x1 array is 14x14)."""
    shape = list(np.shape(array)) + [1] * max(0, 2 - np.ndim(array))
    while len(shape) > 2 and shape[-1] == 1:
        shape.pop()
    return tuple(shape)


def shape_text(shape):
    return "x".join(map(str, shape))


def numeric(value):
    """The value as a float array, or None if it is not numeric (a cell, a struct, a string)."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(float)


class Judgement:
    """The comparisons of one function's results against what they should be."""

    def __init__(self, tolerance=TOLERANCE):
        self.tolerance = tolerance
        self.errors = []
        self.faults = []
        self.notes = []

    def compare(self, what, got, want, known_mistakes=()):
        """Compare result ``what`` with ``want``. ``known_mistakes``: (description, what a
        result with that mistake would be) pairs; a wrong result that matches one is named by
        its description. Returns whether the result is right."""
        want = np.asarray(want, dtype=float)
        value = numeric(got)
        if value is None:
            self.faults.append(f"{what} is a {type(got).__name__} of {np.asarray(got).dtype}, "
                               f"expected a {shape_text(matlab_shape(want))} numeric array")
            return False
        mistake = self._known(value, known_mistakes)
        if value.size == want.size:  # as MATLAB code reading it in want's shape would see it
            self.errors.append(relative_error(reshape_f(value, want.shape), want))
        if matlab_shape(value) != matlab_shape(want):
            self.faults.append(mistake or f"{what} is {shape_text(matlab_shape(value))}, "
                                          f"expected {shape_text(matlab_shape(want))}")
            return False
        error = self.errors[-1]
        if not error <= self.tolerance:  # (NaN is wrong too)
            self.faults.append(mistake or f"{what} is off by {error:.2g} (relative)")
            return False
        return True

    def _known(self, value, known_mistakes):
        for description, result in known_mistakes:
            result = np.asarray(result, dtype=float)
            if (matlab_shape(value) == matlab_shape(result)
                    and relative_error(value.reshape(result.shape), result) <= self.tolerance):
                return description
        return None

    def fault(self, text):
        """A property the results lack."""
        self.faults.append(text)

    def note(self, text):
        """Something worth saying that is not a fault (a convention at a kink or a tie)."""
        self.notes.append(text)

    def verdict(self):
        error = max(self.errors) if self.errors else None
        if self.faults:
            if any(np.isnan(e) for e in self.errors):
                error = float("nan")
            return Verdict("wrong", error, "; ".join(self.faults + self.notes))
        return Verdict("correct", error, "; ".join(self.notes))


def confirm_by_differences(scalar, point, gradient, rng, directions=2):
    """Check a true gradient (from dual numbers) by central differences before judging with it:
    the derivative of ``scalar`` at ``point`` along random directions must equal the gradient's
    inner product with them. Raises AssertionError (the checker's own fault) if not."""
    point = np.asarray(point, dtype=float)
    vectors = rng.standard_normal((directions,) + point.shape)

    def along(t):
        return scalar(point + np.tensordot(t, vectors, axes=1))

    by_differences = finite_differences(along, np.zeros(directions))
    by_dual = np.tensordot(vectors, np.asarray(gradient, dtype=float).reshape(point.shape),
                           axes=point.ndim)
    error = relative_error(by_dual, by_differences, floor=1e-8)
    assert error <= DIFFERENCES_TOLERANCE, (
        f"the checker's own true gradient disagrees with central differences by {error:.2g}")
