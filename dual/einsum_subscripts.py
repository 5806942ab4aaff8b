"""numpy.einsum's subscripts, read: what DualArray's einsum rule needs to add a label for the
partials (dual/dual_array.py). numpy parses them in C and does not expose the result."""

from string import ascii_letters


def parse_subscripts(subscripts):
    """'ij,jk->ik' (spaces ignored; '...' kept) -> (['ij', 'jk'], 'ik'). Without '->' (implicit
    mode) the output is numpy's: the broadcast dimensions, then the labels seen once, in
    alphabetical order."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    if not arrow:
        labels = [c for c in "".join(inputs) if c in ascii_letters]
        once = sorted(c for c in set(labels) if labels.count(c) == 1)
        output = "..." * ("..." in subscripts) + "".join(once)
    return inputs, output


def free_label(subscripts):
    """A letter the subscripts do not use (for the partials' axis)."""
    return next(c for c in ascii_letters if c not in subscripts)
