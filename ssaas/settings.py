"""Settings for the SSaaS back office, read from the environment (django-environ).

Every variable is documented in README.md ("Configuration"). With no
``DATABASE_URL`` the application runs on an SQLite file in the project folder.
"""

from pathlib import Path

import environ
from django.templatetags.static import static

from ssaas.common.secrets import checked_keys

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key exists only with DEBUG on; anywhere else SECRET_KEY must be set.
_DEV_SECRET_KEY = "dev-only-not-secret-ssaas-backoffice-0123456789-abcdefghijklmnop"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else environ.Env.NOTSET)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fernet keys for secrets at rest (FTP passwords), newest first. Decryption tries
# every key, encryption uses the first: add a new key in front to rotate, then run
# ``manage.py rotate_secrets`` and drop the old key.
_DEV_FIELD_KEY = "ZGV2LW9ubHktbm90LXNlY3JldC1zc2Fhcy1rZXktMDE="
# Each must be a Fernet key: anything else stops start-up here, naming the setting.
FIELD_ENCRYPTION_KEYS = checked_keys(
    env.list("FIELD_ENCRYPTION_KEYS", default=[_DEV_FIELD_KEY] if DEBUG else environ.Env.NOTSET)
)

INSTALLED_APPS = [
    # django-unfold's templates and static files before the admin's.
    "unfold.apps.BasicAppConfig",  # our own site class (ssaas.admin_site), not unfold's default
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "ssaas.apps.SsaasAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "csp",
    # The change log (providers.ChangeLogEntry, providers/changelog.py): its signals,
    # diffing and abstract log entry; its own LogEntry model is swapped out.
    "auditlog",
    "providers",
    "provisioning",
    "usage",
    # The project itself (no models): loaddemo, and the post_migrate that keeps the
    # role groups, the default layouts and the collection schedule.
    "ssaas.apps.SsaasConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Changes made by a request are logged as the logged-in user's (providers/changelog.py).
    "providers.changelog.ChangeLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes). The first backend refuses a login while its
# username and address are locked out; the second one logs people in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked after AXES_FAILURE_LIMIT failed logins for the same username from the same
# address, for AXES_COOLOFF_HOURS (0: until an administrator unlocks: the admin's
# "Access attempts" page, or `manage.py axes_reset_username <name>`,
# `axes_reset_ip <address>`, `axes_reset`). The address is REMOTE_ADDR: behind a
# reverse proxy, make the proxy pass the client's address there.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
_AXES_COOLOFF_HOURS = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_COOLOFF_TIME = _AXES_COOLOFF_HOURS or None
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# Content-Security-Policy (django-csp 4): everything from this site only, and no
# inline script: that is what stops injected markup from running. The admin theme
# (django-unfold) drives its menus, modals and filters with Alpine.js, whose
# standard build evaluates its attribute expressions ('unsafe-eval'), and sets a
# few widths and backgrounds in style attributes ('unsafe-inline' for styles
# only); nothing else is relaxed. Kept in this one dictionary;
# tests/ssaas/test_csp_browser.py opens the admin in Chromium and fails on any
# violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "ssaas.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ssaas.wsgi.application"

# An empty DATABASE_URL counts as unset: the embedded SQLite file of the project.
DATABASES = {
    "default": environ.Env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web server share the file. WAL lets pages read while the
    # worker writes (a rollback journal locks readers out: "database is locked"), and
    # writers take the lock when their transaction starts (IMMEDIATE) and wait for it
    # up to the timeout instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-au"
TIME_ZONE = "Australia/Sydney"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy on every page, whatever Django's en_AU says (ssaas/locale_formats/).
FORMAT_MODULE_PATH = ["ssaas.locale_formats"]

STATIC_URL = "static/"
# After logging in at /admin/login/ with no ?next (Unfold's form sends none): the
# front page, not Django's default /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"
# The project's own scripts and styles (the admin's pages load them; no inline scripts)
# are in ssaas/static/ssaas/, found as the ssaas app's static files.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))

# Where received carrier files (CTOP, COCE, BroadWorks reports) are kept, raw, so
# that any of them can be processed again.
CARRIER_FILES_ROOT = Path(env.str("CARRIER_FILES_ROOT", default=str(BASE_DIR / "var" / "carrier-files")))

# Onboarding files uploaded in the admin wait here between the dry run and the import.
ONBOARDING_UPLOADS_ROOT = env.path("ONBOARDING_UPLOADS_ROOT", default=BASE_DIR / "var" / "onboarding-uploads")

# The sample carrier files (a copy of ../shared/samples/) that demo data and tests use.
SAMPLES_DIR = Path(env.str("SAMPLES_DIR", default=str(BASE_DIR / "tests" / "fixtures" / "samples")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "carrier_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(CARRIER_FILES_ROOT)},
    },
}

# Uploaded spreadsheets and carrier files can be large; keep them out of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload stops being kept (in memory or on disk) once it passes UPLOAD_MAX_BYTES.
FILE_UPLOAD_HANDLERS = [
    "ssaas.common.limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# Limits on what a file may make the application do (README, "Security"). Each refusal
# names the file, the limit and the setting. A hostile or corrupt file is small on the
# wire and large once read: every one of these is counted as the file is read.
# An uploaded file (carrier file, BroadWorks report, onboarding file) larger than this is refused.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=256 * 1024 * 1024)
# A carrier file whose content (after gzip) is larger than this is rejected whole.
DECOMPRESSED_MAX_BYTES = env.int("DECOMPRESSED_MAX_BYTES", default=2 * 1024 * 1024 * 1024)
# A line longer than this in a carrier file or a CSV rejects the file (CTOP/COCE lines are
# a few hundred bytes): the reader never holds more than this of one line.
LINE_MAX_BYTES = env.int("LINE_MAX_BYTES", default=64 * 1024)
# Rows per onboarding sheet or CSV, and per BroadWorks report.
SPREADSHEET_MAX_ROWS = env.int("SPREADSHEET_MAX_ROWS", default=100_000)
# An XLSX whose members (sheets, shared strings) inflate beyond this is refused before
# openpyxl reads it; a cell's text longer than SPREADSHEET_CELL_MAX_CHARS is an error.
SPREADSHEET_MAX_BYTES = env.int("SPREADSHEET_MAX_BYTES", default=100 * 1024 * 1024)
SPREADSHEET_CELL_MAX_CHARS = env.int("SPREADSHEET_CELL_MAX_CHARS", default=10_000)
# Different texts (shared strings) in an onboarding workbook, counted before openpyxl
# keeps each as a Python string (about 100 bytes apiece): ten columns of
# SPREADSHEET_MAX_ROWS rows, each cell a text of its own.
SPREADSHEET_MAX_STRINGS = env.int("SPREADSHEET_MAX_STRINGS", default=1_000_000)
# Problems listed for one file: the first N, then "and K more".
ERRORS_LISTED_MAX = env.int("ERRORS_LISTED_MAX", default=100)
# An onboarding file larger than this (a workbook: once unpacked) is checked and imported
# by the worker, not in the request (its page says so and shows the result when done).
ONBOARDING_SYNC_MAX_BYTES = env.int("ONBOARDING_SYNC_MAX_BYTES", default=256 * 1024)
# A carrier file received or processing for longer than this is flagged under Needs attention.
STUCK_FILE_MINUTES = env.int("STUCK_FILE_MINUTES", default=120)
# A bill run's close running for longer than this (its worker killed half-way: the
# close's transaction is gone) may be closed again from its period's page.
STUCK_RUN_MINUTES = env.int("STUCK_RUN_MINUTES", default=60)

# django-q2: the ORM broker serves one machine; set Q_REDIS_URL to use Redis and run
# workers on several machines. ``retry`` must exceed ``timeout`` or a slow task is
# started a second time while the first still runs.
Q_TIMEOUT = env.int("Q_TIMEOUT", default=3600)
Q_CLUSTER = {
    "name": "ssaas",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 600,
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background tasks",
    "orm": "default",
}
if env.str("Q_REDIS_URL", default=""):
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = env.str("Q_REDIS_URL")

# How far long work has got (ssaas/common/progress.py): the worker writes and the pages
# read, so both processes must reach the same cache: files under
# CARRIER_FILES_ROOT/.progress on one machine (the worker and the web server both
# write there already); Redis (PROGRESS_CACHE_URL, else the broker's Q_REDIS_URL)
# when workers run on several. The default cache stays Django's per-process memory.
_PROGRESS_CACHE_URL = env.str("PROGRESS_CACHE_URL", default="") or env.str("Q_REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _PROGRESS_CACHE_URL,
            "KEY_PREFIX": "ssaas-progress",
        }
        if _PROGRESS_CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CARRIER_FILES_ROOT / ".progress"),
            # A note per piece of work, kept a day: far more than the default 300.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
}

# Daily collection of AAPT files over FTP/FTPS (usage/collection/). The schedule runs
# at COLLECTION_TIME, Australia/Sydney (the project's TIME_ZONE, which django-q2 uses
# to keep the daily run at the same local time across daylight saving); after changing
# it run ``manage.py migrate`` (its post_migrate keeps the schedule) or ``setup_schedules``.
COLLECTION_TIME = env.str("COLLECTION_TIME", default="06:30")
COLLECTION_CONNECT_TIMEOUT = env.float("COLLECTION_CONNECT_TIMEOUT", default=30.0)
COLLECTION_READ_TIMEOUT = env.float("COLLECTION_READ_TIMEOUT", default=120.0)
# Transient failures (timeouts, dropped connections, 4xx replies) are retried this many
# times in all, waiting COLLECTION_BACKOFF_SECONDS, then twice that, and so on.
COLLECTION_ATTEMPTS = env.int("COLLECTION_ATTEMPTS", default=3)
COLLECTION_BACKOFF_SECONDS = env.float("COLLECTION_BACKOFF_SECONDS", default=60.0)
# A provider's collection lock older than this is taken to belong to a dead worker.
COLLECTION_LOCK_SECONDS = env.int("COLLECTION_LOCK_SECONDS", default=Q_TIMEOUT)
# Downloads land here first, and are moved into CARRIER_FILES_ROOT only when complete:
# keep it on the same filesystem so that the move is a rename.
COLLECTION_TEMP_DIR = Path(env.str("COLLECTION_TEMP_DIR", default=str(CARRIER_FILES_ROOT / ".incoming")))
# Extra certificate authorities (PEM) trusted for FTPS, besides the system's.
FTP_CA_FILE = env.str("FTP_CA_FILE", default="") or None
# A provider with no new CTOP file by this hour (its own time zone) is flagged.
CTOP_LATE_HOUR = env.int("CTOP_LATE_HOUR", default=10)
# Plausibility (usage/ctop/identify.py): a call longer than this many seconds, or
# whose charge or AAPT's price is over this many dollars, is quarantined as
# "implausible" rather than billed. Raise a setting and re-process to bill it.
USAGE_IMPLAUSIBLE_SECONDS = env.int("USAGE_IMPLAUSIBLE_SECONDS", default=24 * 3600)
USAGE_IMPLAUSIBLE_CHARGE = env.str("USAGE_IMPLAUSIBLE_CHARGE", default="10000.00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# The change log (README, "Change log"): django-auditlog writes providers.ChangeLogEntry
# rows, scoped by provider; the old row is read through the base manager (a proxy's
# manager may filter), and foreign keys are kept as ids, named when shown.
AUDITLOG_LOGENTRY_MODEL = "providers.ChangeLogEntry"
AUDITLOG_USE_BASE_MANAGER = True
# auditlog's migrations create its own LogEntry table, unused once swapped, which
# Django's flush does not know of: its foreign key to content types then refuses
# every flush (TRUNCATE) on PostgreSQL. Its one model is swapped, so it needs none.
MIGRATION_MODULES = {"auditlog": None}

# "demo" or "production" beside the site's name (empty: no label).
ENVIRONMENT_LABEL = env.str("ENVIRONMENT_LABEL", default="demo" if DEBUG else "")

# django-unfold, the admin's theme: see ssaas/unfold.py for the sidebar and front page.
UNFOLD = {
    "SITE_TITLE": "SSaaS back office",
    "SITE_HEADER": "SSaaS back office",
    "SITE_SUBHEADER": "AAPT SSaaS resellers",
    "SITE_URL": None,
    "SITE_SYMBOL": "call",
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("ssaas/img/favicon.svg")},
    ],
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "ENVIRONMENT": "ssaas.unfold.environment_callback",
    "DASHBOARD_CALLBACK": "ssaas.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("ssaas/css/admin.css")],
    "SCRIPTS": [lambda request: static("ssaas/js/server-zone.js")],
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": "ssaas.unfold.sidebar_navigation",
    },
}
