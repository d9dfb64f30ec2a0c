"""The usage admin, one module per area."""

from . import broadworks, charges, collection, files, reconciliation, records  # noqa: F401
