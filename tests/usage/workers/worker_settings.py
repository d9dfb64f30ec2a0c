"""Settings of the ``manage.py qcluster`` processes the worker tests start: the test
profile (its keys, its folders from the environment), with django-q2 as
production runs it with ``Q_REDIS_URL`` set: the Redis broker, tasks run by the
cluster's workers (not at once in the caller, as the test profile does), and the
progress store in the same Redis."""

import os

from django.core.exceptions import ImproperlyConfigured

from ssaas import settings as production
from ssaas.settings_test import *  # noqa: F403

if "redis" not in production.Q_CLUSTER:
    raise ImproperlyConfigured("the worker tests' clusters need Q_REDIS_URL")

Q_CLUSTER = {
    **production.Q_CLUSTER,
    # How often the sentinel looks after its workers; the scheduler runs once 30 s of
    # these have passed, so a cycle of 30 runs it as the cluster starts.
    "guard_cycle": float(os.environ.get("TEST_Q_GUARD_CYCLE", "0.5")),
}
CACHES = production.CACHES
