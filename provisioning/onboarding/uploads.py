"""Keeping an uploaded onboarding file between its dry run and its import.

The file waits under ``settings.ONBOARDING_UPLOADS_ROOT`` with a random name;
the person's session holds that name (the token) with the provider and kind
chosen. The browser only ever sends the token back, never a path, and a token
that is not in the session finds nothing.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

SESSION_KEY = "onboarding_uploads"
KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class KeptUpload:
    token: str
    path: Path
    name: str
    provider_id: int
    kind: str | None


def _root() -> Path:
    return Path(str(settings.ONBOARDING_UPLOADS_ROOT))


def keep_upload(session, upload: UploadedFile, *, provider_id: int, kind: str | None) -> KeptUpload:
    """Store ``upload`` and remember it in ``session``."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    _forget_old_files(root)
    token = secrets.token_urlsafe(24)
    path = root / (token + PurePath(upload.name).suffix.lower())
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    kept = session.get(SESSION_KEY, {})
    kept[token] = {
        "name": upload.name,
        "provider": provider_id,
        "kind": kind or "",
        "file": path.name,
    }
    session[SESSION_KEY] = kept
    return kept_upload(session, token)


def kept_upload(session, token: str) -> KeptUpload | None:
    """The upload ``token`` names in this session, or ``None``."""
    entry = session.get(SESSION_KEY, {}).get(token)
    if not isinstance(entry, dict):
        return None
    path = _root() / entry["file"]
    if not path.is_file():
        return None
    return KeptUpload(token, path, entry["name"], entry["provider"], entry["kind"] or None)


def forget_upload(session, token: str) -> None:
    kept = session.get(SESSION_KEY, {})
    entry = kept.pop(token, None)
    session[SESSION_KEY] = kept
    if isinstance(entry, dict):
        (_root() / entry["file"]).unlink(missing_ok=True)


def _forget_old_files(root: Path) -> None:
    """Uploads never confirmed are removed after a day."""
    limit = time.time() - KEEP_SECONDS
    for path in root.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
