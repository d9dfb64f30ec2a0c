"""Streaming reader of COCE files (AAPT's other charges).

The framing shared with CTOP (header, account check, trailer, control totals,
whole-file rejection, unreadable-line limit) is ``usage.carrier_files.framing``;
this module reads the charge record. ``amount`` plays the part of CTOP's ``rated_price`` in the
trailer's total, in cents.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from usage.carrier_files.choices import LayoutKindChoices
from usage.carrier_files.framing import (
    MAX_CENTS,
    CompiledLayout,
    FramedParser,
    Rejected,
    decimal_or_none,
    not_a_number,
    require_detail_fields,
)
from usage.coce.choices import OtherChargeLevelChoices, OtherChargeTypeChoices

REQUIRED_FIELDS = (
    "coce_record_id",
    "type_code",
    "billing_level",
    "element_id",
    "external_id",
    "amount",
    "from_date",
    "to_date",
)
OPTIONAL_FIELDS = (
    "invoice_number",
    "statement_date",
    "transaction_time",
    "nrc_type_id",
    "external_id_type",
    "currency",
    "tax1",
    "tax2",
    "description",
    "adjustment_code",
    "rebill_reference_id",
    "provider_id",
)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
require_detail_fields(LayoutKindChoices.COCE, REQUIRED_FIELDS)
TYPE_CODES = frozenset(OtherChargeTypeChoices.values)
LEVELS = frozenset(OtherChargeLevelChoices.values) | {""}
AUD = frozenset({"", "1", "3"})
ONE_DAY = datetime.timedelta(days=1)


class Charge(NamedTuple):
    line_number: int
    coce_record_id: str
    type_code: str
    billing_level: str
    element_id: str
    external_id: str
    amount_cents: Decimal
    charged_from: datetime.date
    charged_to: datetime.date  # the last day charged
    invoice_number: str
    statement_date: datetime.date | None
    transaction_time: str  # YYYYMMDDhhmmss or ""
    nrc_type_id: str
    external_id_type: str
    currency: str
    tax1_cents: Decimal
    tax2_cents: Decimal
    description: str
    adjustment_code: str
    rebill_reference_id: str
    provider_id: str


def compile_coce_layout(layout) -> CompiledLayout:
    """A ``usage.models.Layout`` of kind COCE, ready for :class:`CoceParser`."""
    return CompiledLayout.from_layout(layout, detail_fields=FIELDS, optional=frozenset(OPTIONAL_FIELDS))


@dataclass
class CoceParser(FramedParser):
    """Parses one COCE file; ``price_total`` adds up the amounts (cents)."""

    _dates: dict[str, datetime.date | None] = field(default_factory=dict)

    DETAIL_FIELDS = FIELDS
    FIELD_LIMITS = {}  # the charge's columns are checked where it is written
    PRICE_INDEX = FIELDS.index("amount")
    PRICE_FIELD = "amount"

    def _detail(self, number: int, text: str) -> Charge | Rejected:
        (
            record_id,
            type_code,
            level,
            element_id,
            external_id,
            amount_text,
            from_text,
            to_text,
            invoice,
            statement_text,
            transaction_text,
            nrc_type_id,
            external_id_type,
            currency,
            tax1_text,
            tax2_text,
            description,
            adjustment_code,
            rebill,
            provider_id,
        ) = (value.strip() for value in self.layout.detail_getter(text))

        def reject(name: str, reason: str) -> Rejected:
            return Rejected(number, name, reason, text[:1000])

        amount = self._count_price(number, amount_text)
        if amount is None:
            return reject("amount", not_a_number(amount_text))
        if amount != amount.to_integral_value():
            return reject("amount", f"not a whole number of cents: {amount_text!r}")
        if not record_id:
            return reject("coce_record_id", "empty: every charge needs AAPT's coce_record_id")
        if type_code not in TYPE_CODES:
            return reject("type_code", f"unknown {type_code!r} (2 recurring, 3 one-off, 4 adjustment)")
        if level not in LEVELS:
            return reject("billing_level", f"unknown {level!r} (0 account, 1 service)")
        if currency not in AUD:
            return reject("currency", f"{currency!r} is not AUD: only AUD charges are taken")
        taxes = []
        for name, value in (("tax1", tax1_text), ("tax2", tax2_text)):
            tax = decimal_or_none(value) if value else Decimal(0)
            if tax is None or abs(tax) >= MAX_CENTS:
                return reject(name, not_a_number(value))
            taxes.append(tax)
        for name, value in (
            ("statement_date", statement_text),
            ("transaction_time", transaction_text),
            ("from_date", from_text),
            ("to_date", to_text),
        ):
            if value and not self._valid_time(value):
                return reject(name, f"not a YYYYMMDDhhmmss time: {value!r}")
        if type_code == OtherChargeTypeChoices.RECURRING and not (from_text and to_text):
            return reject(
                "from_date" if not from_text else "to_date",
                "empty: a recurring charge needs the period it charges",
            )
        statement = self._date(statement_text)
        start = self._date(from_text) or self._date(transaction_text) or statement
        if start is None:
            return reject("from_date", "empty, and no transaction time or statement date either")
        end = start
        if to_text:
            end = self._date(to_text)
            if to_text.endswith("000000"):
                end -= ONE_DAY  # to_date is exclusive: midnight ends the day before
            if end < start:
                return reject("to_date", f"{to_text!r} is not after from_date {from_text or start}")
        return Charge(
            number,
            record_id,
            type_code,
            level,
            element_id,
            external_id,
            amount,
            start,
            end,
            invoice,
            statement,
            transaction_text,
            nrc_type_id,
            external_id_type,
            currency,
            taxes[0],
            taxes[1],
            description,
            adjustment_code,
            rebill,
            provider_id,
        )

    def _date(self, stamp: str) -> datetime.date | None:
        if not stamp:
            return None
        found = self._dates.get(stamp[:8])
        if found is None:
            found = self._dates[stamp[:8]] = datetime.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
        return found
