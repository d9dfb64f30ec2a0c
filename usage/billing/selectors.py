"""What a bill run bills (its preview, and the close's own lines), and what is
still outstanding in a period. Reads only: the close writes (services.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Case, Count, Max, Min, Q, Sum, Value, When

from providers.models import BillPeriod, Customer
from provisioning.choices import PlanRateCategoryChoices, ServiceFeatureStatusChoices
from provisioning.models import Order, Service, ServiceFeature
from ssaas.common.formats import to_cent
from usage.billing.choices import BillRunLineKindChoices as Kind
from usage.billing.models import Adjustment, BillRun, BillRunInvoice, BillRunLine
from usage.billing.pricing import recurring_charges
from usage.carrier_files.choices import CarrierFileStatusChoices
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.sequence import sequence_gaps
from usage.coce.models import OtherChargeException
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord

GST_RATE = Decimal("0.10")
CATEGORIES = dict(PlanRateCategoryChoices.choices)
CHANGE_FLAG = Decimal("0.5")  # a customer's total moved by more than half since last period


def _d(day: datetime.date | None) -> str:
    # dd/mm/yyyy without strftime (a fifth of its time; a run formats 40,000 dates)
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else ""


def billed_minutes(seconds: int) -> str:
    """``seconds`` in minutes to one decimal, as ``f"{Decimal(seconds) / 60:.1f}"``
    writes it (halves to even), in whole numbers: a run writes 60,000 of them."""
    tenths, rest = divmod(seconds, 6)  # seconds / 6 = tenths of a minute
    if rest > 3 or (rest == 3 and tenths % 2):
        tenths += 1
    return f"{tenths // 10}.{tenths % 10}"


def gst_of(total_ex_gst: Decimal) -> Decimal:
    """GST on one invoice's total, half-up to the cent."""
    return to_cent(total_ex_gst * GST_RATE)


# ---------------------------------------------------------------------------
# Outstanding: what blocks a clean close
# ---------------------------------------------------------------------------


def period_outstanding(period: BillPeriod) -> list[dict]:
    """What is still outstanding in ``period``, each as {kind, count, detail}:
    quarantined records dated in it, features requested but not active, open
    orders, COCE exceptions charged in it, files of it not processed, sequence gaps."""
    provider = period.provider
    start, end = period.start_date, period.end_date
    items = []

    def add(kind: str, count: int, detail: str) -> None:
        if count:
            items.append({"kind": kind, "count": count, "detail": detail})

    quarantined = UsageRecord.objects.filter(
        provider=provider, status=UsageRecordStatusChoices.QUARANTINED, call_date__range=(start, end)
    )
    add("quarantine", quarantined.count(), "quarantined usage record(s) dated in the period")
    requested = ServiceFeature.objects.filter(
        service__provider=provider, status=ServiceFeatureStatusChoices.REQUESTED
    ).select_related("service", "product")
    add(
        "requested_features",
        requested.count(),
        "feature(s) requested but not activated: "
        + ", ".join(f"{f.product.name} ×{f.quantity} on {f.service.reference}" for f in requested[:10]),
    )
    orders = Order.objects.open().filter(provider=provider)
    add("open_orders", orders.count(), "open order(s) in the provisioning queue")
    exceptions = OtherChargeException.objects.filter(provider=provider, charged_from__lte=end, charged_to__gte=start)
    add("coce_exceptions", exceptions.count(), "COCE charge exception(s) charged in the period")
    unprocessed = CarrierFile.objects.filter(
        provider=provider,
        status__in=[
            CarrierFileStatusChoices.RECEIVED,
            CarrierFileStatusChoices.PROCESSING,
            CarrierFileStatusChoices.REJECTED,
        ],
    ).filter(
        Q(produced_at__date__range=(start, end + datetime.timedelta(days=1)))
        | Q(produced_at__isnull=True, received_at__date__range=(start, end + datetime.timedelta(days=1)))
    )
    add(
        "unprocessed_files",
        unprocessed.count(),
        "file(s) of the period not processed: " + ", ".join(unprocessed.values_list("name", flat=True)[:10]),
    )
    gaps = sequence_gaps([provider.pk])
    add("sequence_gaps", len(gaps), "; ".join(g.describe() for g in gaps))
    return items


# ---------------------------------------------------------------------------
# The bill: invoices, lines
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    service_id: int
    service_reference: str
    kind: str
    description: str
    amount: Decimal
    aapt_cost: Decimal
    category: str = ""
    product_id: int | None = None
    product_name: str = ""
    adjustment_id: int | None = None
    quantity: int = 0
    days: int = 0
    billed_seconds: int = 0
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None

    @property
    def margin(self) -> Decimal:
        return self.amount - self.aapt_cost

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


@dataclass
class Draft:
    """One customer's invoice as the run bills it."""

    customer: Customer
    lines: list[Line] = field(default_factory=list)
    previous_total: Decimal | None = None
    number: str = ""

    @property
    def total_ex_gst(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def gst(self) -> Decimal:
        return self.totals()[1]

    @property
    def total_inc_gst(self) -> Decimal:
        return self.totals()[2]

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Ex GST, GST (half-up, on the invoice) and inc GST, the lines summed once."""
        total = self.total_ex_gst
        gst = gst_of(total)
        return total, gst, total + gst

    @property
    def aapt_cost(self) -> Decimal:
        return sum((line.aapt_cost for line in self.lines), Decimal("0.00"))

    @property
    def margin(self) -> Decimal:
        return self.total_ex_gst - self.aapt_cost

    @property
    def flagged(self) -> bool:
        """The total moved by more than half since last period (or appeared from nothing)."""
        if self.previous_total is None:
            return False
        if not self.previous_total:
            return bool(self.total_ex_gst)
        return abs(self.total_ex_gst - self.previous_total) > abs(self.previous_total) * CHANGE_FLAG

    def services(self) -> list[tuple[str, list[Line]]]:
        grouped: dict[str, list[Line]] = defaultdict(list)
        for line in self.lines:
            grouped[line.service_reference].append(line)
        return list(grouped.items())


# Which records a run bills. A close does not mark them: the run keeps watermarks.
# S(W, E) = the provider's rated records with rated_seq <= W and call_date <= E.
# Records are frozen once rated (cleanse and write-off touch only quarantined
# ones), every rating draws a higher value than any close before it
# (usage/ctop/rated_seq.py), and runs close in period order, so each run's S
# holds the one before's: run k bills S(W_k, E_k) minus S(W_k-1, E_k-1), i.e. the
# calls of its period rated before it closed and the late calls rated since the
# run before. seq_from (the lowest value the run before left unbilled) only
# bounds the index range searched; it changes nothing of the set.


def previous_run(period: BillPeriod) -> BillRun | None:
    """The provider's last done run before ``period`` (its set is the one this
    period's run starts from)."""
    return (
        BillRun.objects.filter(provider_id=period.provider_id, status="done", period__end_date__lt=period.start_date)
        .select_related("period")
        .order_by("-period__end_date")
        .first()
    )


def _usage(provider_id: int, *, end, through, seq_from: int, previous_through: int, previous_end):
    records = UsageRecord.objects.filter(
        provider_id=provider_id,
        status=UsageRecordStatusChoices.RATED,
        rated_seq__gte=seq_from,
        call_date__lte=end,
    )
    if through is not None:
        records = records.filter(rated_seq__lte=through)
    if previous_end is not None:
        records = records.exclude(rated_seq__lte=previous_through, call_date__lte=previous_end)
    return records


def unbilled_usage(period: BillPeriod):
    """Rated records the close of ``period`` would bill now: dated up to its end,
    not billed by an earlier run."""
    before = previous_run(period)
    return _usage(
        period.provider_id,
        end=period.end_date,
        through=None,
        seq_from=before.seq_next_from if before else 0,
        previous_through=before.seq_through if before else 0,
        previous_end=before.period.end_date if before else None,
    )


def run_usage(run: BillRun):
    """The records ``run`` billed (its watermarks set at the close)."""
    return _usage(
        run.provider_id,
        end=run.period.end_date,
        through=run.seq_through,
        seq_from=run.seq_from,
        previous_through=run.previous_seq_through,
        previous_end=run.previous_end,
    )


def run_usage_sql(run: BillRun, alias: str = "u") -> tuple[str, list]:
    """:func:`run_usage` as a WHERE condition on ``alias`` (for COPY), with its parameters."""
    sql = (
        f"{alias}.provider_id = %s AND {alias}.status = 'rated' AND {alias}.rated_seq >= %s "
        f"AND {alias}.rated_seq <= %s AND {alias}.call_date <= %s"
    )
    params: list = [run.provider_id, run.seq_from, run.seq_through, run.period.end_date]
    if run.previous_end is not None:
        sql += f" AND NOT ({alias}.rated_seq <= %s AND {alias}.call_date <= %s)"
        params += [run.previous_seq_through, run.previous_end]
    return sql, params


def next_seq_from(run: BillRun) -> int:
    """The lowest rating value of a record the run leaves for a later one (dated
    after its period, rated before its close); past its watermark if none. Every
    record a later run bills has at least this value."""
    lowest = (
        UsageRecord.objects.filter(
            provider_id=run.provider_id,
            status=UsageRecordStatusChoices.RATED,
            rated_seq__gte=run.seq_from,
            rated_seq__lte=run.seq_through,
            call_date__gt=run.period.end_date,
        )
        .aggregate(lowest=Min("rated_seq"))
        .get("lowest")
    )
    return run.seq_through + 1 if lowest is None else lowest


def unbilled_adjustments(period: BillPeriod):
    return Adjustment.objects.filter(
        provider_id=period.provider_id, date__range=(period.start_date, period.end_date), bill_run__isnull=True
    )


def usage_totals(records, period: BillPeriod):
    """Calls grouped in the database by service, category and lateness."""
    return (
        records.annotate(
            late=Case(
                When(call_date__lt=period.start_date, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("service_id", "category", "late")
        .annotate(
            calls=Count("id"),
            billed=Sum("billed_seconds"),
            charge=Sum("charge"),
            cost=Sum("aapt_cost"),
            first=Min("call_date"),
            last=Max("call_date"),
        )
        .order_by("service_id", "late", "category")
    )


_TOTALS = ("service_id", "category", "late", "calls", "billed", "charge", "cost", "first", "last")


def stream_rows(rows, *, size: int = 2000) -> Iterator[tuple]:
    """The tuples of ``rows`` (a ``values_list`` queryset), streamed.

    PostgreSQL: its plain query, whose rows are streamed ``size`` at a time
    (psycopg's ``stream``) as the driver reads them: no converter applies to these
    backends' columns there, and Django's row-by-row iteration costs more than the
    query for the tens of thousands of lines of a run. Not a cursor (Django's
    ``iterator()``) either: a cursor's query is planned for its first rows (for
    the usage totals, an index walk in service order over every record of the
    run, a random heap read each, several times slower than a scan and an
    aggregate of the whole table), and gets no parallel workers."""
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=5000)
        return
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        yield from cursor.cursor.stream(sql, params, size=size)


def _usage_rows(records, period: BillPeriod) -> Iterator[tuple]:
    """:func:`usage_totals` as tuples in the order of ``_TOTALS``, streamed."""
    return stream_rows(usage_totals(records, period).values_list(*_TOTALS))


def bill_lines(period: BillPeriod, *, run: BillRun | None = None) -> list[Draft]:
    """The invoices a run of ``period`` bills, customers by name, lines by service.

    ``run`` given: the records and adjustments it billed (the close sets its
    watermarks first); otherwise what a close would bill now (the preview)."""
    records = run_usage(run) if run else unbilled_usage(period)
    adjustments = run.adjustments.all() if run else unbilled_adjustments(period)
    lines: list[Line] = []
    service_ids: set[int] = set()
    days: dict = {}  # one date object per day, not two per line (the lines are all held)
    usage, late_usage, nothing = Kind.USAGE, Kind.LATE_USAGE, Decimal(0)
    for service_id, code, late, calls, billed, charge, cost, first, last in _usage_rows(records, period):
        service_ids.add(service_id)
        first, last = days.setdefault(first, first), days.setdefault(last, last)
        category = CATEGORIES.get(code, code)
        billed = billed or 0
        text = f"{calls} call{'s' if calls != 1 else ''}, {billed_minutes(billed)} billed min"
        if late:
            dates = _d(first) if first == last else f"{_d(first)}–{_d(last)}"
            description = f"Late calls dated {dates}, {category}: {text}"
        else:
            description = f"Calls, {category}: {text}"
        lines.append(
            Line(
                service_id=service_id,
                service_reference="",
                kind=late_usage if late else usage,
                category=code,
                description=description,
                quantity=calls,
                billed_seconds=billed,
                amount=to_cent(charge or nothing),
                aapt_cost=to_cent(cost or nothing),
                first_date=first,
                last_date=last,
            )
        )
    for charge in recurring_charges(period=period):
        service_ids.add(charge.service_id)
        lines.append(
            Line(
                service_id=charge.service_id,
                service_reference="",
                kind=Kind.RECURRING,
                product_id=charge.product_id,
                product_name=charge.product_name,
                description=(
                    f"{charge.product_name} ×{charge.quantity}, {_d(charge.first_date)}–{_d(charge.last_date)} "
                    f"({charge.days}/{charge.period_days} days at {charge.monthly_price:.2f} a month)"
                ),
                quantity=charge.quantity,
                days=charge.days,
                amount=charge.amount,
                aapt_cost=charge.aapt_cost,
                first_date=charge.first_date,
                last_date=charge.last_date,
            )
        )
    for adjustment in adjustments.order_by("date", "pk"):
        service_ids.add(adjustment.service_id)
        lines.append(
            Line(
                service_id=adjustment.service_id,
                service_reference="",
                kind=Kind.ADJUSTMENT,
                adjustment_id=adjustment.pk,
                description=f"{'Credit' if adjustment.amount < 0 else 'Charge'} {_d(adjustment.date)}: "
                f"{adjustment.reason.strip()}",
                quantity=1,
                amount=adjustment.amount,
                aapt_cost=Decimal("0.00"),
                first_date=adjustment.date,
                last_date=adjustment.date,
            )
        )
    # Read as plain values: the provider's services, then the customers billed.
    services = {
        pk: (reference, customer_id)
        for pk, reference, customer_id in Service.objects.filter(provider_id=period.provider_id).values_list(
            "pk", "reference", "customer_id"
        )
        if pk in service_ids
    }
    customers = Customer.objects.in_bulk({customer_id for _reference, customer_id in services.values()})
    drafts: dict[int, Draft] = {}
    for line in lines:
        line.service_reference, customer_id = services[line.service_id]
        draft = drafts.get(customer_id)
        if draft is None:
            draft = drafts[customer_id] = Draft(customer=customers[customer_id])
        draft.lines.append(line)
    order = {Kind.USAGE: 0, Kind.LATE_USAGE: 1, Kind.RECURRING: 2, Kind.ADJUSTMENT: 3}
    for draft in drafts.values():
        draft.lines.sort(key=lambda line: (line.service_reference, line.service_id, order[line.kind]))
    previous = previous_totals(period)
    result = sorted(drafts.values(), key=lambda d: (d.customer.name, d.customer.pk))
    for draft in result:
        draft.previous_total = previous.get(draft.customer.pk)
    return result


def previous_period(period: BillPeriod) -> BillPeriod | None:
    return (
        BillPeriod.objects.filter(provider_id=period.provider_id, end_date__lt=period.start_date)
        .order_by("-end_date")
        .first()
    )


def previous_totals(period: BillPeriod) -> dict[int, Decimal]:
    """Each customer's total ex GST in the run of the period before, if one was run."""
    before = previous_period(period)
    if before is None:
        return {}
    return dict(
        BillRunInvoice.objects.filter(run__period=before, run__status="done").values_list("customer_id", "total_ex_gst")
    )


# A run's line as its files read it: the columns the close wrote, with the
# service's reference. The close hands its own lines in this shape to the files
# it writes at once (usage/billing/services.py billed_lines); later downloads read
# them back with stored_lines.
LINE_FIELDS = (
    "invoice_id",
    "service_id",
    "service__reference",
    "kind",
    "category",
    "product_id",
    "adjustment_id",
    "description",
    "quantity",
    "days",
    "billed_seconds",
    "first_date",
    "last_date",
    "amount",
    "aapt_cost",
)
LINE_KIND = LINE_FIELDS.index("kind")


def stored_lines(run: BillRun, *, kind: str | None = None) -> Iterator[tuple]:
    """The run's lines (of ``kind``, if given) in the order the close wrote them, as
    tuples of ``LINE_FIELDS``, streamed."""
    lines = BillRunLine.objects.filter(run=run)
    if kind is not None:
        lines = lines.filter(kind=kind)
    return stream_rows(lines.order_by("pk").values_list(*LINE_FIELDS))


def bill_summary(drafts: list[Draft]) -> dict:
    total = sum((d.total_ex_gst for d in drafts), Decimal("0.00"))
    gst = sum((d.gst for d in drafts), Decimal("0.00"))
    cost = sum((d.aapt_cost for d in drafts), Decimal("0.00"))
    late = [line for d in drafts for line in d.lines if line.kind == Kind.LATE_USAGE]
    return {
        "invoices": len(drafts),
        "total_ex_gst": total,
        "gst": gst,
        "total_inc_gst": total + gst,
        "aapt_cost": cost,
        "margin": total - cost,
        "late_calls": sum(line.quantity for line in late),
        "calls": sum(line.quantity for d in drafts for line in d.lines if line.kind in (Kind.USAGE, Kind.LATE_USAGE)),
        "flagged": sum(1 for d in drafts if d.flagged),
    }
