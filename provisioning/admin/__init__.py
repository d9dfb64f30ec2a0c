"""The provisioning admin, one module per concern; importing them registers them."""

from . import customers, features, orders, plans, services  # noqa: F401
