"""Steps of bench/bill_run.py, each in a fresh process, printing JSON.

Not meant to be run by hand."""

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssaas.settings")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
import random  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db import connection, transaction  # noqa: E402

SERVICES = 10_000
PER_CUSTOMER = 4
SLUG = "harbour-voice"
CATEGORIES = [("mobile", 50), ("fixed", 30), ("local_rate", 8), ("freecall", 5), ("international", 7)]


def setup() -> dict:
    """10,000 services of Harbour Voice with features (some mid-month, some ceasing)."""
    from providers.models import Customer, Provider
    from provisioning.models import FeatureProduct, Service, ServiceFeature, ServicePlan

    provider = Provider.objects.get(slug=SLUG)
    plan = ServicePlan.objects.get(provider=provider, name="Business Voice")
    products = {p.element_id: p for p in FeatureProduct.objects.filter(provider=provider)}
    sep_1 = datetime.date(2026, 9, 1)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(provider=provider, reference=f"B{n:05d}", name=f"Bench customer {n:05d}")
            for n in range(SERVICES // PER_CUSTOMER)
        )
        services = Service.objects.bulk_create(
            Service(
                provider=provider,
                customer=customers[n // PER_CUSTOMER],
                plan=plan,
                reference=f"BS{n:05d}",
                status="active",
                start_date=sep_1,
            )
            for n in range(SERVICES)
        )
        features = []
        for n, service in enumerate(services):
            features.append(
                ServiceFeature(
                    service=service,
                    product=products["501001"],
                    quantity=1 + n % 5,
                    status="active",
                    requested_on=sep_1,
                    active_from=sep_1,
                )
            )
            if n % 10 == 0:
                features.append(
                    ServiceFeature(
                        service=service,
                        product=products["502001"],
                        quantity=2,
                        status="active",
                        requested_on=sep_1,
                        active_from=datetime.date(2026, 10, 16),
                    )
                )
            if n % 20 == 0:
                features.append(
                    ServiceFeature(
                        service=service,
                        product=products["501002"],
                        quantity=1,
                        status="ceased",
                        requested_on=sep_1,
                        active_from=sep_1,
                        active_to=datetime.date(2026, 10, 10),
                    )
                )
        ServiceFeature.objects.bulk_create(features, batch_size=5000)
    return {"services": len(services), "features": len(features)}


def usage(n: str, seed: str) -> dict:
    """N rated records of October 2026 over the services (2% late: dated in the
    closed September), written with COPY."""
    from providers.models import Provider
    from provisioning.models import Service
    from usage.carrier_files.models import CarrierFile

    count = int(n)
    rng = random.Random(int(seed))
    provider = Provider.objects.get(slug=SLUG)
    services = list(Service.objects.filter(provider=provider, reference__startswith="BS").values_list("id", "plan_id"))
    carrier_file = CarrierFile.objects.create(
        provider=provider,
        kind="ctop",
        name=f"CTOP_1234567_{int(seed):06d}_20261101013000.txt",
        sequence=int(seed),
        size=0,
        sha256=f"{int(seed):064d}",
        source="command",
        status="processed",
        stored="bench",
    )
    weights = [w for _, w in CATEGORIES]
    names = [c for c, _ in CATEGORIES]
    tz = datetime.timezone(datetime.timedelta(hours=11))
    rated_at = "2026-11-02 01:00:00+00"
    columns = (
        "provider_id, carrier_file_id, line_number, record_id, status, reason, identifier, username, group_id, "
        "service_id, plan_id, started_at, call_date, origin, target, category, raw_units, raw_unittype, "
        "duration_seconds, billed_seconds, charge, aapt_cost, rated_at, rated_seq, resolution_note, time_note"
    )
    from usage.ctop.rated_seq import next_rated_seq

    seq = next_rated_seq()  # as an ingest draws one (no close runs meanwhile here)
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY usage_usagerecord ({columns}) FROM STDIN") as copy:
        buffer = []
        for i in range(count):
            service_id, plan_id = services[rng.randrange(len(services))]
            late = rng.random() < 0.02
            day = datetime.date(2026, 9, rng.randint(1, 30)) if late else datetime.date(2026, 10, rng.randint(1, 31))
            moment = datetime.datetime(day.year, day.month, day.day, rng.randint(7, 19), rng.randint(0, 59), tzinfo=tz)
            seconds = rng.randint(5, 900)
            category = rng.choices(names, weights)[0]
            charge = Decimal(seconds * 12 // 60) / 100
            buffer.append(
                f"{provider.pk}\t{carrier_file.pk}\t{i + 1}\tB{seed}{i:019d}\trated\t\tGRP{service_id}\t\t\t"
                f"{service_id}\t{plan_id}\t{moment.isoformat()}\t{day.isoformat()}\t0290001000\t04{i % 10**8:08d}\t"
                f"{category}\t{seconds}\t100\t{seconds}\t{seconds}\t{charge}\t{Decimal(seconds) / 1000}\t"
                f"{rated_at}\t{seq}\t\t\n"
            )
            if len(buffer) == 10_000:
                copy.write("".join(buffer))
                buffer = []
        copy.write("".join(buffer))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE usage_usagerecord")
    return {"records": count, "seconds": time.perf_counter() - started}


def close(out_dir: str) -> dict:
    """Close October 2026 of Harbour Voice and write the run's three files."""
    from providers.models import BillPeriod
    from usage.billing import services
    from usage.billing.exports.close import CloseFiles
    from usage.billing.selectors import run_usage_sql

    period = BillPeriod.objects.get(provider__slug=SLUG, start_date=datetime.date(2026, 10, 1))
    closed = 0.0
    write = CloseFiles.write

    def timed_write(files, run):  # the close has committed when its files are written
        nonlocal closed
        closed = time.perf_counter() - started
        return write(files, run)

    CloseFiles.write = timed_write
    started = time.perf_counter()
    run, paths = services.bill_period_close_files(period=period, acting_user=None, directory=Path(out_dir))
    seconds = time.perf_counter() - started
    sql, params = run_usage_sql(run)
    with connection.cursor() as cursor:
        where = cursor.mogrify(sql, params)
    return {
        "where": where,
        "seconds": seconds,
        "close_seconds": closed,
        "export_seconds": seconds - closed,
        "run_id": run.pk,
        "calls": run.calls,
        "late_calls": run.late_calls,
        "invoices": run.invoices.count(),
        "files": {p.name: p.stat().st_size for p in paths},
    }


def main() -> None:
    step, *args = sys.argv[1:]
    result = {"setup": setup, "usage": usage, "close": close}[step](*args)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
