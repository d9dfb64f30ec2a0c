"""django-q2 entry point for onboarding files too large to check or import within a
request (over ``ONBOARDING_SYNC_MAX_BYTES``): it takes ids and a kept file, calls the
service, and returns its result, which the admin page shows when done."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from providers.models import Provider

from .importer import onboarding_import
from .result import OnboardingResult


def run_onboarding(
    *, user_id: int | None, provider_id: int, path: str, name: str, kind: str | None, dry_run: bool
) -> OnboardingResult:
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    provider = Provider.objects.get(pk=provider_id)
    with Path(path).open("rb") as file:
        return onboarding_import(
            acting_user=user, provider=provider, file=file, file_name=name, kind=kind, dry_run=dry_run
        )
