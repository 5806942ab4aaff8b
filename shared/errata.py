"""The errata switch (docs/original.md, "The errata").

- ``"keep"`` (the reference's default): reproduce the original as written, errata included.
  E1: ``Pool2x2_backward`` returns its 4x49x3 block-layout array instead of the 14x14x3
  spatial gradient, so the conv gradients are computed from scrambled values.
  E2: ``TrainCNN`` reshapes the 1x27 conv weight gradient (channel fastest) straight to
  3x3x1x3 (kernel row fastest), scrambling its axes.
  E3 (the perceptrons): ``TrainSLP_linear``, ``TrainSLP`` and ``TrainMLP`` (both layers) add
  ``reshape(dldw, [n m])`` to their n x m accumulators, a column-major reading of
  ``FC_backward``'s row-major 1 x n*m row (``TrainCNN`` reads it as ``reshape(dldw, [m n])'``):
  a scrambled weight step, with which the three train to chance
  (``shared.training.fc_weight_step``).
- ``"fix"``: correct all three (and compute the softmax stably): the true gradients, which are
  all the dual twin computes.
"""

from shared.choices import check_choice

ERRATA_CHOICES = ("keep", "fix")
TRUE_DERIVATIVES = ("fix",)
"""The dual twin's only setting: dual numbers give true derivatives, not the original's."""


def check_errata(errata, choices=ERRATA_CHOICES):
    """Return ``errata`` if it is one of ``choices``, else raise a ValueError naming them
    (``shared.choices.check_choice``; the dual twin's one choice says why)."""
    if choices == TRUE_DERIVATIVES and errata not in choices:
        raise ValueError(f"the dual twin computes true derivatives: errata must be 'fix', got "
                         f"{errata!r} (errata='keep' is the reference's)")
    return check_choice("errata", errata, choices)
