"""Benchmark: the reconciliation spreadsheet of a large provider.

Builds, in a PostgreSQL database of its own (DATABASE_URL, dropped and created
afresh), a provider with 20,000 services (Group ID, hosted range, Service Packs
and SIP Sessions on each, a BroadWorks report, a call per service per month) and
COCE charge lines: 10,000 charged in October 2026 and 100,000 in November 2026,
written with COPY. Then exports each month's reconciliation in a fresh
subprocess and reports its time and peak memory (``ru_maxrss``). The export
streams (``.iterator()`` querysets, openpyxl write-only), so the peak at
100,000 lines should stay within 1.5 × the peak at 10,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssaas_coce_bench \\
        .venv/bin/python bench/reconciliation.py

The last line reads ``peak memory 100k/10k ratio: R``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "bench-reconciliation"
MONTHS = {10_000: "2026-10", 100_000: "2026-11"}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssaas.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("CARRIER_FILES_ROOT", os.path.join(tempfile.gettempdir(), "ssaas-bench-carrier-files"))
    import django

    django.setup()


def _recreate_database(url: str) -> None:
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit("bench/reconciliation.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = config["NAME"]
    admin = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# ---------------------------------------------------------------------------
# Building the data
# ---------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def build(services: int) -> None:
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from providers.models import Customer, Provider
    from provisioning.models import (
        FeatureProduct,
        Service,
        ServiceFeature,
        ServiceIdentifier,
        ServicePlan,
    )
    from usage.broadworks.models import BroadWorksItem, BroadWorksReport
    from usage.carrier_files.models import CarrierFile
    from usage.coce.models import OtherCharge
    from usage.ctop.models import UsageRecord
    from usage.ctop.rated_seq import next_rated_seq

    call_command("migrate", verbosity=0)
    provider = Provider.objects.create(
        name="Bench Voice", slug=SLUG, aapt_account="9999999", identification_method="group_id"
    )
    plan = ServicePlan.objects.create(provider=provider, name="Bench plan")
    catalogue = {
        element: FeatureProduct.objects.create(
            provider=provider, element_id=element, name=name, kind=kind, unit_cost=Decimal(cost)
        )
        for element, name, kind, cost in [
            ("501001", "Standard User Service Pack", "service_pack", "4.50"),
            ("501002", "Premium User Service Pack", "service_pack", "9.00"),
            ("502001", "SIP Session", "sip_session", "6.00"),
            ("503100", "Hosted number range (100)", "number_range", "10.00"),
        ]
    }
    oct_1 = datetime.date(2026, 10, 1)
    Customer.objects.bulk_create(
        Customer(provider=provider, reference=f"C{i:05d}", name=f"Customer {i:05d} Pty Ltd") for i in range(services)
    )
    customers = dict(Customer.objects.filter(provider=provider).values_list("reference", "pk"))
    Service.objects.bulk_create(
        (
            Service(
                provider=provider,
                customer_id=customers[f"C{i:05d}"],
                plan=plan,
                reference=f"BV-{i:05d}",
                status="active",
                start_date=oct_1,
            )
            for i in range(services)
        ),
        batch_size=5000,
    )
    service_ids = list(Service.objects.filter(provider=provider).order_by("reference").values_list("pk", flat=True))
    ServiceIdentifier.objects.bulk_create(
        (
            identifier
            for i, pk in enumerate(service_ids)
            for identifier in (
                ServiceIdentifier(service_id=pk, kind="group_id", value=f"G{i:05d}", active_from=oct_1),
                ServiceIdentifier(
                    service_id=pk,
                    kind="number_range",
                    value=f"{_range_first(i)}-{_range_first(i)[:-2]}99",
                    number_first=_range_first(i),
                    number_last=f"{_range_first(i)[:-2]}99",
                    active_from=oct_1,
                ),
            )
        ),
        batch_size=5000,
    )
    ranges = dict(
        ServiceIdentifier.objects.filter(service__provider=provider, kind="number_range").values_list(
            "service_id", "pk"
        )
    )
    ServiceFeature.objects.bulk_create(
        (
            ServiceFeature(
                service_id=pk,
                product=catalogue[element],
                quantity=quantity,
                status="active",
                requested_on=oct_1,
                active_from=oct_1,
            )
            for i, pk in enumerate(service_ids)
            for element, quantity in (("501001", 1 + i % 20), ("502001", 2 + i % 3))
        ),
        batch_size=5000,
    )
    for month in MONTHS.values():
        year, number = map(int, month.split("-"))
        start = datetime.date(year, number, 1)
        report = BroadWorksReport.objects.create(
            provider=provider,
            period_start=start,
            period_end=_month_end(start),
            name=f"broadworks_{month}.csv",
            stored=f"{SLUG}/broadworks/broadworks_{month}.csv",
            sha256="0" * 64,
            rows=services,
            source="command",
        )
        BroadWorksItem.objects.bulk_create(
            (
                BroadWorksItem(
                    report=report,
                    row_number=i + 2,
                    group_id=f"G{i:05d}",
                    item_type="SERVICE_PACK",
                    item_name="Standard User Service Pack",
                    quantity=1 + i % 20 - (i % 50 == 0),
                    product=catalogue["501001"],
                )
                for i in range(services)
            ),
            batch_size=5000,
        )
    now = timezone.now()
    for lines, month in MONTHS.items():
        carrier_file = CarrierFile.objects.create(
            provider=provider,
            kind="coce",
            name=f"COCE_9999999_{lines:06d}_20261102030000.txt",
            size=lines * 400,
            sha256=f"{lines:064d}",
            stored=f"{SLUG}/coce/{lines}.txt",
            source="command",
            status="processed_with_exceptions",
            lines=lines,
            processed_at=now,
        )
        _copy(
            OtherCharge._meta.db_table,
            CHARGE_COLUMNS,
            _charge_rows(provider, carrier_file, lines, month, service_ids, ranges, catalogue, now),
        )
        ctop = CarrierFile.objects.create(
            provider=provider,
            kind="ctop",
            name=f"CTOP_9999999_{lines:06d}_20261102013000.txt",
            size=0,
            sha256=f"{lines + 1:064d}",
            stored=f"{SLUG}/ctop/{lines}.txt",
            source="command",
            status="processed",
        )
        year, number = map(int, month.split("-"))
        day = datetime.date(year, number, 5)
        started = datetime.datetime(year, number, 5, 9, tzinfo=datetime.UTC)
        seq = next_rated_seq()
        UsageRecord.objects.bulk_create(
            (
                UsageRecord(
                    provider=provider,
                    carrier_file=ctop,
                    line_number=i + 2,
                    record_id=f"U{month}-{i}",
                    status="rated" if i % 97 else "quarantined",
                    reason="" if i % 97 else "no_price",
                    identifier=f"G{i:05d}",
                    service_id=pk,
                    started_at=started,
                    call_date=day,
                    category="mobile",
                    duration_seconds=60,
                    billed_seconds=60,
                    charge=Decimal("0.12") if i % 97 else None,
                    aapt_cost=Decimal("0.10"),
                    rated_seq=seq if i % 97 else None,
                )
                for i, pk in enumerate(service_ids)
            ),
            batch_size=5000,
        )


CHARGE_COLUMNS = [
    "provider_id",
    "carrier_file_id",
    "line_number",
    "coce_record_id",
    "status",
    "invoice_number",
    "statement_date",
    "type_code",
    "billing_level",
    "nrc_type_id",
    "element_id",
    "external_id",
    "external_id_type",
    "amount",
    "currency",
    "tax1",
    "tax2",
    "description",
    "adjustment_code",
    "charged_from",
    "charged_to",
    "rebill_reference_id",
    "aapt_provider_id",
    "product_id",
    "exception",
    "number_first",
    "number_last",
    "service_id",
    "matched_range_id",
    "classified_at",
]


def _range_first(i: int) -> str:
    return f"02{9000000 + i * 100:08d}"


def _month_end(start: datetime.date) -> datetime.date:
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _charge_rows(provider, carrier_file, lines, month, service_ids, ranges, catalogue, now):
    """A mix like a real month: mostly range charges (5% owned by no one), account
    level packs and sessions, credits, and a few unknown element ids."""
    year, number = map(int, month.split("-"))
    start = datetime.date(year, number, 1)
    end = _month_end(start)
    statement = end + datetime.timedelta(days=1)
    services = len(service_ids)
    for i in range(lines):
        kind = i % 100
        common = [provider.pk, carrier_file.pk, i + 2, f"B{month}-{i:07d}", "counted", "9000"]
        common += [statement, "2"]
        service = range_id = product = None
        external, first, last, exception, element, level = "", "", "", "", "", "0"
        charged_from, charged_to = start, end
        description = ""
        if kind < 55:
            n = i % services
            element, level = "503100", "1"
            first, last = _range_first(n), f"{_range_first(n)[:-2]}99"
            external = f"{first}-{last}"
            service, range_id = service_ids[n], ranges[service_ids[n]]
            amount, description = "10.00", "Hosted number range (100)"
        elif kind < 60:
            element, level = "503100", "1"
            first, last = f"03{5000000 + i * 100:08d}", f"03{5000000 + i * 100 + 99:08d}"
            external, exception = f"{first}-{last}", "unmatched_range"
            amount, description = "10.00", "Hosted number range (100)"
        elif kind < 95:
            element = ("501001", "501002", "502001")[i % 3]
            amount = ("4.50", "9.00", "6.00")[i % 3]
            if i % 7 == 0:
                charged_from = start + datetime.timedelta(days=15)
                amount = "2.32"
            description = catalogue[element].name
        elif kind < 99:
            common[-1] = "4"
            amount, description = "-5.00", "Credit: service outage"
            element = "501001" if i % 2 else ""
            charged_to = charged_from
        else:
            element, amount, exception = "599999", "3.00", "unknown_element"
            description = "Something new"
        if element and exception != "unknown_element":
            product = catalogue[element].pk
        yield common + [
            level,
            "",
            element,
            external,
            "1" if external else "",
            amount,
            "1",
            "0",
            "0",
            description,
            "",
            charged_from,
            charged_to,
            "",
            "",
            product,
            exception,
            first,
            last,
            service,
            range_id,
            now,
        ]


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def export(month: str, output: str) -> None:
    """Child process: write one month's workbook, print what it cost."""
    from providers.models import Provider
    from providers.months import period_for
    from usage.reconciliation.report import reconciliation_build
    from usage.reconciliation.workbook import write_reconciliation_workbook

    began = time.perf_counter()
    provider = Provider.objects.get(slug=SLUG)
    report = reconciliation_build(provider=provider, period=period_for(provider, month))
    write_reconciliation_workbook(report, output)
    seconds = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kb": peak_kb, "bytes": os.path.getsize(output)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=20_000)
    parser.add_argument("--export", metavar="YYYY-MM", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if args.export:
        _setup_django()
        export(args.export, args.output)
        return
    _recreate_database(url)
    _setup_django()
    began = time.perf_counter()
    build(args.services)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have done on a live database
    print(f"built {args.services:,} services and {sum(MONTHS):,} COCE lines in {time.perf_counter() - began:.1f} s")
    peaks = {}
    with tempfile.TemporaryDirectory() as folder:
        for lines, month in MONTHS.items():
            output = os.path.join(folder, f"{month}.xlsx")
            result = subprocess.run(
                [sys.executable, __file__, "--export", month, "--output", output],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            peaks[lines] = figures["peak_kb"]
            print(
                f"export {lines:,} lines: {figures['seconds']:.1f} s, "
                f"peak memory {figures['peak_kb'] / 1024:.1f} MB, "
                f"workbook {figures['bytes'] / 1024 / 1024:.1f} MB"
            )
    print(f"peak memory 100k/10k ratio: {peaks[100_000] / peaks[10_000]:.2f}")


if __name__ == "__main__":
    main()
