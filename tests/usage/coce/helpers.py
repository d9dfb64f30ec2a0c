"""Helpers for COCE tests: write a COCE file in the default layout, take it."""

from __future__ import annotations

import io
import itertools

from django.core.management import call_command

from tests.usage.conftest import SAMPLES, ingest_text
from tests.writers.coce import CoceWriter
from usage.carrier_files.layouts import Layout
from usage.carrier_files.models import CarrierFile

COCE_SAMPLE = "COCE_1234567_000001_20261102030000.txt"
BROADWORKS_SAMPLE = "broadworks_utilisation_1234567_202610.csv"
_ids = itertools.count(1)


def coce_writer(provider, *, sequence: int = 1, produced: str = "20261102030000") -> CoceWriter:
    """A writer whose ``charge()`` adds a typical October 2026 charge line."""
    layout = Layout.objects.get(kind="coce", is_default=True)
    spans = {record: layout.spans(record) for record in ("header", "detail", "trailer")}
    writer = CoceWriter(spans, account=provider.aapt_account, sequence=sequence, produced=produced)

    def charge(
        *,
        element_id: str = "501001",
        amount: int = 450,
        start: str = "20261001000000",
        end: str = "20261101000000",
        type_code: int = 2,
        level: int = 0,
        statement: str = "20261101000000",
        **extra,
    ) -> CoceWriter:
        fields = {
            "account_number": provider.aapt_account,
            "invoice_number": "90001234",
            "statement_date": statement,
            "type_code": type_code,
            "billing_level": level,
            "transaction_time": statement,
            "element_id": element_id,
            "amount": amount,
            "currency": 1,
            "coce_record_id": extra.pop("record_id", f"T{next(_ids):019d}"),
            "from_date": start,
            "to_date": end,
            "description": extra.pop("description", "A charge"),
        }
        fields.update(extra)
        return writer.add(**fields)

    writer.charge = charge
    return writer


def ingest_coce(provider, writer: CoceWriter, **trailer) -> CarrierFile:
    name = f"COCE_{provider.aapt_account}_{writer.sequence:06d}_{writer.produced}.txt"
    return ingest_text(provider, name, writer.text(**trailer))


def ingest_broadworks(path=None, *, period: str = "2026-10") -> str:
    """Harbour Voice's BroadWorks report for ``period`` (by default the sample) taken
    through the command; what the command printed."""
    out = io.StringIO()
    call_command(
        "ingest_broadworks",
        str(path or SAMPLES / BROADWORKS_SAMPLE),
        provider="harbour-voice",
        period=period,
        stdout=out,
    )
    return out.getvalue()
