"""Exception and warning types shared by every layer of metaan.

They live in their own module so that the lowest layer (data) and the highest (plots, cli) can raise and
catch the same types without importing each other.
"""


class MetaanWarning(UserWarning):
    """A statistically dubious but legal request (e.g. k < 5 with a z-test, Egger's test with k < 10)."""


class InputError(ValueError):
    """Bad arrays given to a statistical function; the message names the study (label or index) and the rule."""


class DataError(ValueError):
    """A data file that breaks the schema; the message names file, CSV line, column, value and the rule."""
