"""The usage admin: each concern registers its own admin classes."""

import usage.billing.admin  # noqa: F401
import usage.broadworks.admin  # noqa: F401
import usage.carrier_files.admin  # noqa: F401
import usage.coce.admin  # noqa: F401
import usage.collection.admin  # noqa: F401
import usage.ctop.admin  # noqa: F401
import usage.jobs.admin  # noqa: F401
import usage.reconciliation.admin  # noqa: F401
