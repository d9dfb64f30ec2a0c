"""Writes COCE files in a layout: for tests, benchmarks and demo data."""

from __future__ import annotations

from tests.writers.ctop import CtopWriter


class CoceWriter(CtopWriter):
    """Builds a COCE file (400-character records): ``add(**fields)`` per charge;
    the trailer totals ``amount`` (cents)."""

    total_field = "amount"

    def __init__(self, spans, *, account: str, sequence: int = 1, produced="20261102030000"):
        super().__init__(spans, account=account, sequence=sequence, produced=produced, record_length=400)
