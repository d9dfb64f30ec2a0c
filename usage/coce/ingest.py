"""COCE other charges: taking a file, classifying its charge lines, re-issues.

``process_coce`` runs inside ``carrier_file_process`` (the file's transaction,
the provider locked): the file is taken whole or not at all.

Rules
-----
* **Duplicates.** A ``coce_record_id`` is counted once per provider: a line
  whose id is already counted (in another file, or earlier in this one) is
  kept as *duplicate* and never counted. The database backs this with a
  unique index over counted lines.
* **Re-issues.** A COCE belongs to a statement: its lines' ``statement_date``
  (a line without one belongs to the first day of its charged month). When a
  file brings a statement that a counted file of the provider already has,
  the later issue wins: by the production time in the file name (the
  reception time when the name has none), then the sequence. The earlier
  file's lines of that statement become *superseded* (no longer counted) and
  the file itself is marked superseded once none of its lines counts. A file
  older than the one already counted is superseded on arrival.
* **Classification.** Each line's ``element_id`` (or, for one-off charges,
  ``nrc_type_id``) is looked up in the provider's feature catalogue. An id
  the catalogue lacks is an exception for staff (*unknown element id*), as is
  a recurring charge with no id; the file is still taken. Adjustments and
  one-off charges without ids are listed on their own.
* **Hosted number ranges** (products of kind number range) are matched to the
  service holding the charged range (equal to, or inside, a range or number
  recorded on the service) on some of the charged days, the one covering most
  days winning. A range no service holds is an exception, with the nearest
  range recorded here (the same range on other dates, or the closest range in
  the same area code) for staff to look at.
"""

from __future__ import annotations

import bisect
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from providers.models import Provider
from provisioning.choices import FeatureProductKindChoices
from provisioning.models import NUMBER_KINDS, FeatureProduct, ServiceIdentifier
from provisioning.normalise import split_range
from ssaas.common import formats
from usage.carrier_files.choices import CarrierFileKindChoices
from usage.carrier_files.choices import CarrierFileStatusChoices as FileStatus
from usage.carrier_files.framing import CARRIER_TIME_ZONE, FileRejected, Rejected
from usage.carrier_files.layouts import Layout
from usage.carrier_files.lines import open_lines
from usage.carrier_files.models import CarrierFile, money_text
from usage.carrier_files.processing import file_reject, finish_parse, parse_notes, register
from usage.carrier_files.receive import account_mismatch
from usage.coce.choices import OtherChargeExceptionChoices as ChargeException
from usage.coce.choices import OtherChargeStatusChoices as Status
from usage.coce.choices import OtherChargeTypeChoices as Type
from usage.coce.models import CoceFile, OtherCharge
from usage.coce.parser import Charge, CoceParser, compile_coce_layout

logger = logging.getLogger(__name__)

FOREVER = datetime.date.max
AREA_CODE_DIGITS = 2  # "02", "03" …: a range elsewhere in the country is not "near"


# ---------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------


class RangeIndex:
    """A provider's numbers and ranges (on any dates), for containment and nearness."""

    def __init__(self, provider: Provider) -> None:
        by_length: dict[int, list[tuple]] = defaultdict(list)
        rows = ServiceIdentifier.objects.filter(service__provider=provider, kind__in=NUMBER_KINDS).values_list(
            "pk", "number_first", "number_last", "active_from", "active_to", "service_id"
        )
        for pk, first, last, start, end, service_id in rows:
            by_length[len(first)].append((int(first), int(last), start, end or FOREVER, pk, service_id, first))
        self.entries = {n: sorted(e) for n, e in by_length.items()}
        self.firsts = {n: [e[0] for e in entries] for n, entries in self.entries.items()}
        self.widest = {n: max(e[1] - e[0] for e in entries) for n, entries in self.entries.items()}

    def match(
        self, first: str, last: str, start: datetime.date, end: datetime.date
    ) -> tuple[tuple[int, int] | None, int | None]:
        """((identifier id, service id) of the range holding [first, last] on most of
        the days [start, end], or None; and when none holds it, the id of the nearest
        range: the same range on other dates, else the closest in the area code)."""
        size = len(first)
        entries = self.entries.get(size)
        if not entries:
            return None, None
        low, high = int(first), int(last)
        i = bisect.bisect_right(self.firsts[size], low)
        best, best_days, on_other_dates = None, 0, None
        j = i - 1
        while j >= 0 and entries[j][0] >= low - self.widest[size]:
            _, e_last, e_from, e_to, pk, service_id, _ = entries[j]
            if e_last >= high:
                days = (min(end, e_to) - max(start, e_from)).days + 1
                if days > best_days:
                    best, best_days = (pk, service_id), days
                elif on_other_dates is None:
                    on_other_dates = pk
            j -= 1
        if best:
            return best, None
        if on_other_dates is not None:
            return None, on_other_dates
        # Equal-length numbers sort by area code, so the nearest in the area is adjacent.
        area = first[:AREA_CODE_DIGITS]
        nearest, nearest_distance = None, None
        for e_first, e_last, _, _, pk, _, text in entries[max(0, i - 3) : i + 3]:
            distance = max(0, e_first - high, low - e_last)
            if text.startswith(area) and (nearest is None or distance < nearest_distance):
                nearest, nearest_distance = pk, distance
        return None, nearest


@dataclass
class ChargeClassifier:
    """The provider's catalogue and ranges, loaded once, classifying charge lines."""

    provider: Provider
    acting_user: object = None
    products: dict[str, FeatureProduct] = field(init=False)
    ranges: RangeIndex = field(init=False)
    now: datetime.datetime = field(init=False)

    def __post_init__(self) -> None:
        self.products = {p.element_id: p for p in FeatureProduct.objects.filter(provider=self.provider)}
        self.ranges = RangeIndex(self.provider)
        self.now = timezone.now()

    def classify(self, charge: OtherCharge) -> None:
        charge.product = charge.service = charge.matched_range = charge.nearest_range = None
        charge.exception = charge.number_first = charge.number_last = ""
        charge.classified_at = self.now
        charge.classified_by = self.acting_user
        code = charge.element_id or charge.nrc_type_id
        if not code:
            if charge.type_code == Type.RECURRING:
                charge.exception = ChargeException.UNKNOWN_ELEMENT
            return
        product = self.products.get(code)
        if product is None:
            charge.exception = ChargeException.UNKNOWN_ELEMENT
            return
        charge.product = product
        if product.kind != FeatureProductKindChoices.NUMBER_RANGE:
            return
        ends = split_range(charge.external_id)
        if ends is None:
            charge.exception = ChargeException.UNMATCHED_RANGE
            return
        charge.number_first, charge.number_last = ends
        held, nearest = self.ranges.match(*ends, charge.charged_from, charge.charged_to)
        if held:
            charge.matched_range_id, charge.service_id = held
        else:
            charge.exception = ChargeException.UNMATCHED_RANGE
            charge.nearest_range_id = nearest


CLASSIFICATION_FIELDS = [
    "product",
    "exception",
    "number_first",
    "number_last",
    "service",
    "matched_range",
    "nearest_range",
    "classified_at",
    "classified_by",
]


@transaction.atomic
def other_charges_classify(*, charges: Iterable[OtherCharge], acting_user) -> int:
    """Classify charge lines again, once staff have added the missing catalogue
    entry or the range to its service. Returns how many were looked at."""
    classifiers: dict[int, ChargeClassifier] = {}
    batch: list[OtherCharge] = []
    count = 0
    for charge in charges:
        classifier = classifiers.get(charge.provider_id)
        if classifier is None:
            classifier = classifiers[charge.provider_id] = ChargeClassifier(
                Provider.objects.get(pk=charge.provider_id), acting_user
            )
        classifier.classify(charge)
        batch.append(charge)
        count += 1
        if len(batch) >= 1000:
            OtherCharge.objects.bulk_update(batch, CLASSIFICATION_FIELDS)
            batch.clear()
    OtherCharge.objects.bulk_update(batch, CLASSIFICATION_FIELDS)
    return count


# ---------------------------------------------------------------------------
# Taking a file
# ---------------------------------------------------------------------------


def _issue_order(carrier_file: CarrierFile) -> tuple:
    return (carrier_file.produced_at or carrier_file.received_at, carrier_file.sequence or 0)


@dataclass
class _Stats:
    counted: int = 0
    exceptions: int = 0
    duplicates: int = 0
    superseded: int = 0
    amount_cents: Decimal = field(default_factory=Decimal)


class _ChargeWriter:
    """Turns parsed charges into rows in batches: statement claims, duplicates,
    classification."""

    SIZE = 2000

    def __init__(self, provider: Provider, carrier_file: CarrierFile, classifier: ChargeClassifier) -> None:
        self.provider = provider
        self.carrier_file = carrier_file
        self.classifier = classifier
        self.stats = _Stats()
        self.statements: dict[datetime.date, str] = {}
        self.replaced: set[str] = set()
        self.replaced_by: set[str] = set()
        self.seen: set[str] = set()
        self.batch: list[OtherCharge] = []

    def add(self, charge: Charge) -> None:
        statement = charge.statement_date or charge.charged_from.replace(day=1)
        status = self.statements.get(statement) or self._claim(statement)
        row = OtherCharge(
            provider=self.provider,
            carrier_file=self.carrier_file,
            line_number=charge.line_number,
            coce_record_id=charge.coce_record_id,
            status=status,
            invoice_number=charge.invoice_number,
            statement_date=statement,
            type_code=charge.type_code,
            billing_level=charge.billing_level,
            transaction_time=_instant(charge.transaction_time),
            nrc_type_id=charge.nrc_type_id,
            element_id=charge.element_id,
            external_id=charge.external_id,
            external_id_type=charge.external_id_type,
            amount=charge.amount_cents.scaleb(-2),
            currency=charge.currency,
            tax1=charge.tax1_cents.scaleb(-2).quantize(Decimal("0.01")),
            tax2=charge.tax2_cents.scaleb(-2).quantize(Decimal("0.01")),
            description=charge.description,
            adjustment_code=charge.adjustment_code,
            charged_from=charge.charged_from,
            charged_to=charge.charged_to,
            rebill_reference_id=charge.rebill_reference_id,
            aapt_provider_id=charge.provider_id,
        )
        self.classifier.classify(row)
        self.batch.append(row)
        if len(self.batch) >= self.SIZE:
            self.flush()

    def _claim(self, statement: datetime.date) -> str:
        """Whether this file's lines of ``statement`` count, superseding an earlier
        issue of the statement, or are superseded by a later one."""
        counted = OtherCharge.objects.filter(
            provider=self.provider, statement_date=statement, status=Status.COUNTED
        ).exclude(carrier_file=self.carrier_file)
        others = list(CarrierFile.objects.filter(pk__in=counted.values("carrier_file_id")))
        mine = _issue_order(self.carrier_file)
        later = [f for f in others if _issue_order(f) > mine]
        if later:
            self.replaced_by.add(later[0].name)
            status = Status.SUPERSEDED
        else:
            for earlier in others:
                counted.filter(carrier_file=earlier).update(status=Status.SUPERSEDED)
                self.replaced.add(earlier.name)
                if not earlier.other_charges.filter(status=Status.COUNTED).exists():
                    earlier.status = FileStatus.SUPERSEDED
                    earlier.reason = (
                        f"Replaced by the re-issue {self.carrier_file.name} "
                        f"(statement of {formats.day(statement)}): its charges no longer count."
                    )
                    earlier.save(update_fields=["status", "reason"])
            status = Status.COUNTED
        self.statements[statement] = status
        return status

    def flush(self) -> None:
        if not self.batch:
            return
        ids = [c.coce_record_id for c in self.batch if c.status == Status.COUNTED]
        taken = dict(
            OtherCharge.objects.filter(
                provider=self.provider, coce_record_id__in=ids, status=Status.COUNTED
            ).values_list("coce_record_id", "pk")
        )
        stats = self.stats
        for row in self.batch:
            if row.status == Status.COUNTED:
                if row.coce_record_id in taken or row.coce_record_id in self.seen:
                    row.status = Status.DUPLICATE
                    row.duplicate_of_id = taken.get(row.coce_record_id)
                    stats.duplicates += 1
                    continue
                self.seen.add(row.coce_record_id)
            else:
                stats.superseded += 1
            stats.counted += 1
            stats.exceptions += bool(row.exception)
            stats.amount_cents += row.amount.scaleb(2)
        OtherCharge.objects.bulk_create(self.batch)
        self.batch.clear()


def _instant(stamp: str) -> datetime.datetime | None:
    """AAPT's times are Sydney wall-clock times."""
    if not stamp:
        return None
    naive = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S")  # noqa: DTZ007 - zone set next
    return naive.replace(tzinfo=CARRIER_TIME_ZONE)


@register(CarrierFileKindChoices.COCE)
def process_coce(provider: Provider, carrier_file: CarrierFile) -> None:
    """Take a COCE file whole (inside ``carrier_file_process``'s transaction)."""
    mismatch = account_mismatch(provider, carrier_file)
    if mismatch:
        file_reject(carrier_file, mismatch)
        return
    layout = carrier_file.layout or Layout.for_provider(provider, CarrierFileKindChoices.COCE)
    carrier_file.layout = layout
    try:
        compiled = compile_coce_layout(layout)
    except ValueError as exc:
        file_reject(carrier_file, str(exc))
        return
    try:
        with transaction.atomic():
            parser, writer, rejected = _ingest(provider, carrier_file, compiled)
    except FileRejected as exc:
        file_reject(carrier_file, str(exc))
        return
    stats = writer.stats
    CoceFile.store_counts(
        carrier_file,
        lines=parser.lines_read,
        charges=stats.counted,
        exceptions=stats.exceptions,
        duplicates=stats.duplicates,
        rejected=len(rejected),
        amount_total=stats.amount_cents.scaleb(-2),
    )
    notes = []
    if writer.replaced:
        notes.append(f"Replaces {', '.join(sorted(writer.replaced))} (same statement)")
    if stats.superseded == stats.counted and writer.replaced_by:
        carrier_file.status = FileStatus.SUPERSEDED
        notes.append(
            f"A later issue of the same statement, {', '.join(sorted(writer.replaced_by))}, "
            "is already counted: nothing of this file counts"
        )
    elif stats.exceptions or stats.duplicates or rejected:
        carrier_file.status = FileStatus.PROCESSED_WITH_EXCEPTIONS
    else:
        carrier_file.status = FileStatus.PROCESSED
    carrier_file.reason = "; ".join(notes + parse_notes(parser, len(rejected)))
    carrier_file.processed_at = timezone.now()
    carrier_file.save()
    logger.info(
        "processed COCE %s: %s charges, %s exceptions, %s duplicates, %s rejected",
        carrier_file.name,
        stats.counted,
        stats.exceptions,
        stats.duplicates,
        len(rejected),
    )


def _ingest(provider: Provider, carrier_file: CarrierFile, compiled):
    parser = CoceParser(compiled, expected_account=provider.aapt_account)
    writer = _ChargeWriter(provider, carrier_file, ChargeClassifier(provider))
    rejected: list[Rejected] = []
    with carrier_file.stored.open("rb") as raw:
        for event in parser.parse(open_lines(raw, carrier_file.name)):
            if event.__class__ is Rejected:
                rejected.append(event)
            else:
                writer.add(event)
    writer.flush()
    finish_parse(parser, carrier_file, rejected)
    return parser, writer, rejected


def coce_file_summary(carrier_file: CarrierFile) -> dict:
    """What ``ingest_coce`` prints for a file."""
    coce_file = CoceFile.objects.get(pk=carrier_file.pk)
    return {
        "file": coce_file.name,
        "status": coce_file.status,
        "records": coce_file.lines,
        "charges": coce_file.charge_count,
        "exceptions": coce_file.exception_count,
        "rejected": coce_file.rejected,
        "duplicates": coce_file.duplicates,
        "amount_total": money_text(coce_file.amount_total),
    }
