"""Planner statistics for the usage table after large changes.

A large file ingested (or the first one into an empty table) leaves
PostgreSQL's statistics behind until autovacuum comes by, a minute or so
later; meanwhile the planner takes the table for empty and picks plans that
read the whole quarantine for every batch of a cleanse, or every page of a
list. The same test autovacuum applies decides here: refresh when the table
was never analysed or a fifth of it changed since.
"""

from django.db import connection

from usage.ctop.models import UsageRecord


def refresh_statistics_if_stale() -> bool:
    """ANALYZE the usage table if its statistics are missing or stale; True if it did."""
    if connection.vendor != "postgresql":
        return False
    table = UsageRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples < 0 OR s.n_mod_since_analyze > 0.2 * GREATEST(c.reltuples, 10000) "
            "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = %s",
            [table],
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute(f"ANALYZE {table}")
            return True
    return False
