"""Gaps in the sequence numbers of AAPT's CTOP and COCE files: runs of files never
received, whether the rest were collected or uploaded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import Lag

from providers.models import Provider
from providers.scoping import scope_queryset
from usage.carrier_files.choices import CarrierFileKindChoices
from usage.carrier_files.models import CarrierFile


@dataclass(frozen=True)
class SequenceGap:
    provider_id: int
    kind: str
    after: int  # the last sequence number received before the gap
    before: int  # the next one received after it

    def describe(self) -> str:
        first, last = self.after + 1, self.before - 1
        missing = f"{first:06d}" if first == last else f"{first:06d}–{last:06d}"
        plural = "" if first == last else "s"
        return f"{self.kind.upper()} file{plural} {missing} missing (between {self.after:06d} and {self.before:06d})"


def sequence_gaps(provider_ids: Iterable[int]) -> list[SequenceGap]:
    """Runs of CTOP/COCE sequence numbers missing between two received files, per
    provider and kind (found by the database, comparing each number with the previous)."""
    rows = (
        CarrierFile.objects.filter(
            provider_id__in=list(provider_ids),
            kind__in=[CarrierFileKindChoices.CTOP, CarrierFileKindChoices.COCE],
            sequence__isnull=False,
        )
        .annotate(
            previous=Window(
                Lag("sequence"),
                partition_by=[F("provider_id"), F("kind")],
                order_by=F("sequence").asc(),
            )
        )
        .filter(sequence__gt=F("previous") + 1)
        .values_list("provider_id", "kind", "previous", "sequence")
        .order_by("provider_id", "kind", "sequence")
    )
    return [SequenceGap(pid, kind, previous, sequence) for pid, kind, previous, sequence in rows]


@dataclass(frozen=True)
class ProviderGap:
    """A run of sequence numbers missing at a provider, for people to read."""

    provider_id: int
    provider_name: str
    gap: SequenceGap

    def describe(self) -> str:
        return f"{self.provider_name}: {self.gap.describe()}"


def visible_sequence_gaps(user, *, provider_id: int | None = None) -> list[ProviderGap]:
    """CTOP/COCE sequence numbers missing between two files received, at the
    providers the user sees (collected or uploaded alike)."""
    providers = scope_queryset(Provider.objects.all(), user)
    if provider_id:
        providers = providers.filter(pk=provider_id)
    names = dict(providers.values_list("id", "name"))
    return sorted(
        (ProviderGap(gap.provider_id, names[gap.provider_id], gap) for gap in sequence_gaps(names)),
        key=lambda g: (g.provider_name, g.gap.kind, g.gap.after),
    )
