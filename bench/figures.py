"""The figures for policy makers (``/cijfers/``, issue 17), five years side by side:

* ``figures_page_ms``: the page for the last five years with births (every table: the
  minister's per province, public and private, the services, the unmet need, the coverage,
  equity, quality and the anonymous benchmark of the wards), seen by a policy analyst; the
  wall time of the Django test Client's GET, median of ``repeat`` after one warm-up. The
  page reads the counts the beat job keeps per year (``ebirth.figures.refresh``) and
  applies the disclosure control to each year — once per counted moment and process (the
  warm-up computes it; ``figures_first_page_ms`` is that first request). Target ≤ 2000 ms
  at national scale.
* ``figures_csv_ms``: the same tables as CSV. Same target.
* ``figures_refresh_s``: the beat job counting those years again from the records
  (informative: it runs in the worker, every hour for a year still open). The generated
  data set holds births, not the care after them (no kraamzorg days, visits or
  readmissions), so at national scale this is the floor of the real job.

Everything is done in a transaction that is rolled back (the analyst account and the kept
figures), so the data set is left as it was. ``python -m bench.figures`` runs these lines
alone on the scale's bench database (``SCALE``, default small; the small data set is built
when missing)."""

from __future__ import annotations

import statistics
import time

TARGET_MS = 2000.0
YEARS = 5


def measure(repeat: int, emit, note) -> None:
    from django.contrib.auth.models import Permission, User
    from django.db import transaction
    from django.urls import reverse

    from bench.__main__ import login, time_page
    from ebirth import figures

    years = figures.available_years()[-YEARS:]
    if not years:
        note("figures: no births in this data set; skipped")
        return
    query = f"?van={years[0]}&tot={years[-1]}"
    with transaction.atomic():
        start = time.perf_counter()
        counted = figures.refresh(force=True)
        refresh_s = time.perf_counter() - start
        analyst = User.objects.create(username="bench-analyst")
        analyst.user_permissions.add(  # given, as the admin gives it
            Permission.objects.get(codename="view_figures", content_type__app_label="ebirth")
        )
        client = login(analyst)
        start = time.perf_counter()
        first = client.get(reverse("ebirth:figures") + query)
        first_ms = (time.perf_counter() - start) * 1000
        assert first.status_code == 200, first.status_code
        page = time_page(client, reverse("ebirth:figures") + query, repeat, warmup=1)
        csv = time_page(client, reverse("ebirth:figures_csv") + query, repeat, warmup=1)
        transaction.set_rollback(True)
    emit("figures_page_ms", statistics.median(page), "ms")
    emit("figures_first_page_ms", first_ms, "ms")
    emit("figures_csv_ms", statistics.median(csv), "ms")
    emit("figures_refresh_s", refresh_s, "s")
    note(
        f"figures: years {years[0]}–{years[-1]} side by side, {repeat} requests each; the "
        f"beat job counted {len(counted)} years in {refresh_s:.1f} s"
    )
    for name, samples in (("figures_page_ms", page), ("figures_csv_ms", csv)):
        median = statistics.median(samples)
        met = "met" if median <= TARGET_MS else "NOT met"
        note(f"target {name} ≤ {TARGET_MS:.0f} (national scale, five years): {median:.0f} ({met})")


def main() -> None:
    from bench.database import scale_from_environment, use_bench_database

    scale = scale_from_environment("small")
    use_bench_database(scale, create=scale == "small")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.__main__ import emit, note
    from bench.generator import build, build_status

    status = build_status()
    if not status or status.get("state") != "complete" or status.get("scale") != scale:
        if scale != "small":
            raise SystemExit("The national data set is missing: `make bench-data` first.")
        build("small")
    call_command("migrate", verbosity=0, interactive=False)
    measure(5, emit, note)


if __name__ == "__main__":
    main()
