"""``python -m tests.usage.kill_child MARKER manage.py-arguments…``: runs the command
and, the moment the ingest has written its first batch of usage records inside
its transaction, creates MARKER and waits to be killed (tests/usage/test_kill.py).

The hook is on the database driver, not on our code: a bulk INSERT into the usage
table (SQLite) or the first COPY chunk (PostgreSQL)."""

import os
import sys
import time
from pathlib import Path


def _stop_here(marker: Path) -> None:
    marker.write_text("first batch written")
    while True:
        time.sleep(60)


def main() -> None:
    marker, arguments = Path(sys.argv[1]), sys.argv[2:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssaas.settings_test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from usage.ctop.models import UsageRecord

    table = UsageRecord._meta.db_table

    def after_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql:
            _stop_here(marker)
        return result

    if connection.vendor == "postgresql":
        import psycopg

        write = psycopg.Copy.write

        def write_then_stop(self, buffer):
            write(self, buffer)
            _stop_here(marker)

        psycopg.Copy.write = write_then_stop
    with connection.execute_wrapper(after_insert):
        call_command(*arguments)


if __name__ == "__main__":
    main()
