"""The usage admin, one module per area."""

from . import broadworks, charges, files, reconciliation, records  # noqa: F401
