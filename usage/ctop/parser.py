"""Streaming reader of fixed-width AAPT files (CTOP; COCE subclasses it), driven
by a layout.

The parser yields one event for every line between the header and the
trailer: a :class:`Detail` (a readable usage record) or a :class:`Rejected`
(line number, field, reason). Problems with the file as a whole (no header,
no trailer, control totals that disagree) raise :class:`FileRejected`, so
the caller takes the file whole or not at all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import IO, NamedTuple

HEADER, DETAIL, TRAILER = "PWTHDR", "PWTDET", "PWTTRL"
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
MAX_REJECTED_LINES = 10_000
# What the database's amount columns hold: a record's aapt_cost and a file's
# aapt_cost_total (numeric(16, 6): under ten thousand million dollars).
MAX_CENTS = Decimal(10) ** 12
# The longest duration a line may state, in seconds (about 63 years), whatever
# its unit: far past any call (the implausible-duration setting, a day by
# default, quarantines long calls well before), and with room left in the
# database's integer seconds (int4) for billing increments.
MAX_DURATION_SECONDS = 2_000_000_000
# Seconds per raw unit, for the time units (tenths as a divisor).
UNIT_SECONDS = {"100": 1, "120": 60, "130": 3600}
UNIT_TENTHS = "101"
_SURELY_SHORT = MAX_DURATION_SECONDS // 3600  # units that are within the limit in any unit
# A fixed-width numeric field: digits with an optional leading minus, and a
# decimal point where the field allows one. Not Python's number syntax (1E2,
# +75, 1_0, NaN, full-width digits).
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class FileRejected(Exception):
    """The file cannot be taken: nothing of it may be billed."""


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


class Rejected(NamedTuple):
    line_number: int
    field: str
    reason: str
    content: str


@dataclass(frozen=True)
class CompiledLayout:
    """A layout's spans as slices, ready for the hot loop."""

    name: str
    header: dict[str, slice]
    trailer: dict[str, slice]
    detail_getter: itemgetter
    detail_slices: tuple[slice, ...] = ()

    @classmethod
    def from_spans(
        cls,
        name: str,
        spans: dict[str, dict[str, tuple[int, int]]],
        *,
        detail_fields: tuple[str, ...] = DETAIL_FIELDS,
        optional: frozenset[str] = frozenset(),
    ) -> CompiledLayout:
        """``detail_getter`` returns ``detail_fields`` in order; an ``optional`` field
        the layout lacks reads as an empty string."""

        def slices(record: str) -> dict[str, slice]:
            return {n: slice(a, b) for n, (a, b) in spans.get(record, {}).items()}

        detail = slices("detail")
        missing = [f for f in detail_fields if f not in detail and f not in optional]
        if missing:
            raise ValueError(f"layout {name} has no detail field(s): {', '.join(missing)}")
        detail_slices = tuple(detail.get(f, slice(0, 0)) for f in detail_fields)
        return cls(
            name=name,
            header=slices("header"),
            trailer=slices("trailer"),
            detail_getter=itemgetter(*detail_slices),
            detail_slices=detail_slices,
        )

    @classmethod
    def from_layout(cls, layout, **fields) -> CompiledLayout:
        """From a ``usage.models.Layout`` (``fields`` as for :meth:`from_spans`)."""
        return cls.from_spans(
            layout.name,
            {record: layout.spans(record) for record in ("header", "detail", "trailer")},
            **fields,
        )


def open_lines(source: IO[bytes], name: str = "the file") -> Iterator[bytes]:
    """Lines of a plain or gzip-compressed binary stream (detected by content), read
    in bounded chunks under the size limits (see ``lines.py``)."""
    from usage.carrier_files.lines import bounded_lines  # it builds on FileRejected

    return bounded_lines(source, name=name)


@dataclass
class CtopParser:
    """Parses one file; read ``header``, ``detail_count`` … after iterating."""

    layout: CompiledLayout
    expected_account: str | None = None
    header: dict[str, str] = field(default_factory=dict)
    trailer: dict[str, str] = field(default_factory=dict)
    detail_count: int = 0
    price_total: Decimal = Decimal(0)
    unreadable_prices: int = 0
    first_unreadable_price: tuple[int, str] | None = None  # (line, text)
    credit_total: Decimal = Decimal(0)  # the negative prices alone: bounds every subset's sum
    blank_lines: int = 0
    rejected_count: int = 0
    lines_read: int = 0  # lines between header and trailer, blank lines aside
    _valid_hours: dict[str, bool] = field(default_factory=dict)
    _prices: dict[str, Decimal] = field(default_factory=dict)
    _length_checks: list[tuple[int, str, int]] = field(default_factory=list)

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

    def parse(self, raw_lines: Iterable[bytes]) -> Iterator[Detail | Rejected]:
        # Only a layout wider than a column costs a check per line.
        self._length_checks = [
            (i, name, self.FIELD_LIMITS[name])
            for i, name in enumerate(DETAIL_FIELDS)
            if name in self.FIELD_LIMITS and _width(self.layout.detail_slices[i]) > self.FIELD_LIMITS[name]
        ]
        held: tuple[int, str] | None = None
        number = 0
        for raw in raw_lines:
            number += 1
            text = raw.decode("latin-1").rstrip("\r\n")
            if not text.strip():
                self.blank_lines += 1
                continue
            if held is None:
                if not text.startswith(HEADER):
                    raise FileRejected(
                        f"line {number}: the file does not start with a {HEADER} header (found {text[:6]!r})"
                    )
                self.header = {n: text[s].strip() for n, s in self.layout.header.items()}
                self._check_account()
                held = (0, "")  # the header is consumed; nothing held yet
                continue
            if held[0]:
                self.lines_read += 1
                event = self._middle(*held)
                if event.__class__ is Rejected:
                    self.rejected_count += 1
                    if self.rejected_count > MAX_REJECTED_LINES:
                        raise FileRejected(
                            f"more than {MAX_REJECTED_LINES:,} unreadable lines: "
                            f"is {self.layout.name} the right layout for this file?"
                        )
                yield event
            held = (number, text)
        if held is None:
            raise FileRejected("the file is empty: no header, no records, no trailer")
        last_number, last = held
        if not last_number or not last.startswith(TRAILER):
            raise FileRejected(f"the file ends at line {number} without a {TRAILER} trailer: it is truncated")
        self.trailer = {n: last[s].strip() for n, s in self.layout.trailer.items()}

    def _check_account(self) -> None:
        account = self.header.get("account", "").lstrip("0")
        if self.expected_account and account and account != self.expected_account.lstrip("0"):
            raise FileRejected(
                f"the header is for AAPT account {self.header['account']}, "
                f"not this provider's account {self.expected_account}"
            )

    def _middle(self, number: int, text: str) -> Detail | Rejected:
        kind = text[:6]
        if kind != DETAIL:
            where = {HEADER: "a second header", TRAILER: "a trailer before the end of the file"}
            reason = where.get(kind, f"unknown record type {kind!r}")
            return Rejected(number, "record_type", reason, text[:1000])
        self.detail_count += 1
        if "\x00" in text:
            # Refused, but its price still counts towards the trailer's total when
            # it can be read (else the file's total cannot be checked: see check_trailer).
            self._count_price(number, self.layout.detail_getter(text)[self.PRICE_INDEX].strip())
            return Rejected(number, "record", "contains a NUL character", text[:1000].replace("\x00", "?"))
        return self._detail(number, text)

    PRICE_INDEX = 4  # rated_price in DETAIL_FIELDS
    PRICE_FIELD = "rated_price"

    def _count_price(self, number: int, text: str) -> Decimal | None:
        """The price of a detail line, added to the file's total; None (noted) when
        it cannot be read or is beyond what an amount column holds."""
        price = self._prices.get(text)
        if price is None:
            price = _decimal(text)
            if price is None or abs(price) >= MAX_CENTS:
                self.unreadable_prices += 1
                if self.first_unreadable_price is None:
                    self.first_unreadable_price = (number, text.replace("\x00", "?"))
                return None
            if len(self._prices) < 50_000:
                self._prices[text] = price
        self.price_total += price
        if price < 0:
            self.credit_total += price
        return price

    def _detail(self, number: int, text: str) -> Detail | Rejected:
        """The fields of a detail record (a subclass reads another kind of record)."""
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
            return Rejected(number, "rated_price", _not_a_number(price_text), text[:1000])
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
            units = _decimal(units_text)
            if units is None:
                return Rejected(number, "raw_units", _not_a_number(units_text), text[:1000])
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

    def _valid_time(self, value: str) -> bool:
        if len(value) != 14 or not value.isdigit() or not value.isascii():
            return False
        if value[10:12] > "59" or value[12:14] > "59":
            return False
        hour = value[:10]
        valid = self._valid_hours.get(hour)
        if valid is None:
            try:
                datetime.datetime(  # noqa: DTZ001 - validating the digits, no instant made
                    int(hour[:4]), int(hour[4:6]), int(hour[6:8]), int(hour[8:10])
                )
                valid = True
            except ValueError:
                valid = False
            self._valid_hours[hour] = valid
        return valid

    def check_trailer(self) -> list[str]:
        """Problems with the trailer's control totals (empty when they agree)."""
        problems = []
        count_text = self.trailer.get("record_count", "")
        if not _INTEGER.fullmatch(count_text):
            return [f"the trailer's record count {count_text!r} is not a number"]
        count = int(count_text)
        if count != self.detail_count:
            problems.append(f"the trailer counts {count} detail record(s) but the file has {self.detail_count}")
        total = _decimal(self.trailer.get("total_cents", ""))
        if total is None:
            problems.append(f"the trailer's total {self.trailer.get('total_cents')!r} is not a number")
        elif self.unreadable_prices:
            line, text = self.first_unreadable_price
            problems.append(
                f"{self.unreadable_prices} detail line(s) have a {self.PRICE_FIELD} that cannot be read "
                f"(the first: line {line}, {_not_a_number(text)}), so the trailer's total cannot be checked"
            )
        elif total != self.price_total:
            problems.append(f"the trailer's total is {total} cents but the records add up to {self.price_total}")
        charges, credits = self.price_total - self.credit_total, -self.credit_total
        if not self.unreadable_prices and max(charges, credits) >= MAX_CENTS:
            problems.append(
                f"the records' {self.PRICE_FIELD} add up to {charges:,} cents of charges and {credits:,} of "
                f"credits: more than a file's total can hold (under {MAX_CENTS:,} cents each way)"
            )
        return problems


def _decimal(text: str) -> Decimal | None:
    """``text`` as a number, when it is digits with an optional leading minus and
    decimal point (nothing else Python would read as a number)."""
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only numbers
        return None


def _not_a_number(text: str) -> str:
    if not text:
        return "empty"
    if _decimal(text) is not None:
        return f"out of range: {text!r} (an amount column holds under {MAX_CENTS:,} cents)"
    return f"not a number: {text!r} (digits, with an optional leading minus and decimal point)"


def _width(where: slice) -> int:
    return (where.stop or 0) - (where.start or 0)


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
