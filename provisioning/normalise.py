"""Normalised forms of service identifiers: one form stored, one form compared.

Numbers are national (``0…``, digits only); usernames and realms lower-case;
Group IDs upper-case. Usage ingest calls these on every record, so they stay
plain string operations.
"""

from __future__ import annotations

import re

from providers.models import AAPT_DEFAULT_REALM

_NON_DIGITS = re.compile(r"[\s\-().]")
_RANGE_SPLIT = re.compile(r"\s*(?:-|–|to|\.\.)\s*")
_DEFAULT_SUFFIX = "@" + AAPT_DEFAULT_REALM
_NUMBER_START = frozenset("+0123456789(")


def normalise_number(raw: str) -> str | None:
    """``+61 2 9000 1000``, ``61290001000`` and ``0290001000`` all give ``0290001000``.

    Returns ``None`` when ``raw`` is not a number.
    """
    text = _NON_DIGITS.sub("", raw.strip())
    if text.startswith("+"):
        text = text[1:]
        if text.startswith("61"):
            text = "0" + text[2:]
    elif len(text) == 11 and text.startswith("61"):
        text = "0" + text[2:]
    if not text.isdigit() or not 3 <= len(text) <= 15:
        return None
    return text


def normalise_username(raw: str) -> str:
    """A distinct username, lower-case, without AAPT's default realm."""
    text = raw.strip().lower()
    if text.endswith(_DEFAULT_SUFFIX):
        text = text[: -len(_DEFAULT_SUFFIX)]
    return text


def normalise_username_realm(raw: str) -> str:
    """A custom ``username@realm``, lower-case; a username that is a number in its
    national form (``+61290005000@voice.example.com.au`` gives
    ``0290005000@voice.example.com.au``)."""
    text = raw.strip().lower()
    user, at, realm = text.partition("@")
    if at and user[:1] in _NUMBER_START:
        number = normalise_number(user)
        if number:
            return f"{number}@{realm}"
    return text


def normalise_group_id(raw: str) -> str:
    return raw.strip().upper()


def split_range(raw: str) -> tuple[str, str] | None:
    """``0290001000-0290001099`` as its two normalised ends, or ``None``."""
    parts = _RANGE_SPLIT.split(raw.strip())
    if len(parts) == 1:
        number = normalise_number(parts[0])
        return (number, number) if number else None
    if len(parts) != 2:
        return None
    first, last = normalise_number(parts[0]), normalise_number(parts[1])
    if not first or not last:
        return None
    return first, last
