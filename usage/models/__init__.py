"""Where Django's app registry finds usage's models. Each concern keeps its own:
import a model from its concern (``usage.ctop.models``), never from here."""

import usage.billing.models
import usage.broadworks.models
import usage.carrier_files.layouts
import usage.carrier_files.models
import usage.coce.models
import usage.collection.models
import usage.ctop.models
import usage.jobs.models
import usage.reconciliation.models  # noqa: F401
