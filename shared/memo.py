"""Keep the last result of a function of an image batch, for the backward pass that asks again.

MATLAB's backward functions take the forward layer's input x (``Conv_backward(dLdy, x, ...)``,
``Pool2x2_backward(dLdy, x, y)``) and build from it what the forward built (the im2col patches,
the pooling blocks) a second time. :func:`keep_last` gives the same result without building it
again, and only when that is exact: x is the very same array object AND still holds the same
values (a copy of them is kept to compare). Anything else -- another array, an array changed
in place, a DualArray -- is computed afresh.
"""

import functools

import numpy as np


def keep_last(function):
    """Decorate ``function(x, *args)``: its result for the last plain ndarray x (per args) is
    kept, read-only, and returned again while x is the same, unchanged array."""
    kept = {}  # args -> (x, a copy of x's values, result)

    @functools.wraps(function)
    def last_or_new(x, *args):
        if type(x) is not np.ndarray:
            return function(x, *args)
        last = kept.get(args)
        if last is not None and last[0] is x and (last[1] == x).all():
            return last[2]
        result = function(x, *args)
        for array in result if isinstance(result, tuple) else (result,):
            array.flags.writeable = False
        kept[args] = (x, x.copy(order="K"), result)  # (laid out like x: a faster compare)
        return result

    return last_or_new
