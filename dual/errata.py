"""The dual twin computes true derivatives: only ``errata="fix"`` exists here."""

ERRATA_CHOICES = ("fix",)


def check_errata(errata):
    """Return "fix"; anything else is a ValueError (the errata are the reference's to keep)."""
    if errata != "fix":
        raise ValueError(f"the dual twin computes true derivatives: errata must be 'fix', got "
                         f"{errata!r} (errata='keep' is reference.forward_backward's)")
    return errata
