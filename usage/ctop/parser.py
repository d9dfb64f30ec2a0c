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
MAX_CENTS = Decimal(10) ** 12  # what the database's amount columns hold
MAX_UNITS = 500_000  # beyond this no call fits (500,000 hours still fit an int4 of seconds)


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
        return cls(
            name=name,
            header=slices("header"),
            trailer=slices("trailer"),
            detail_getter=itemgetter(*(detail.get(f, slice(0, 0)) for f in detail_fields)),
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
    from .lines import bounded_lines  # it builds on FileRejected

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
    blank_lines: int = 0
    rejected_count: int = 0
    lines_read: int = 0  # lines between header and trailer, blank lines aside
    _valid_hours: dict[str, bool] = field(default_factory=dict)
    _prices: dict[str, Decimal] = field(default_factory=dict)

    def parse(self, raw_lines: Iterable[bytes]) -> Iterator[Detail | Rejected]:
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
            return Rejected(number, "record", "contains a NUL character", text[:1000].replace("\x00", "?"))
        return self._detail(number, text)

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
        ) = self.layout.detail_getter(text)
        price_text = price_text.strip()
        price = self._prices.get(price_text)
        if price is None:
            price = _decimal(price_text)
            if price is None or abs(price) >= MAX_CENTS:
                self.unreadable_prices += 1
                return Rejected(number, "rated_price", _not_a_number(price_text), text[:1000])
            if len(self._prices) < 50_000:
                self._prices[price_text] = price
        self.price_total += price
        record_id = record_id.strip()
        if not record_id:
            return Rejected(number, "record_id", "empty: every record needs AAPT's record id", text[:1000])
        trans_time = trans_time.strip()
        if not self._valid_time(trans_time):
            return Rejected(number, "trans_time", f"not a YYYYMMDDhhmmss time: {trans_time!r}", text[:1000])
        units_text = units_text.strip()
        try:
            units: int | Decimal = int(units_text)
        except ValueError:
            units = _decimal(units_text)
            if units is None:
                return Rejected(number, "raw_units", _not_a_number(units_text), text[:1000])
        if abs(units) > MAX_UNITS:
            return Rejected(number, "raw_units", f"out of range: {units_text!r}", text[:1000])
        return Detail(
            number,
            record_id,
            trans_time,
            target.strip(),
            origin.strip(),
            price,
            units,
            unittype.strip(),
            special1.strip(),
            special2.strip(),
            "\\" in text or "\t" in text or "\r" in text,
        )

    def _valid_time(self, value: str) -> bool:
        if len(value) != 14 or not value.isdigit():
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
        try:
            count = int(count_text)
        except ValueError:
            return [f"the trailer's record count {count_text!r} is not a number"]
        if count != self.detail_count:
            problems.append(f"the trailer counts {count} detail record(s) but the file has {self.detail_count}")
        total = _decimal(self.trailer.get("total_cents", ""))
        if total is None:
            problems.append(f"the trailer's total {self.trailer.get('total_cents')!r} is not a number")
        elif not self.unreadable_prices and total != self.price_total:
            problems.append(f"the trailer's total is {total} cents but the records add up to {self.price_total}")
        return problems


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _not_a_number(text: str) -> str:
    if not text:
        return "empty"
    if _decimal(text) is not None:
        return f"out of range: {text!r}"
    return f"not a number: {text!r}"
