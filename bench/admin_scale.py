#!/usr/bin/env python
"""Admin lists at 10,000 and at 5,000,000 usage records, on PostgreSQL.

    .venv/bin/python bench/admin_scale.py [ROWS]     # ROWS defaults to 5,000,000

Gives each demo provider 600 services and a CTOP file a day, fills the usage
table (server-side, generate_series) with 10,000 records spread over them
(5% quarantined; one busy service), times the usage and quarantine
changelists as a superuser and as a Harbour Voice billing user (median of
five requests after two warm-ups, through Django's test client), grows the
table to ROWS and times them again. The last line is the ratio of the
slowest list at ROWS to its time at 10,000.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Bench  # noqa: E402

SMALL = 10_000


SERVICES_PER_PROVIDER = 600
DAYS = 30


def set_up(bench: Bench) -> None:
    """Many services per provider (with an identifier each) and a file per provider
    and day, as a provider's month of usage has."""
    with bench.connect() as conn:
        conn.execute(
            f"""
            INSERT INTO providers_customer (provider_id, reference, name, contact_name, contact_email,
                contact_phone, notes, billing_contact_name, billing_email, created_at)
            SELECT p.id, 'BENCH' || n, 'Bench customer ' || n, '', '', '', '', '', '', now()
            FROM providers_provider p, generate_series(1, {SERVICES_PER_PROVIDER}) n;
            INSERT INTO provisioning_service (provider_id, customer_id, plan_id, reference, label, status,
                start_date, end_date, created_at, updated_at)
            SELECT c.provider_id, c.id,
                   (SELECT min(id) FROM provisioning_serviceplan pl WHERE pl.provider_id = c.provider_id),
                   'B-' || c.reference, '', 'active', date '2026-10-01', NULL, now(), now()
            FROM providers_customer c WHERE c.reference LIKE 'BENCH%%';
            INSERT INTO provisioning_serviceidentifier (service_id, kind, value, number_first, number_last,
                active_from, active_to)
            SELECT s.id, 'fnn', v.n, v.n, v.n, date '2026-10-01', NULL
            FROM provisioning_service s, LATERAL (SELECT '07' || lpad(s.id::text, 8, '0') AS n) v
            WHERE s.reference LIKE 'B-BENCH%%';
            INSERT INTO usage_carrierfile (provider_id, kind, name, sequence, produced_at, size, sha256, stored,
                source, received_at, status, reason, lines, rated, quarantined, rejected, duplicates, written_off,
                charge_total, aapt_cost_total)
            SELECT p.id, 'ctop', 'CTOP_' || p.aapt_account || '_' || lpad(d::text, 6, '0') || '.txt', d, now(), 0,
                   md5(p.id || '-' || d), '', 'command', now(), 'processed', '', 0, 0, 0, 0, 0, 0, 0, 0
            FROM providers_provider p, generate_series(1, {DAYS}) d;
            """
        )
        conn.execute(
            """
            CREATE TABLE bench_who AS
            SELECT row_number() OVER (ORDER BY s.id) - 1 AS k, s.provider_id, s.id AS service_id, s.plan_id,
                   (SELECT value FROM provisioning_serviceidentifier i WHERE i.service_id = s.id LIMIT 1) AS ident
            FROM provisioning_service s WHERE s.reference LIKE 'B-BENCH%%';
            CREATE TABLE bench_files AS
            SELECT provider_id, sequence - 1 AS day, id AS file_id FROM usage_carrierfile;
            """
        )
        conn.commit()


def fill(bench: Bench, first: int, last: int) -> None:
    """Records first..last over the services and the days: one busy service (a
    trunk) takes 5% of the calls, the rest spread evenly; 5% are quarantined. So
    every list measured fills a page at 10,000 records as at millions."""
    with bench.connect() as conn:
        (services,) = conn.execute("SELECT count(*) FROM bench_who").fetchone()
        (seq,) = conn.execute("SELECT nextval('usage_rating_sequence')").fetchone()  # rated records carry one
        conn.execute(
            f"""
            INSERT INTO usage_usagerecord (provider_id, carrier_file_id, line_number, record_id, status, reason,
                identifier, username, group_id, service_id, plan_id, started_at, call_date, origin, target, category,
                raw_units, raw_unittype, duration_seconds, billed_seconds, charge, aapt_cost, rated_at,
                rated_seq, resolution_note, time_note)
            SELECT w.provider_id, f.file_id, g, 'R' || lpad(g::text, 20, '0'),
                   CASE WHEN g %% 20 = 0 THEN 'quarantined' ELSE 'rated' END,
                   CASE WHEN g %% 20 = 0 THEN 'non_existent_service' ELSE '' END,
                   CASE WHEN g %% 20 = 0 THEN '03800' || lpad((g %% 5000)::text, 5, '0') ELSE w.ident END,
                   w.ident || '@ssaas.aapt.com.au', '', CASE WHEN g %% 20 = 0 THEN NULL ELSE w.service_id END,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE w.plan_id END,
                   timestamptz '2026-10-01 00:00+10' + (g %% 86400) * interval '1 second'
                       + ((g / {services}) %% {DAYS}) * interval '1 day',
                   date '2026-10-01' + ((g / {services}) %% {DAYS})::int, w.ident,
                   '04' || lpad(((g::bigint * 7919) %% 100000000)::text, 8, '0'), 'mobile', '60', '100', 60,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE 60 END,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE 0.12 END, 0.10,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE now() END,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE {int(seq)} END, '', ''
            FROM generate_series(%s::bigint, %s::bigint) AS g
            JOIN bench_who w ON w.k = CASE WHEN g %% 20 = 1 THEN 0 ELSE g %% {services} END
            JOIN bench_files f ON f.provider_id = w.provider_id AND f.day = (g / {services}) %% {DAYS}
            ORDER BY g
            """,
            [first, last],
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE usage_usagerecord")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    bench = Bench()
    bench.recreate()
    os.environ.update(bench.env)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from providers.models import Provider
    from provisioning.models import Service
    from usage.carrier_files.models import CarrierFile
    from usage.ctop.models import UsageRecord

    set_up(bench)
    fill(bench, 1, SMALL)

    superuser = Client()
    superuser.force_login(get_user_model().objects.get(username="demo"))
    billing = Client()
    billing.force_login(get_user_model().objects.get(username="billing"))
    harbour = Provider.objects.get(slug="harbour-voice")
    # The busy service (k = 0 in bench_who): the first bench service by id, whichever
    # provider that is (the services are inserted in no set provider order). Harbour's
    # first service was taken before: at 10,000 records it had six calls, so its list
    # and its identifier's search drew 6 rows at 10k and a full page at millions.
    with bench.connect() as conn:
        (busy,) = conn.execute("SELECT service_id FROM bench_who WHERE k = 0").fetchone()
    service = Service.objects.get(pk=busy)
    number = UsageRecord.objects.filter(service=service).values_list("target", flat=True).first()
    usage = reverse("admin:usage_usagerecord_changelist")
    quarantine = reverse("admin:usage_quarantinedrecord_changelist")
    file_id = CarrierFile.objects.filter(provider=harbour).order_by("id").first().pk
    pages = {
        "usage, all (superuser)": (superuser, usage, {}),
        "usage, quarantined": (superuser, usage, {"status__exact": "quarantined"}),
        "usage, one provider": (superuser, usage, {"provider__id__exact": harbour.pk}),
        "usage, search identifier": (superuser, usage, {"q": service.identifiers.get().value}),
        "usage, one service": (superuser, usage, {"service__id__exact": service.pk}),
        "usage, one file": (superuser, usage, {"carrier_file__id__exact": file_id}),
        "usage, billing user": (billing, usage, {}),
        "quarantine, all": (superuser, quarantine, {}),
        "quarantine, by reason": (superuser, quarantine, {"reason__exact": "non_existent_service"}),
        "quarantine, billing user": (billing, quarantine, {}),
    }
    # Reported, not counted: a number is searched among one service's (or file's)
    # records, so its cost follows that service's size (here the busiest, 5% of all
    # calls), not the table's; the grouped view aggregates the whole quarantine.
    others = {
        "number in the busiest service": (superuser, usage, {"service__id__exact": service.pk, "q": number}),
        "number in a file": (superuser, usage, {"carrier_file__id__exact": file_id, "q": number}),
        "quarantine grouped by identifier": (superuser, reverse("admin:usage_quarantinedrecord_groups"), {}),
        "admin index (attention panel)": (superuser, reverse("admin:index"), {}),
    }

    def measure() -> dict[str, float]:
        timings = {}
        for name, (client, url, params) in {**pages, **others}.items():
            for _ in range(2):
                assert client.get(url, params).status_code == 200, name
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                client.get(url, params)
                samples.append(time.perf_counter() - started)
            timings[name] = statistics.median(samples)
        return timings

    small = measure()
    started = time.perf_counter()
    fill(bench, SMALL + 1, rows)
    print(f"grew the usage table to {rows:,} records in {time.perf_counter() - started:.0f} s")
    large = measure()
    print(f"{'page':36} {'10k ms':>8} {f'{rows // 1_000_000}M ms':>8} {'ratio':>6}")
    for name in {**pages, **others}:
        print(f"{name:36} {small[name] * 1000:8.1f} {large[name] * 1000:8.1f} {large[name] / small[name]:6.2f}")
    worst = max(pages, key=lambda name: large[name] / small[name])
    print(f"slowest change list relative to 10k: {worst}")
    print(f"changelist 5M/10k ratio: {large[worst] / small[worst]:.2f}")


if __name__ == "__main__":
    main()
