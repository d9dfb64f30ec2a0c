"""The usage admin, one module per area."""

from . import billing, broadworks, charges, collection, files, reconciliation, records  # noqa: F401
