"""The catalogue of known mistakes, one for the MATLAB checker (checker/layers.py,
checker/training.py) and the lessons (mains/lessons.py): what each is called, and, for the ones
that are a function of the right answer, how to make the wrong answer from the right one (so a
check can say "this is the right answer with the opposite sign" instead of only "off by 2")."""

import numpy as np

from shared.matlab import reshape_f

# ---- the checker's messages (their text is what tests/test_check*.py expect) ----------------

E1 = ("returns the 4x49x3 block layout (im2col's, before col2im), not the 14x14x3 gradient: "
      "erratum E1 of the original")
E2 = ("the conv weight step reshapes Conv_backward's channel-fastest 1x27 row straight to "
      "3x3x1x3 (reshape(dldw_conv, [f f c1 c2])): erratum E2 of the original")
E3 = ("the weight step is a column-major reshape of FC_backward's row-major gradient "
      "(reshape(dldw, [n m]) where reshape(dldw, [m n])' reads it): erratum E3 of the original")
OPPOSITE = "steps up its gradient (the opposite sign): the loss grows"
FC_TRANSPOSE = "w's transpose; the assignment's is a row, row after row"
NO_FACTOR_2 = "dLdy lacks the factor 2 of d/dy_tilde sum((y - y_tilde).^2)"

# ---- the lessons' names for the same mistakes, each a function of the right answer ---------

OPPOSITE_SIGN = "the opposite sign (a step up the gradient, or y - y_tilde for y_tilde - y)"
TRANSPOSE = "the transpose of the right answer (rows for columns)"
COLUMN_MAJOR = ("a column-major read of a row-major gradient (reshape as MATLAB does, order='F', "
                "where the layout is row after row): the mistake of errata E2 and E3")
ROW_MAJOR = "a row-major read of a column-major layout (order='C' where MATLAB's is order='F')"
MISSING_FACTOR = "half the right answer: a missing factor 2 (e.g. the 2 of d/dx x^2)"
EXTRA_FACTOR = "twice the right answer: a factor 2 too many (or a missing 1/2)"
FLOOR_FOR_CEIL = "floor where ceil is meant (or the other way round)"
NO_UPSTREAM = "the upstream gradient dropped (the local derivative alone, not times dL/dy)"
FLIPPED = ("the kernel flipped (a convolution's gradient, where Conv.m's layer is a "
           "cross-correlation: w(i, j) meets the pixel at offset (i, j), not (2 - i, 2 - j))")
TIE_TWICE = ("a tie counted twice: every maximum of a pooling block gets the whole gradient, "
             "where the convention gives it to one (or splits it)")


def _reads(want):
    """The layouts a right answer ``want`` is often read in by mistake: (name, array). An m x n
    gradient listed column-major and read back as n x m (errata E2 and E3) is, for some split of
    ``want``'s axes into a x b, the transpose of its column-major a x b reading."""
    if want.ndim == 2 and want.shape[0] > 1 and want.shape[1] > 1:
        yield TRANSPOSE, want.T
    if want.size > 1 and want.ndim >= 2:
        flat = reshape_f(want, (-1,))
        for k in range(1, want.ndim):
            a, b = int(np.prod(want.shape[:k])), int(np.prod(want.shape[k:]))
            for rows, columns in {(a, b), (b, a)}:
                read = reshape_f(reshape_f(flat, (rows, columns)).T, (-1,))
                yield COLUMN_MAJOR, reshape_f(read, want.shape)
        yield ROW_MAJOR, reshape_f(want, (-1,)).reshape(want.shape)


def candidates(want, upstream=None, ties=None, known=()):
    """The known wrong answers built from the right answer ``want``: (name, array); first the
    ``known`` ones a caller built itself (e.g. (FLOOR_FOR_CEIL, n // k)). ``upstream``
    (dL/dy, for a backward function) adds the dropped upstream gradient; ``ties`` (the answer
    when ties are counted twice, for pooling) adds that mistake."""
    want = np.asarray(want, dtype=float)
    for name, wrong in known:
        yield name, np.asarray(wrong, dtype=float)
    yield OPPOSITE_SIGN, -want
    yield from _reads(want)
    yield MISSING_FACTOR, want / 2
    yield EXTRA_FACTOR, want * 2
    yield FLOOR_FOR_CEIL, np.floor(want)
    yield FLOOR_FOR_CEIL, np.ceil(want)
    if upstream is not None:
        upstream = np.asarray(upstream, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            yield NO_UPSTREAM, np.where(upstream != 0, want / upstream, want)
    if ties is not None:
        yield TIE_TWICE, np.asarray(ties, dtype=float)


def name_mistake(got, want, tolerance, upstream=None, ties=None, known=()):
    """The name of the known mistake that turns ``want`` into ``got`` (to ``tolerance``,
    relative to max |got|), or None. A candidate equal to ``want`` itself (a symmetric matrix's
    transpose, floor of whole numbers) names nothing."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(float(np.max(np.abs(want), initial=0.0)), np.finfo(float).tiny)
    for name, wrong in candidates(want, upstream, ties, known):
        if wrong.shape != got.shape:
            continue
        if wrong.shape == want.shape and np.allclose(wrong, want, rtol=0, atol=tolerance * scale):
            continue  # not a mistake here: the same as the right answer
        if np.max(np.abs(got - wrong), initial=0.0) <= max(tolerance, 1e-12) * scale:
            return name
    return None
