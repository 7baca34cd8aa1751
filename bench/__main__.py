"""``make bench``: figures to compare run to run, one line each: ``BENCH <name> <value> <unit>``.

Runs in a throw-away database (``test_moederschapsdossier``) on the same server the tests
use. Later issues add the national-scale generator (five years of Belgian births) and the
figures that need it."""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def emit(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.2f} {unit}", flush=True)


def timed(client: Client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm caches and templates
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(samples), len(queries)


def main(dossier_count: int = 5000, repeat: int = 30) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from bench.records import build_records

        user, sample = build_records(dossier_count)
        client = Client()
        client.force_login(user)
        dashboard = reverse("dossier:dashboard")
        ms, queries = timed(client, dashboard, repeat)
        emit("dashboard_median_ms", ms, "ms")
        emit("dashboard_queries", queries, "queries")
        ms, _ = timed(client, dashboard + "?q=Peeters&status=postnatal", repeat)
        emit("dashboard_search_median_ms", ms, "ms")
        ms, queries = timed(client, reverse("dossier:detail", args=[sample.public_id]), repeat)
        emit("dossier_detail_median_ms", ms, "ms")
        emit("dossier_detail_queries", queries, "queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
