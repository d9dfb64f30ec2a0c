"""Streaming reader of CTOP files (AAPT's usage records), driven by a layout.

The frame (header, trailer, control totals) is read by
:class:`usage.carrier_files.framing.FramedParser`; this module reads the detail
record. The parser yields one event for every line between the header and the
trailer: a :class:`Detail` (a readable usage record) or a :class:`Rejected`
(line number, field, reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from usage.carrier_files.choices import LayoutKindChoices
from usage.carrier_files.framing import (
    CompiledLayout,
    FramedParser,
    Rejected,
    decimal_or_none,
    not_a_number,
    require_detail_fields,
)

DETAIL_FIELDS = (
    "record_id",
    "trans_time",
    "target",
    "origin",
    "rated_price",
    "raw_units",
    "raw_unittype",
    "special1",
    "special2",
)
require_detail_fields(LayoutKindChoices.CTOP, DETAIL_FIELDS)
# The longest duration a line may state, in seconds (about 63 years), whatever
# its unit: far past any call (the implausible-duration setting, a day by
# default, quarantines long calls well before), and with room left in the
# database's integer seconds (int4) for billing increments.
MAX_DURATION_SECONDS = 2_000_000_000
# Seconds per raw unit, for the time units (tenths as a divisor).
UNIT_SECONDS = {"100": 1, "120": 60, "130": 3600}
UNIT_TENTHS = "101"
_SURELY_SHORT = MAX_DURATION_SECONDS // 3600  # units that are within the limit in any unit


class Detail(NamedTuple):
    line_number: int
    record_id: str
    trans_time: str  # YYYYMMDDhhmmss, validated
    target: str
    origin: str
    rated_price: Decimal  # cents
    raw_units: int | Decimal
    raw_unittype: str
    special1: str
    special2: str
    needs_escape: bool  # a tab or backslash somewhere: COPY must escape the fields


def compile_ctop_layout(layout) -> CompiledLayout:
    """A ``usage.models.Layout`` of kind CTOP, ready for :class:`CtopParser`."""
    return CompiledLayout.from_layout(layout, detail_fields=DETAIL_FIELDS)


@dataclass
class CtopParser(FramedParser):
    """Parses one CTOP file; read ``header``, ``detail_count`` … after iterating."""

    DETAIL_FIELDS = DETAIL_FIELDS
    # What the usage record's columns hold, for the fields a layout could make wider.
    FIELD_LIMITS = {
        "record_id": 22,
        "target": 24,
        "origin": 24,
        "raw_units": 12,
        "raw_unittype": 6,
        "special1": 255,
        "special2": 96,
    }

    PRICE_INDEX = 4  # rated_price in DETAIL_FIELDS
    PRICE_FIELD = "rated_price"

    def _detail(self, number: int, text: str) -> Detail | Rejected:
        """The fields of a usage record."""
        (
            record_id,
            trans_time,
            target,
            origin,
            price_text,
            units_text,
            unittype,
            special1,
            special2,
        ) = values = self.layout.detail_getter(text)
        price_text = price_text.strip()
        price = self._count_price(number, price_text)  # first: the price counts however the line ends
        if price is None:
            return Rejected(number, "rated_price", not_a_number(price_text), text[:1000])
        if self._length_checks:
            for i, name, limit in self._length_checks:
                if len(values[i].strip()) > limit:
                    return Rejected(number, name, f"longer than the {limit} characters it may have", text[:1000])
        record_id = record_id.strip()
        if not record_id:
            return Rejected(number, "record_id", "empty: every record needs AAPT's record id", text[:1000])
        trans_time = trans_time.strip()
        if not self._valid_time(trans_time):
            return Rejected(number, "trans_time", f"not a YYYYMMDDhhmmss time: {trans_time!r}", text[:1000])
        units_text = units_text.strip()
        unittype = unittype.strip()
        if units_text.isdigit() and units_text.isascii():
            units: int | Decimal = int(units_text)
        else:
            units = decimal_or_none(units_text)
            if units is None:
                return Rejected(number, "raw_units", not_a_number(units_text), text[:1000])
            if "." not in units_text:
                units = int(units_text)
        if units.__class__ is not int or not -_SURELY_SHORT <= units <= _SURELY_SHORT:
            too_long = _too_long(units, unittype)
            if too_long:
                return Rejected(number, "raw_units", too_long, text[:1000])
        return Detail(
            number,
            record_id,
            trans_time,
            target.strip(),
            origin.strip(),
            price,
            units,
            unittype,
            special1.strip(),
            special2.strip(),
            "\\" in text or "\t" in text or "\r" in text,
        )


def _too_long(units: int | Decimal, unittype: str) -> str | None:
    """Why a duration is beyond any call (None when it is not, or not a time)."""
    scale = UNIT_SECONDS.get(unittype)
    if scale is not None:
        seconds = abs(units) * scale
    elif unittype == UNIT_TENTHS:
        seconds = abs(units) / 10
    else:
        return None
    if seconds <= MAX_DURATION_SECONDS:
        return None
    return (
        f"{units} in unit type {unittype} is {seconds:,.0f} seconds, more than the "
        f"{MAX_DURATION_SECONDS:,} seconds (about 63 years) any line may state"
    )
