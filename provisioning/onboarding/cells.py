"""Turning spreadsheet cells into Python values.

A cell comes from a CSV file (always text) or from an XLSX workbook read by
openpyxl (text, int, float, datetime, bool or ``None``). Each parser takes the
raw cell and returns the value, or raises ``CellError`` with the message a
person sees next to the row and column.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import models

from ssaas.common.formats import DAY_FORMAT


class CellError(ValueError):
    """A cell that cannot be read as what its column holds."""


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw) -> str:
    """Text, stripped. Excel numbers come back as they were typed (``1001``, not ``1001.0``)."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, float):
        return _float_text(raw)
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat()
    return str(raw).strip()


def phone_text(raw) -> str:
    """Text for a cell holding a phone number: a number cell that lost its leading zero
    (Excel drops it: ``0290001000`` becomes ``290001000``) gets it back.

    Australian national numbers without their trunk ``0`` are nine digits long."""
    value = text(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool) and re.fullmatch(r"\d{9}", value):
        return "0" + value
    return value


_DATE_FORMATS = ("%Y-%m-%d", DAY_FORMAT)


def date(raw) -> datetime.date | None:
    """A date: an Excel date cell, ISO ``2026-10-01`` or Australian ``01/10/2026``."""
    if is_blank(raw):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value = text(raw)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise CellError(f"{value!r} is not a date: write it as 2026-10-01 or 01/10/2026.")


def decimal(raw) -> Decimal | None:
    """A decimal amount, never through a binary float: ``0.12``, ``$4.50``, ``1,200.00``."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise CellError(f"{text(raw)!r} is not an amount.")
    if isinstance(raw, float):
        value = _float_text(raw)
    else:
        value = text(raw).replace("$", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CellError(f"{text(raw)!r} is not an amount; write it as 0.12.") from None
    if not amount.is_finite():
        raise CellError(f"{text(raw)!r} is not an amount; write it as 0.12.")
    return amount


def whole_number(raw) -> int | None:
    if is_blank(raw):
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    value = text(raw)
    if re.fullmatch(r"\d+", value):
        return int(value)
    raise CellError(f"{value!r} is not a whole number.")


UNTIMED = "untimed"


def increments(raw) -> tuple[int, int] | str | None:
    """Billing increments ``initial/subsequent`` in seconds (``60/30``), or ``UNTIMED``."""
    if is_blank(raw):
        return None
    if isinstance(raw, datetime.date):
        # Excel reads 1/1 or 30/6 as a date when the cell is not formatted as text.
        raise CellError(
            "Excel turned these increments into a date: format the column as Text "
            "and write them as initial/subsequent seconds, e.g. 60/30."
        )
    value = text(raw).lower()
    if value == UNTIMED:
        return UNTIMED
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+)", value)
    if not match or not int(match[1]) or not int(match[2]):
        raise CellError(
            f"{value!r} is not billing increments: write initial/subsequent seconds, e.g. 60/30, or untimed."
        )
    return int(match[1]), int(match[2])


def choice(raw, choices: type[models.TextChoices]) -> str | None:
    """A choice by its value (``active``) or its label (``Active``), in any case."""
    if is_blank(raw):
        return None
    wanted = _choice_key(text(raw))
    for value, label in choices.choices:
        if wanted in (_choice_key(value), _choice_key(label)):
            return value
    raise CellError(f"{text(raw)!r} is not one of: {_listed(choices.values)}.")


def _choice_key(value: str) -> str:
    return re.sub(r"[\s_\-]+", "_", value.strip().lower())


def _listed(values: Iterable[str]) -> str:
    return ", ".join(values)


def _float_text(value: float) -> str:
    # Excel keeps 15 significant digits; beyond them a float holds binary noise.
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")
