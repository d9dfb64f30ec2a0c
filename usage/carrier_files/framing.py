"""The framing shared by AAPT's fixed-width files (CTOP usage, COCE charges): a
header, detail lines, a trailer with control totals.

:class:`FramedParser` reads the frame (header and account check, record types,
the unreadable-line limit, the trailer's count and total of the price field); a
subclass reads its kind's detail record (``_detail``) and names its price field.
Problems with the file as a whole raise :class:`FileRejected`, so the caller
takes the file whole or not at all.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, ClassVar, NamedTuple

HEADER, DETAIL, TRAILER = "PWTHDR", "PWTDET", "PWTTRL"
# AAPT writes the times in its files in Sydney's time (AEST/AEDT).
CARRIER_TIME_ZONE = zoneinfo.ZoneInfo("Australia/Sydney")

# The detail fields each kind of file cannot be read without, declared by its parser
# (``require_detail_fields``); a layout of that kind must name them all.
REQUIRED_DETAIL_FIELDS: dict[str, frozenset[str]] = {}
# The trailer's control totals, the same for every kind.
TRAILER_FIELDS = frozenset({"record_count", "total_cents"})


def require_detail_fields(kind: str, fields: Iterable[str]) -> None:
    REQUIRED_DETAIL_FIELDS[kind] = frozenset(fields)


MAX_REJECTED_LINES = 10_000
# What the database's amount columns hold: a record's aapt_cost and a file's
# aapt_cost_total (numeric(16, 6): under ten thousand million dollars).
MAX_CENTS = Decimal(10) ** 12
# A fixed-width numeric field: digits with an optional leading minus, and a
# decimal point where the field allows one. Not Python's number syntax (1E2,
# +75, 1_0, NaN, full-width digits).
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class FileRejected(Exception):
    """The file cannot be taken: nothing of it may be billed."""


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
        detail_fields: tuple[str, ...],
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


@dataclass
class FramedParser:
    """Parses one file's frame; read ``header``, ``detail_count`` … after iterating.
    A subclass sets ``DETAIL_FIELDS``, ``FIELD_LIMITS``, ``PRICE_INDEX``, ``PRICE_FIELD``
    and reads a detail line in ``_detail``."""

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

    DETAIL_FIELDS: ClassVar[tuple[str, ...]] = ()
    # What the record's columns hold, for the fields a layout could make wider.
    FIELD_LIMITS: ClassVar[dict[str, int]] = {}
    PRICE_INDEX: ClassVar[int] = 0  # where the price is in DETAIL_FIELDS
    PRICE_FIELD: ClassVar[str] = ""

    def parse(self, raw_lines: Iterable[bytes]) -> Iterator[Any]:
        # Only a layout wider than a column costs a check per line.
        self._length_checks = [
            (i, name, self.FIELD_LIMITS[name])
            for i, name in enumerate(self.DETAIL_FIELDS)
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

    def _middle(self, number: int, text: str) -> Any:
        kind = text[:6]
        if kind != DETAIL:
            where = {HEADER: "a second header", TRAILER: "a trailer before the end of the file"}
            reason = where.get(kind, f"unknown record type {kind!r}")
            return Rejected(number, "record_type", reason, text[:1000])
        self.detail_count += 1
        if "\x00" in text:
            # Refused, but its price still counts towards the trailer's total when
            # it can be read (the readable prices must balance it: see check_trailer).
            self._count_price(number, self.layout.detail_getter(text)[self.PRICE_INDEX].strip())
            return Rejected(number, "record", "contains a NUL character", text[:1000].replace("\x00", "?"))
        return self._detail(number, text)

    def _count_price(self, number: int, text: str) -> Decimal | None:
        """The price of a detail line, added to the file's total; None (noted) when
        it cannot be read or is beyond what an amount column holds."""
        price = self._prices.get(text)
        if price is None:
            price = decimal_or_none(text)
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

    def _detail(self, number: int, text: str) -> Any:
        """The fields of a detail record, or a :class:`Rejected`."""
        raise NotImplementedError

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
        total = decimal_or_none(self.trailer.get("total_cents", ""))
        if total is None:
            problems.append(f"the trailer's total {self.trailer.get('total_cents')!r} is not a number")
        elif total != self.price_total and self.unreadable_prices:
            # Lines whose price cannot be read are rejected lines; the file is taken
            # only when the prices that can be read balance the trailer on their own,
            # so an unreadable price can never hide an amount billed silently.
            line, text = self.first_unreadable_price
            problems.append(
                f"the trailer's total is {total} cents but the readable {self.PRICE_FIELD} add up to "
                f"{self.price_total}: {self.unreadable_prices} detail line(s) have a {self.PRICE_FIELD} that "
                f"cannot be read (the first: line {line}, {not_a_number(text)}) and may hide the difference"
            )
        elif total != self.price_total:
            problems.append(f"the trailer's total is {total} cents but the records add up to {self.price_total}")
        charges, credits = self.price_total - self.credit_total, -self.credit_total
        if max(charges, credits) >= MAX_CENTS:
            problems.append(
                f"the records' {self.PRICE_FIELD} add up to {charges:,} cents of charges and {credits:,} of "
                f"credits: more than a file's total can hold (under {MAX_CENTS:,} cents each way)"
            )
        return problems


def decimal_or_none(text: str) -> Decimal | None:
    """``text`` as a number, when it is digits with an optional leading minus and
    decimal point (nothing else Python would read as a number)."""
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only numbers
        return None


def not_a_number(text: str) -> str:
    if not text:
        return "empty"
    if decimal_or_none(text) is not None:
        return f"out of range: {text!r} (an amount column holds under {MAX_CENTS:,} cents)"
    return f"not a number: {text!r} (digits, with an optional leading minus and decimal point)"


def _width(where: slice) -> int:
    return (where.stop or 0) - (where.start or 0)
