"""The access log's monthly partitions (PostgreSQL declarative partitioning, issue 16).

``network_accessevent`` is partitioned by ``at``: one table per calendar month (UTC), named
``network_accessevent_yYYYYmMM``, plus a default partition that catches anything outside
them, so that an append never fails for want of a month. The beat makes the coming months
ahead of time (``ensure()``, with the checkpoint); ``archive_access_log`` moves an old month
out (network/audit.py ``archive``)."""

from __future__ import annotations

import datetime
import logging

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

PARENT = "network_accessevent"
MONTHS_AHEAD = 3


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def name(month: datetime.date) -> str:
    return f"{PARENT}_y{month:%Y}m{month:%m}"


def existing() -> dict[datetime.date, str]:
    """The monthly partitions there are, by month."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for table in names:
        suffix = table.removeprefix(PARENT + "_y")
        if suffix != table and len(suffix) == 7 and suffix[4] == "m":
            months[datetime.date(int(suffix[:4]), int(suffix[5:]), 1)] = table
    return months


def create(month: datetime.date) -> bool:
    """Make one month's partition; False (and an error in the log) when the default
    partition already holds events of that month: they stay there, verifiable, and the
    month is left to the default."""
    month = month_start(month)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {name(month)} PARTITION OF {PARENT} "
                f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00+00') "
                f"TO ('{next_month(month):%Y-%m-%d} 00:00+00')"
            )
    except DatabaseError as error:
        logger.error("access log: no partition for %s: %s", f"{month:%Y-%m}", error)
        return False
    return True


def ensure(today: datetime.date | None = None, ahead: int = MONTHS_AHEAD) -> list[str]:
    """This month's and the next ``ahead`` months' partitions; returns the ones made."""
    month = month_start(today or datetime.datetime.now(datetime.UTC).date())
    have, made = existing(), []
    for _step in range(ahead + 1):
        if month not in have and create(month):
            made.append(name(month))
        month = next_month(month)
    return made
