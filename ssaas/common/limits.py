"""The size limits every app applies to what it is given (settings, README "Security").

Each refusal names the file, the limit and the setting that sets it."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def size_text(size: int) -> str:
    """``52428800`` → ``50 MB`` (binary units, as the settings are usually written)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


class RefusedUpload(SimpleUploadedFile):
    """What :class:`UploadLimitHandler` hands the form for a file over the limit: its
    name and size, and none of its content."""

    refused = True

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(name, b"", content_type)
        self.size = size


class UploadLimitHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: passes a file's bytes on to Django's memory and
    disk handlers until they pass ``UPLOAD_MAX_BYTES``, then passes nothing more on.

    Nothing over the limit is held in memory or written to disk; the rest of the file
    is only counted as the request is read (the browser sends it whatever the server
    does, and a reset connection would lose the answer), so the form can say how large
    it was. The file reaches the form as a :class:`RefusedUpload`, which
    :func:`upload_refusal` turns into the message naming the limit."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.UPLOAD_MAX_BYTES
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # the handlers after this one are given nothing more
        return raw_data

    def file_complete(self, file_size):
        if self.received <= self.limit:
            return None  # the next handler's file (in memory or on disk) is the upload
        # What the disk handler wrote (at most the limit) goes now, not when collected.
        for handler in self.request.upload_handlers:
            partial = getattr(handler, "file", None) if handler is not self else None
            if partial is not None and hasattr(partial, "close"):
                partial.close()
        return RefusedUpload(self.file_name, self.received, self.content_type)


def upload_refusal(upload) -> str | None:
    """Why an uploaded file is too large (``UPLOAD_MAX_BYTES``), or ``None``.

    :class:`UploadLimitHandler` stopped keeping it at the limit; an upload that did
    not pass through it (a test's own file, a handler list without it) is measured."""
    limit = settings.UPLOAD_MAX_BYTES
    if getattr(upload, "refused", False) or upload.size > limit:
        size = size_text(upload.size)
        if size == size_text(limit):  # just over: "is 1 KB: … limited to 1 KB" would puzzle
            size = f"over {size}"
        return f"{upload.name} is {size}: uploads are limited to {size_text(limit)} (the setting UPLOAD_MAX_BYTES)."
    return None


def listed(problems: list[str], total: int | None = None) -> list[str]:
    """The first ``ERRORS_LISTED_MAX`` problems, then "… and K more"."""
    limit = settings.ERRORS_LISTED_MAX
    total = len(problems) if total is None else total
    if total <= limit:
        return problems[:limit]
    return [*problems[:limit], f"… and {total - limit} more problem{'s' if total - limit != 1 else ''} not listed"]
