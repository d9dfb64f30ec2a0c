"""The usage admin, one module per area."""

from usage.admin import billing, broadworks, charges, collection, files, reconciliation, records  # noqa: F401
