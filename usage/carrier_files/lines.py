"""Lines of a carrier file, read in bounded chunks whatever the file holds.

A carrier file is small on the wire and may be large once read: a gzip of
zeros inflates a thousandfold, and a file with no line break is one line.
Iterating a Django ``File`` joins its chunks one by one (quadratic in the
length of a line: one 100 MB line took 58 s) and ``BufferedReader`` builds
the whole line in memory. Here the content is inflated chunk by chunk and
counted as it inflates, and no more than ``LINE_MAX_BYTES`` of one line is
ever held, so time is linear in the content and memory is bounded by the two
limits whatever the input.

Either limit exceeded, or a truncated or corrupt gzip, rejects the file whole
(:class:`~usage.carrier_files.framing.FileRejected`) with a reason naming the file and
the limit. An over-long line rejects the file rather than only the line: a
CTOP or COCE line is a few hundred bytes, so a line beyond the limit means
the file is not what it says it is, and the line's amount (which the
trailer's total counts) could not be read anyway.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import IO

from django.conf import settings

from ssaas.common.limits import size_text
from usage.carrier_files.framing import FileRejected

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


class ContentRefused(FileRejected):
    """The content broke a limit, or its gzip is truncated or corrupt: the file is
    rejected whole."""


def is_gzip(source: IO[bytes]) -> bool:
    head = source.read(2)
    source.seek(0)
    return head == GZIP_MAGIC


def content_chunks(
    source: IO[bytes], *, name: str, decompressed_max: int | None = None, chunk_size: int = CHUNK
) -> Iterator[bytes]:
    """The content of ``source`` (inflated if it is a gzip), in chunks of at most
    ``chunk_size`` bytes, counted against ``decompressed_max``."""
    limit = settings.DECOMPRESSED_MAX_BYTES if decompressed_max is None else decompressed_max
    stream = gzip.GzipFile(fileobj=source, mode="rb") if is_gzip(source) else source
    total = 0
    while True:
        try:
            chunk = stream.read(chunk_size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ContentRefused(
                f"{name} is not a readable gzip file: it is truncated or corrupt ({exc or type(exc).__name__})"
            ) from exc
        if not chunk:
            return
        total += len(chunk)
        if total > limit:
            raise ContentRefused(
                f"{name} is larger than {size_text(limit)} once decompressed "
                f"(the limit DECOMPRESSED_MAX_BYTES): not read further"
            )
        yield chunk


def open_lines(source: IO[bytes], name: str = "the file") -> Iterator[bytes]:
    """Lines of a plain or gzip-compressed binary stream (detected by content), read
    in bounded chunks under the size limits."""
    return bounded_lines(source, name=name)


def bounded_lines(
    source: IO[bytes],
    *,
    name: str,
    line_max: int | None = None,
    decompressed_max: int | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[bytes]:
    """The lines of ``source`` without their ``\\n``, each at most ``line_max`` bytes.

    Raises :class:`ContentRefused` (naming the file, the line and the limit) on
    a longer line; never holds more than one chunk and one line."""
    limit = settings.LINE_MAX_BYTES if line_max is None else line_max
    pending = b""
    number = 0
    for chunk in content_chunks(source, name=name, decompressed_max=decompressed_max, chunk_size=chunk_size):
        parts = chunk.split(b"\n")
        tail = parts.pop()
        if parts:
            if pending:
                parts[0] = pending + parts[0]
                pending = b""
            if max(map(len, parts)) > limit:
                for offset, part in enumerate(parts):
                    if len(part) > limit:
                        raise _too_long(name, number + offset + 1, limit)
            number += len(parts)
            yield from parts
        if len(pending) + len(tail) > limit:
            raise _too_long(name, number + 1, limit)
        pending = pending + tail if pending else tail
    if pending:
        yield pending


def _too_long(name: str, number: int, limit: int) -> ContentRefused:
    return ContentRefused(
        f"{name} line {number} is longer than {size_text(limit)} (the limit LINE_MAX_BYTES): "
        "it cannot be a record, so the file is not read further"
    )
