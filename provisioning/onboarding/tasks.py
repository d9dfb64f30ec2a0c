"""django-q2 entry point for onboarding files too large to check or import within a
request (over ``ONBOARDING_SYNC_MAX_BYTES``): it takes ids and a kept file, calls the
service, and leaves its result in the progress store (ssaas/common/progress.py)
under ``progress_key``, where the admin's status page reads it."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from providers.models import Provider
from ssaas.common import progress

from .importer import onboarding_import


def run_onboarding(
    *,
    user_id: int | None,
    provider_id: int,
    path: str,
    name: str,
    kind: str | None,
    dry_run: bool,
    progress_key: str,
) -> str:
    progress.report(progress_key, text=f"{'checking' if dry_run else 'importing'} {name}")
    try:
        user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
        provider = Provider.objects.get(pk=provider_id)
        with Path(path).open("rb") as file:
            result = onboarding_import(
                acting_user=user, provider=provider, file=file, file_name=name, kind=kind, dry_run=dry_run
            )
    except Exception as exc:
        progress.fail(progress_key, f"{type(exc).__name__}: {exc}")
        raise
    summary = f"{len(result.errors)} errors" if result.errors else result.summary()
    progress.finish(progress_key, summary, result=result)
    return f"{name}: {summary}"
