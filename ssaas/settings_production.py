"""Production profile: the base settings plus HTTPS-only hardening.

Use with ``DJANGO_SETTINGS_MODULE=ssaas.settings_production``; it passes
``manage.py check --deploy`` without warnings. SECRET_KEY, ALLOWED_HOSTS,
FIELD_ENCRYPTION_KEYS and DATABASE_URL must come from the environment; it refuses
to start without its own SECRET_KEY, FIELD_ENCRYPTION_KEYS and ALLOWED_HOSTS
whatever DEBUG says.
"""

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import _DEV_FIELD_KEY, _DEV_SECRET_KEY, checked_keys, env

DEBUG = False

# The base settings fall back to development keys when DEBUG is on in the
# environment; production reads its own keys again, with no fallback at all, so a
# stray DEBUG=1 can neither switch DEBUG on here nor bring the public keys in.
SECRET_KEY = env.str("SECRET_KEY", default="")
FIELD_ENCRYPTION_KEYS = [key for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key.strip()]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Production needs its own SECRET_KEY in the environment (not the development key).")
if not FIELD_ENCRYPTION_KEYS or _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Production needs its own FIELD_ENCRYPTION_KEYS in the environment (not the development key)."
    )
FIELD_ENCRYPTION_KEYS = checked_keys(FIELD_ENCRYPTION_KEYS)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS in the environment.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
