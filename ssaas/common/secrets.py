"""Encryption of secrets at rest (FTP passwords) with Fernet keys from the settings.

``FIELD_ENCRYPTION_KEYS`` lists keys newest first: the first encrypts, any of
them decrypts, so a key can be rotated without losing stored secrets. The settings
check the keys as they load (:func:`checked_keys`): a value that is no Fernet key
stops every command and the server from starting, instead of the first save of a
password answering 500.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

MAKE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
KEY_FORMAT = (
    "A Fernet key is 32 random bytes in url-safe base64: 44 characters of A-Z, a-z, 0-9, '-' and '_', "
    f"ending in '='. Make one with: {MAKE_KEY}"
)


def checked_keys(keys: list[str]) -> list[str]:
    """``keys`` (the setting ``FIELD_ENCRYPTION_KEYS``, blanks left out) when each is a
    Fernet key; else ImproperlyConfigured naming the setting, which entries are wrong
    (by position and length: a key is a secret, never shown), what a key looks like
    and how to make one."""
    keys = [key for key in keys if key.strip()]
    if not keys:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS lists no key. {KEY_FORMAT}")
    wrong = []
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):  # binascii.Error is a ValueError
            wrong.append(f"key {number} of {len(keys)} ({len(key)} characters)")
    if wrong:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: {' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not a Fernet key. "
            f"{KEY_FORMAT}"
        )
    return keys


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys can decrypt."""


@cache
def _fernet() -> MultiFernet:
    # Checked as the settings loaded; again here for settings changed since (tests).
    return MultiFernet([Fernet(k) for k in checked_keys(settings.FIELD_ENCRYPTION_KEYS)])


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the stored secret cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the stored secret cannot be decrypted with the configured keys") from exc
