"""PostgreSQL COPY's text format, as ingest and the bill run's close write it."""

from __future__ import annotations

NULL = "\\N"


def copy_escape(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return value
