"""The size limits every app applies to what it is given (settings, README "Security").

Each refusal names the file, the limit and the setting that sets it."""

from __future__ import annotations

from django.conf import settings


def size_text(size: int) -> str:
    """``52428800`` → ``50 MB`` (binary units, as the settings are usually written)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def upload_refusal(upload) -> str | None:
    """Why an uploaded file is too large (``UPLOAD_MAX_BYTES``), or ``None``.

    Django has already spooled it to disk (``FILE_UPLOAD_MAX_MEMORY_SIZE``), so its
    size cost no memory; nothing of it is read or stored past this check."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        return (
            f"{upload.name} is {size_text(upload.size)}: uploads are limited to {size_text(limit)} "
            "(the setting UPLOAD_MAX_BYTES)."
        )
    return None


def listed(problems: list[str], total: int | None = None) -> list[str]:
    """The first ``ERRORS_LISTED_MAX`` problems, then "… and K more"."""
    limit = settings.ERRORS_LISTED_MAX
    total = len(problems) if total is None else total
    if total <= limit:
        return problems[:limit]
    return [*problems[:limit], f"… and {total - limit} more problem{'s' if total - limit != 1 else ''} not listed"]
