"""Test profile: fixed throwaway keys, fast hashing, files under a temporary folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-ssaas-backoffice-not-for-production-0123")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdC1vbmx5LWZpZWxkLWtleS1zc2Fhcy0wMDAwMDA=",
)
# Stored files under a temporary folder of each test process: the suite's parallel
# workers would otherwise share one (inherited from the controller's environment) and
# see each other's files. A command a test runs in a subprocess inherits its worker's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "-")
if os.environ.get("SSAAS_TEST_FOLDERS_OF") != _WORKER:
    os.environ["SSAAS_TEST_FOLDERS_OF"] = _WORKER
    os.environ["CARRIER_FILES_ROOT"] = tempfile.mkdtemp(prefix="ssaas-test-carrier-files-")
    os.environ["ONBOARDING_UPLOADS_ROOT"] = tempfile.mkdtemp(prefix="ssaas-test-onboarding-uploads-")
    os.environ["SSAAS_TEST_PROGRESS_DIR"] = tempfile.mkdtemp(prefix="ssaas-test-progress-")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
# Progress notes (ssaas/common/progress.py) in files under a folder of each test process
# (its ids collide with the other workers'), whatever the environment says of Redis;
# a command a test runs in a subprocess shares its worker's. tests/conftest.py empties
# it after each test.
CACHES = {
    **CACHES,  # noqa: F405
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["SSAAS_TEST_PROGRESS_DIR"],
    },
}
ALLOWED_HOSTS = ["*"]

# A file, not memory, for SQLite's test database: tests that run a command in
# another process (a kill during ingest) must reach the same database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405
