"""Fixed-width layouts of AAPT's files, kept as data: AAPT changes its formats,
and a provider can be given another layout without a code change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from providers.models import Provider
from usage.carrier_files.choices import LayoutFieldRecordChoices, LayoutKindChoices
from usage.carrier_files.framing import REQUIRED_DETAIL_FIELDS, TRAILER_FIELDS


def required_fields(kind: str) -> dict[str, frozenset[str]]:
    """What a layout of ``kind`` cannot be read without, by record: the detail fields
    its parser declared and the trailer's control totals."""
    if kind not in REQUIRED_DETAIL_FIELDS:
        return {}
    return {
        LayoutFieldRecordChoices.DETAIL: REQUIRED_DETAIL_FIELDS[kind],
        LayoutFieldRecordChoices.TRAILER: TRAILER_FIELDS,
    }


class Layout(models.Model):
    """A named table of (field, start, width) for one kind of AAPT file."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=LayoutKindChoices.choices)
    is_default = models.BooleanField(
        default=False, help_text="Used for every provider not given another layout of this kind."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_default=True),
                name="layout_one_default_per_kind",
                violation_error_message="There is already a default layout of this kind.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def for_provider(cls, provider: Provider, kind: str) -> Layout:
        assigned = ProviderLayout.objects.filter(provider=provider, kind=kind).select_related("layout").first()
        if assigned:
            return assigned.layout
        return cls.objects.get(kind=kind, is_default=True)

    def missing_fields(self) -> list[str]:
        have = {(f.record, f.name) for f in self.fields.all()}
        return sorted(
            f"{record}.{name}"
            for record, names in required_fields(self.kind).items()
            for name in names
            if (record, name) not in have
        )

    def spans(self, record: str) -> dict[str, tuple[int, int]]:
        """Python slice bounds (0-based, end exclusive) of the fields of ``record``."""
        return {f.name: (f.start - 1, f.start - 1 + f.width) for f in self.fields.all() if f.record == record}


class LayoutField(models.Model):
    """One field of a layout: 1-based inclusive start column and width."""

    layout = models.ForeignKey(Layout, on_delete=models.CASCADE, related_name="fields")
    record = models.CharField(
        max_length=10,
        choices=LayoutFieldRecordChoices.choices,
        default=LayoutFieldRecordChoices.DETAIL,
    )
    name = models.CharField(max_length=50)
    start = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    width = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["layout", "record", "start"]
        constraints = [
            models.UniqueConstraint(fields=["layout", "record", "name"], name="layoutfield_unique_name"),
            models.CheckConstraint(name="layoutfield_positive", condition=Q(start__gte=1) & Q(width__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start}–{self.end})"

    @property
    def end(self) -> int:
        return self.start + self.width - 1


class ProviderLayout(models.Model):
    """A provider's own layout for one kind of file, instead of the default."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=LayoutKindChoices.choices)
    layout = models.ForeignKey(Layout, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "kind"], name="providerlayout_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.layout}"

    def clean(self) -> None:
        super().clean()
        if self.layout_id and self.layout.kind != self.kind:
            raise ValidationError({"layout": f"{self.layout} is a {self.layout.get_kind_display()} layout."})
