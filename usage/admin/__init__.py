"""The usage admin, one module per area."""

from . import collection, files, records  # noqa: F401
