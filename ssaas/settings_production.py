"""Production profile: the base settings plus HTTPS-only hardening.

Use with ``DJANGO_SETTINGS_MODULE=ssaas.settings_production``; it passes
``manage.py check --deploy`` without warnings. SECRET_KEY, ALLOWED_HOSTS,
FIELD_ENCRYPTION_KEYS and DATABASE_URL must come from the environment.
"""

from .settings import *  # noqa: F403
from .settings import env

DEBUG = False

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
