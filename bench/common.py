"""Shared set-up for the benchmarks: a throwaway PostgreSQL database with the demo set-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ssaas_bench"


def bench_env(url: str, files_root: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "ssaas.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1rZXktc3NhYXMtMDAwMDA=",
        "CARRIER_FILES_ROOT": files_root,
        "LOG_LEVEL": "WARNING",
    }


class Bench:
    """A fresh database (dropped and created), migrated, with the demo set-up."""

    def __init__(self) -> None:
        self.url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
        parts = urlparse(self.url)
        self.dbname = parts.path.lstrip("/")
        self.admin_url = parts._replace(path="/postgres").geturl()
        self.workdir = Path(tempfile.mkdtemp(prefix="ssaas-bench-"))
        self.env = bench_env(self.url, str(self.workdir / "carrier-files"))

    def recreate(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        self.manage("migrate", "-v0")
        self.manage("loaddemo", "--no-usage")
        # Every category priced, so only unmatched identifiers are quarantined.
        self.manage(
            "shell",
            "-c",
            "from provisioning.models import PlanRate, ServicePlan\n"
            "plan = ServicePlan.objects.get(name='Wholesale Voice')\n"
            "for c in ['freecall', 'international', 'emergency', 'premium', 'other']:\n"
            "    PlanRate.objects.get_or_create(plan=plan, category=c, "
            "defaults={'rate_per_minute': '0.3000', 'initial_increment': 30, 'subsequent_increment': 30})",
        )

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def child(self, *args: str, script: str = "_child.py") -> dict:
        """Runs ``bench/<script> args…`` in a fresh process; its last line is JSON."""
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise SystemExit(f"bench step {args} failed:\n{result.stdout}\n{result.stderr}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url)

    def spans(self) -> dict:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT f.record, f.name, f.start, f.width FROM usage_layoutfield f "
                "JOIN usage_layout l ON l.id = f.layout_id WHERE l.kind = 'ctop' AND l.is_default"
            ).fetchall()
        spans: dict = {"header": {}, "detail": {}, "trailer": {}}
        for record, name, start, width in rows:
            spans[record][name] = (start - 1, start - 1 + width)
        return spans

    def reset_usage(self) -> None:
        with self.connect() as conn:
            conn.execute(
                "TRUNCATE usage_usagerecord, usage_rejectedline, usage_quarantineaction, usage_carrierfile CASCADE"
            )
