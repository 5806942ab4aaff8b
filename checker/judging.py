"""How one function's results are judged: shapes as MATLAB sees them, relative errors, notes."""

from contextvars import ContextVar
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


STATUSES = ("correct", "layout", "wrong", "error", "unsupported", "missing")
"""A function's verdict: correct; layout (the values are right, the shape is not the
assignment's); wrong; error (it raised, or did not return); unsupported (it needs a feature
GNU Octave lacks, named in the note); missing (no file)."""

FAULTS = ("wrong", "error")
"""The statuses that make a check fail (``layout`` too, with ``--strict``)."""

CONVENTION = ContextVar("convention", default=None)
"""The layouts of another language's version of the assignment, where they are not MATLAB's
(``checker.python_check.PythonConvention``): the judges give each result's true value in
MATLAB's layout, the convention says what the other language's is and which others to
recognise. None: MATLAB's own."""


@dataclass
class Verdict:
    """``status``: one of STATUSES; ``max_rel_error``: the largest relative error of the
    results (None when nothing numeric was compared); ``note``: why, in a line."""

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
        self.convention = CONVENTION.get()
        self.errors = []
        self.faults = []
        self.layouts = []
        self.notes = []

    def compare(self, what, got, want, known_mistakes=(), layouts=(), free=()):
        """Compare result ``what`` with ``want`` (in the assignment's layout). ``known_mistakes``:
        (description, what a result with that mistake would be) pairs; a wrong result that
        matches one is named by its description. ``layouts``: (description, the right values
        in another layout) pairs, ``free``: the same for layouts the assignment leaves free.
        Right values in another layout are a ``layout`` (noted, ``free``: correct): besides the
        given ones, the right values in the right order in another shape (a column for a row,
        a 1 x n x m array), and a matrix's transpose. Returns whether the result is right.
        Under a CONVENTION, ``want`` and the rest are first put in its layouts (and ``what``
        in its words), and shapes are its own."""
        if self.convention is not None:
            what, want, known_mistakes, layouts, free = self.convention.adapt(
                what, want, known_mistakes, layouts, free)
        shape_of, text = ((self.convention.shape, self.convention.text) if self.convention
                          else (matlab_shape, shape_text))
        want = np.asarray(want, dtype=float)
        value = numeric(got)
        if value is None:
            self.faults.append(f"{what} is a {type(got).__name__} of {np.asarray(got).dtype}, "
                               f"expected a {text(shape_of(want))} numeric array")
            return False
        mistake = self._match(value, known_mistakes)
        compared = value.size == want.size
        if compared:  # as MATLAB code reading it in want's shape would see it
            self.errors.append(relative_error(reshape_f(value, want.shape), want))
        same_shape = shape_of(value) == shape_of(want)
        if same_shape and self.errors[-1] <= self.tolerance:
            return True
        if mistake is None:
            got_shape = text(shape_of(value))
            assignment = (self.convention.assignment(want) if self.convention else
                          f"the assignment's is {shape_text(matlab_shape(want))}")
            for description, right in free:
                if (error := self._error_if_alike(value, right)) is not None:
                    self._right_in_another_layout(compared, error)
                    self.notes.append(f"{what} is {got_shape} ({description}; {assignment})")
                    return True
            generic = () if same_shape or self.convention else generic_layouts(want)
            for description, right in [*layouts, *generic]:
                if (error := self._error_if_alike(value, right)) is not None:
                    self._right_in_another_layout(compared, error)
                    self.layouts.append(f"{what} is {got_shape} ({description})"
                                        + ("" if "assignment's" in description else
                                           f"; {assignment}"))
                    return True
        if same_shape:  # (NaN is wrong too)
            self.faults.append(mistake or f"{what} is off by {self.errors[-1]:.2g} (relative)")
        else:
            self.faults.append(mistake or f"{what} is {text(shape_of(value))}, "
                                          f"expected {text(shape_of(want))}")
        return False

    def _right_in_another_layout(self, compared, error):
        """The error of a result whose values are right in another layout: theirs there (not
        that of its column-major reading in the assignment's shape)."""
        if compared:
            self.errors[-1] = error
        else:
            self.errors.append(error)

    def _error_if_alike(self, value, right):
        """The relative error of ``value`` against ``right`` when it has right's shape (as
        MATLAB sees it) and is within the tolerance; else None."""
        right = np.asarray(right, dtype=float)
        if matlab_shape(value) != matlab_shape(right):
            return None
        error = relative_error(value.reshape(right.shape), right)
        return error if error <= self.tolerance else None

    def _match(self, value, known_mistakes):
        for description, result in known_mistakes:
            if self._error_if_alike(value, result) is not None:
                return description
        return None

    def fault(self, text):
        """A property the results lack."""
        self.faults.append(text)

    def layout(self, text):
        """A layout that is not the assignment's, of right values (an argument taken in
        another orientation)."""
        self.layouts.append(text)

    def note(self, text):
        """Something worth saying that is not a fault (a convention at a kink or a tie)."""
        self.notes.append(text)

    def verdict(self):
        error = max(self.errors) if self.errors else None
        if self.faults:
            if any(np.isnan(e) for e in self.errors):
                error = float("nan")
            return Verdict("wrong", error, "; ".join(self.faults + self.layouts + self.notes))
        if self.layouts:
            return Verdict("layout", error, "; ".join(self.layouts + self.notes))
        return Verdict("correct", error, "; ".join(self.notes))


def generic_layouts(want):
    """Right values in another layout that any result may come in: the same values in the
    same (column-major) order in any other shape, and a matrix's transpose (with the same
    order read row after row)."""
    want = np.asarray(want, dtype=float)
    found = []
    for shape in _other_shapes(want):
        found.append(("the same values in the same order", reshape_f(want, shape)))
    if want.ndim == 2 and min(want.shape) > 1:
        found.append(("the transpose", want.T))
    return found


def _other_shapes(want):
    """The shapes a result of ``want``'s size is met in: a row, a column, and for a matrix
    1 x n x m."""
    shapes = [(1, want.size), (want.size, 1)]
    if want.ndim == 2 and min(want.shape) > 1:
        shapes.append((1, *want.shape))
    return [s for s in shapes if matlab_shape(np.empty(s)) != matlab_shape(want)]


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
