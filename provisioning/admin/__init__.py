"""The provisioning admin, one module per concern; importing them registers them."""

from . import features, orders, services  # noqa: F401
