"""The rating sequence: the order in which usage records became rated, which is
what a bill run's watermark is drawn from (usage/billing/services.py).

Every transaction that makes records rated (ingesting a CTOP file, a cleanse
batch) draws ONE value, after it has taken its provider's row lock (``FOR
UPDATE`` at ingest, ``FOR SHARE`` for a cleanse batch), and gives it to every
record it rates. A close takes the same row ``FOR UPDATE`` before it draws its
watermark, so no rating transaction of the provider is in flight then: every
record rated before the close carries a lower value, and every later one a
higher value. The rule for any new path that makes records rated: take the
provider row lock first, then draw. (A value drawn before the lock could be
committed after a close's watermark and fall under it, and so never be billed.)

PostgreSQL: a real SEQUENCE (``usage_rating_sequence``, no CACHE: cached values
would not follow time across sessions). SQLite serialises writers, so a one-row
counter table (``usage_rating_sequence``) does; both are made by migration 0014.
"""

from __future__ import annotations

from django.db import connection as default_connection

SEQUENCE = "usage_rating_sequence"


def next_rated_seq(conn=None) -> int:
    """A fresh value of the rating sequence, higher than any drawn before."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{SEQUENCE}')")
        else:
            cursor.execute(f"UPDATE {SEQUENCE} SET value = value + 1 RETURNING value")
        return cursor.fetchone()[0]
