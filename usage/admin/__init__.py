"""The usage admin, one module per area."""

from . import files, records  # noqa: F401
