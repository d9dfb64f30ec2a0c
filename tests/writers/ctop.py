"""Writes CTOP files in a layout: for tests and benchmarks.

The fields are placed by the same layout table the parser reads, so a file
written here is exactly what AAPT's format says, whatever the layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

NUMERIC = {
    "rated_units",
    "rated_price",
    "raw_units",
    "record_count",
    "total_cents",
    "account",
    "sequence",
    "id_type",
    "currency",
    "raw_unittype",
    "rated_unittype",
    # COCE
    "amount",
    "tax1",
    "tax2",
    "type_code",
    "billing_level",
    "external_id_type",
    "adjustment_code",
}


def _place(spans: Mapping[str, tuple[int, int]], values: Mapping[str, object], length: int) -> str:
    """A record of ``length`` characters; fields past it are cut off, as in older files."""
    line = [" "] * max(length, max((end for _, end in spans.values()), default=0))
    for name, value in values.items():
        if name not in spans:
            raise KeyError(f"the layout has no field {name!r}")
        start, end = spans[name]
        width = end - start
        text = str(value)
        if len(text) > width:
            raise ValueError(f"{name}={text!r} is wider than {width} characters")
        text = text.rjust(width) if name in NUMERIC else text.ljust(width)
        line[start:end] = text
    return "".join(line[:length])


class CtopWriter:
    """Builds a CTOP file: ``add(**fields)`` per record, then ``lines()``."""

    total_field = "rated_price"  # what the trailer's total adds up

    def __init__(
        self,
        spans: Mapping[str, Mapping[str, tuple[int, int]]],
        *,
        account: str,
        sequence: int = 1,
        produced: str = "20261102013000",
        record_length: int = 1000,
    ) -> None:
        self.spans = spans
        self.account = account
        self.sequence = sequence
        self.produced = produced
        self.record_length = record_length
        self.details: list[str] = []
        self.total_cents = Decimal(0)

    def header(self) -> str:
        return _place(
            self.spans["header"],
            {
                "record_type": "PWTHDR",
                "account": self.account,
                "sequence": f"{self.sequence:06d}",
                "produced_at": self.produced,
            },
            self.record_length,
        )

    def detail_line(self, fields: Mapping[str, object], *, length: int | None = None) -> str:
        return _place(self.spans["detail"], {"record_type": "PWTDET", **fields}, length or self.record_length)

    def add(self, *, length: int | None = None, **fields: object) -> CtopWriter:
        self.details.append(self.detail_line(fields, length=length))
        price = fields.get(self.total_field)
        if price not in (None, ""):
            self.total_cents += Decimal(str(price))
        return self

    def add_raw(self, line: str, *, counts: bool = True, cents: Decimal | int = 0) -> CtopWriter:
        """A line as given (malformed on purpose, say)."""
        self.details.append(line)
        if counts:
            self.total_cents += Decimal(cents)
        return self

    def trailer(self, *, count: int | None = None, total_cents: Decimal | int | None = None) -> str:
        count = sum(1 for d in self.details if d.startswith("PWTDET")) if count is None else count
        total = self.total_cents if total_cents is None else total_cents
        return _place(
            self.spans["trailer"],
            {"record_type": "PWTTRL", "record_count": count, "total_cents": total},
            self.record_length,
        )

    def lines(self, **trailer) -> list[str]:
        return [self.header(), *self.details, self.trailer(**trailer)]

    def text(self, newline: str = "\n", **trailer) -> str:
        return newline.join(self.lines(**trailer)) + newline


class FastDetailWriter:
    """Detail records in bulk (benchmarks): fields placed into a reusable buffer."""

    def __init__(self, spans: Mapping[str, tuple[int, int]], record_length: int = 1000) -> None:
        self.spans = spans
        self.record_length = record_length
        self.blank = b" " * record_length

    def line(self, values: Mapping[str, object]) -> bytes:
        buffer = bytearray(self.blank)
        for name, value in values.items():
            start, end = self.spans[name]
            text = str(value)
            width = end - start
            buffer[start:end] = (text.rjust(width) if name in NUMERIC else text.ljust(width)).encode("ascii")
        buffer[0:6] = b"PWTDET"
        return bytes(buffer)
