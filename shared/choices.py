"""One check, one wording for every setting picked from a fixed list of names.

errata ("keep", "fix"), the dual twin's mode ("chain", "forward"), the variant
("reference", "dual"), a model's name, the CNN's activation and conv kind: each is checked by
``check_choice``, so that a wrong one reads the same wherever it is given (a function's
argument or a script's flag). Imports nothing: every layer of shared/ may use it.
"""

VARIANTS = ("reference", "dual")
"""The two implementations of every model: the port (hand-derived backward) and its twin."""


def choice_error(name, value, choices):
    """The ValueError for ``value`` not among ``choices``: "<name> must be one of 'a', 'b', got
    'x'", the choices quoted in their order (a mapping's keys)."""
    listed = ", ".join(repr(c) for c in choices)
    return ValueError(f"{name} must be one of {listed}, got {value!r}")


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices`` (a sequence or a mapping's keys), else raise
    ``choice_error``. Unhashable values (a list given for a name) are wrong, not a TypeError."""
    try:
        if value in choices:
            return value
    except TypeError:  # an unhashable value looked up in a mapping
        pass
    raise choice_error(name, value, choices)
