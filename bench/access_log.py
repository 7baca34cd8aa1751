"""The access log's figures (issue 16): appends per second with 8 concurrent writers on
different records (each append committed on its own, as a request's would be), rows written
per page per record shown, and bytes per event on disk.

The appends are real (the log is append-only): each run adds about ``8 × APPEND_SECONDS ×
rate`` events to eight records of the data set, under a bench user."""

from __future__ import annotations

import statistics
import threading
import time

APPEND_SECONDS = 3.0
WRITERS = 8
APPENDS_TARGET = 500.0


def appends_per_second(emit, note) -> None:
    from django.contrib.auth.models import User
    from django.db import connection

    from dossier.models import Dossier
    from network import audit

    user, _created = User.objects.get_or_create(username="bench-access-log")
    dossiers = list(Dossier.objects.order_by("pk")[:WRITERS])
    counts = [0] * WRITERS
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            end = time.perf_counter() + APPEND_SECONDS
            while time.perf_counter() < end:
                audit.record_read(user, dossiers[index], ["identity", "postnatal"])
                counts[index] += 1
        except BaseException as error:  # reported below: a failed writer fails the figure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    rate = sum(counts) / APPEND_SECONDS
    emit("access_log_appends_per_s", rate, "appends/s")
    met = "met" if rate >= APPENDS_TARGET else "NOT met"
    note(
        f"target access_log_appends_per_s ≥ {APPENDS_TARGET:.0f} with {WRITERS} writers on "
        f"different records: {rate:.0f} ({met}); per writer {statistics.median(counts):.0f}"
    )


def bytes_per_event(emit) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            "WHERE inhparent = 'network_accessevent'::regclass"
        )
        size = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM network_accessevent")
        events = cursor.fetchone()[0]
    if events:
        emit("access_log_bytes_per_event", size / events, "bytes")


def rows_per_page(client, url: str, records_shown: int, name: str, emit, note) -> None:
    """Events one GET of ``url`` writes per record it names (target ≤ 1); ``records_shown``
    is the page's main list (side panels may show other records)."""
    from network.models import AccessEvent

    last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client.get(url)
    written = list(AccessEvent.objects.filter(id__gt=last).values_list("dossier_id", flat=True))
    records = len(set(written))
    ratio = len(written) / max(records, 1)
    emit(f"access_log_rows_per_page_{name}", ratio, "rows/record")
    note(
        f"target access_log_rows_per_page_{name} ≤ 1: {len(written)} rows for {records} "
        f"records ({records_shown} in the main list) ({'met' if ratio <= 1 else 'NOT met'})"
    )
