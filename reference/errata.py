"""The errata switch of the reference port (SPEC.md, "Errata of the original").

- ``"keep"`` (default): reproduce the original bit for bit, errata included.
  E1: ``Pool2x2_backward`` returns its 4x49x3 block-layout array instead of the 14x14x3
  spatial gradient, so the conv gradients are computed from scrambled values.
  E2: ``TrainCNN`` reshapes the 1x27 conv weight gradient (channel fastest) straight to
  3x3x1x3 (kernel row fastest), scrambling its axes.
- ``"fix"``: correct both (and compute the softmax stably): the true gradients.
"""

ERRATA_CHOICES = ("keep", "fix")


def check_errata(errata):
    """Return ``errata`` if it is "keep" or "fix", else raise a ValueError naming the choices."""
    if errata not in ERRATA_CHOICES:
        raise ValueError(f"errata must be 'keep' or 'fix', got {errata!r}")
    return errata
