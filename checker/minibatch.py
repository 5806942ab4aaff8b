"""The check of GetMiniBatch, by its properties, at several sizes.

``[mini_batch_x, mini_batch_y] = GetMiniBatch(im_train, label_train, batch_size)`` must put
every image in exactly one mini-batch, with its one-hot label in the same column; batches of
batch_size images, the last one the remainder (a remainder joined to the batch before it is
noted, not a fault). It is called on the real size, 12,000 images in batches of 30 (30 divides
it), on one image more than a multiple, and at batch sizes 10 and 64, so that an empty last
batch, a dropped remainder and a hard-coded 30 (the original's) show.
"""

import math

import numpy as np

from checker.judging import Judgement, numeric

SIZES = ((12000, 30), (121, 30), (100, 10), (232, 64))
"""(images, batch size) of each case: the real 12,000 / 30; 121 = 4 x 30 + 1; batch sizes 10
and 64 (232 = 3 x 64 + 40: a last batch of more than 30), where a hard-coded 30 shows."""

ROW_CELLS = ("1 x K cell arrays (the original's are K x 1: a Train*.m that counts "
             "size(mini_batch_x, 1) sees one batch)")
HARD_CODED = "hard-codes a batch size of 30 (the original's if idx + 30 > nTrain)"
IMAGES = 12000
HARD_CODED_IMAGES = "hard-codes the 12,000 images of the course's data"


def get_mini_batch_cases(rng, sizes=SIZES):
    """Distinct images (so that each can be found again) with labels 0..9, at ``sizes``."""
    return [[rng.uniform(0.0, 1.0, (196, n)), rng.integers(10, size=(1, n)).astype(float),
             float(size)] for n, size in sizes]


def get_mini_batch_judge(cases, results, rng, batch_size=30, hard_coded=HARD_CODED):
    """Every case judged; the faults of the first case that has any, named. ``batch_size``:
    the assignment's (a function right at it alone hard-codes it: ``hard_coded``)."""
    judgement = Judgement()
    faults = []
    for args, result in zip(cases, results):
        fault, notes = (f"fails: {result}", []) if isinstance(result, str) else \
            judge_case(*args, *result)
        for note in notes:
            if note not in judgement.notes:
                judgement.note(note)
        if fault:
            faults.append((args, fault))
    if faults:
        sizes = {int(args[2]) for args, _ in faults}
        counts = {args[0].shape[1] for args, _ in faults}
        if IMAGES not in counts and len(faults) == len(cases) - 1 and len(cases) > 1:
            first_args, first = faults[0]
            judgement.fault(f"{HARD_CODED_IMAGES}: right at {IMAGES:,}, wrong at "
                            f"{' and '.join(f'{n:,}' for n in sorted(counts))} images (at "
                            f"{first_args[0].shape[1]:,}: {first})")
        elif sizes and batch_size not in sizes:
            first_args, first = faults[0]
            judgement.fault(f"{hard_coded}: right at {batch_size}, wrong at batch size "
                            f"{' and '.join(map(str, sorted(sizes)))} (at {int(first_args[2])}: "
                            f"{first})")
        else:
            args, fault = faults[0]
            judgement.fault(f"{fault} ({args[0].shape[1]:,} images, batch size {int(args[2])})")
    return judgement.verdict()


def judge_case(im_train, label_train, batch_size, batches_x, batches_y):
    """(the fault or None, [notes]) of one call."""
    n, size = im_train.shape[1], int(batch_size)
    notes = []
    cells = []
    for what, value in (("mini_batch_x", batches_x), ("mini_batch_y", batches_y)):
        value = np.asarray(value, dtype=object)
        if value.dtype != object or any(numeric(c) is None for c in value.ravel()):
            return f"{what} is not a cell array of batches", notes
        if value.ndim == 2 and value.shape[0] == 1 and value.shape[1] > 1:
            notes.append(ROW_CELLS)
        cells.append([numeric(c) for c in value.ravel()])
    xs, ys = cells
    if len(xs) != len(ys):
        return f"{len(xs)} image batches but {len(ys)} label batches", notes
    sizes = [x.shape[1] if x.ndim == 2 and x.size else 0 for x in xs]
    if any(x.size and (x.ndim != 2 or x.shape[0] != 196) for x in xs):
        return "a batch of images is not 196 x b", notes
    full, remainder = divmod(n, size)
    if sizes and sizes[-1] == 0:
        if remainder:
            return (f"the last, partial batch is left empty: its {remainder} image(s) are "
                    "dropped"), notes
        return f"the last batch is empty ({size} divides {n}: one batch too many)", notes
    expected = [size] * full + ([remainder] if remainder else [])
    if sizes != expected:
        merged = [size] * (full - 1) + [size + remainder]
        if remainder and full and sizes == merged:
            notes.append(f"the remainder joins the last batch ({size + remainder} images)")
        elif sum(sizes) < n and sizes == [size] * full:
            return f"drops the last {remainder} image(s): {sum(sizes)} of {n} used", notes
        else:
            shown = _sizes_text(sizes)
            return (f"batches of {shown}; expected {_sizes_text(expected)} "
                    f"(ceil({n}/{size}) = {math.ceil(n / size)} batches)"), notes
    images = np.hstack(xs)
    labels = np.hstack([y.reshape(10, -1, order="F") if y.size else np.zeros((10, 0))
                        for y in ys]) if all(y.size % 10 == 0 for y in ys) else None
    columns = {im_train[:, j].tobytes(): j for j in range(n)}
    found = [columns.get(np.ascontiguousarray(images[:, j]).tobytes()) for j in
             range(images.shape[1])]
    if any(f is None for f in found) or sorted(found) != list(range(n)):
        missing = n - len({f for f in found if f is not None})
        return (f"the batches do not hold every image exactly once ({missing} missing, "
                f"{len(found) - len(set(found))} repeated)"), notes
    if labels is None or labels.shape[1] != n:
        return "the label batches are not 10 x b one-hot columns beside their images", notes
    if not (np.isin(labels, (0, 1)).all() and (labels.sum(axis=0) == 1).all()):
        return "the labels are not one-hot columns (one 1 each, zeros elsewhere)", notes
    if not (labels.argmax(axis=0) == label_train[0, found]).all():
        return "the labels are not aligned with their images (shuffled apart?)", notes
    if found == list(range(n)):
        notes.append("the images are not shuffled")
    return None, notes


def _sizes_text(sizes):
    """[30, 30, 30, 1] -> '3 x 30, 1'."""
    parts, i = [], 0
    while i < len(sizes):
        j = i
        while j < len(sizes) and sizes[j] == sizes[i]:
            j += 1
        parts.append(f"{j - i} x {sizes[i]}" if j - i > 1 else str(sizes[i]))
        i = j
    return ", ".join(parts) or "none"

