"""``make bench``: figures to compare run to run, one line each: ``BENCH <name> <value> <unit>``.

``make bench`` (``SCALE=small``) rebuilds the small data set (10,000 records, see
``bench/generator.py``) in ``moederschapsdossier_bench_small`` and measures it in a minute;
``make bench SCALE=national`` measures the national data set (≈550,000 records) that
``make bench-data`` built in ``moederschapsdossier_bench`` (it stops when that is missing).

The "my dossiers" page (``dossier:dashboard``), for two people of the generated data:
``bench-midwife`` (≈2,000 records nationally, the busiest midwife) and ``bench-gp`` (≈200).

* ``my_dossiers_median_ms`` / ``my_dossiers_p95_ms`` (midwife) and ``my_dossiers_gp_*``
  (GP): server time of the page with 25 rows: the wall time of the Django test Client's GET
  of the real view, in this process — middleware, session, the selector's queries, the
  access-log events the page writes for every mother it names (hash-chained, under the
  chain's lock), template rendering. The view's ``PAGE_SIZE`` (20) is set to 25 for these
  figures only. Median and 95th percentile of ``REPEAT`` requests after a warm-up.
* ``my_dossiers_queries`` / ``my_dossiers_gp_queries``: queries of one such page. Target:
  the same at both scales (the last figures of each scale are kept in ``.data/bench/`` and
  compared when both exist).
* ``my_dossiers_floor_ratio`` (and ``_gp_``): the page's list queries against the floor,
  both fetching 25 rows through the same database cursor (no model instances, no
  rendering): the page's list is two statements, timed one after the other — the ids of
  the page (``dossier.selectors.dossier_list(user)``: her current records through the
  permission rows, sorted on the record's own columns, first 25), then those 25 rows whole
  (``dossier.selectors.list_rows``: those ids only, unsorted, with the section flags,
  mother and delivery joined, newborns counted). (On its first pages the page reads the ids
  with the list's total, a window count, in one statement compiled once —
  ``selectors.current_list_page``, about 0.1 ms more than the ids alone nationally — instead
  of a count and then the ids; the figure keeps timing the ids as before.) The floor is a
  plain indexed membership
  query for the same 25 records in the same order::

      SELECT d.* FROM dossier_dossier d
        JOIN network_membership m ON m.dossier_id = d.id
       WHERE m.professional_id = %s AND m.ended_at IS NULL
       ORDER BY d.created_at DESC LIMIT 25

  timed with the planner's plan, or with ``enable_seqscan = off`` when that is faster
  (with PostgreSQL's default ``random_page_cost`` of 4 the planner prefers a sequential
  scan of all records for the busiest people, which is not the indexed floor; the app's
  connections plan with 1.1, ``config.database.planner_options``, ``PG_RANDOM_PAGE_COST``).
  Ratio = median list-query time / median floor time. Target: ≤ 1.5. The whole page
  against the same floor is ``my_dossiers_page_floor_ratio`` (informative: the page also
  counts the rows for the pagination, writes the access log and renders). Many of the
  page's statements are built and compiled once per process (``config/prepared.py``): the
  timed requests follow the warm-up, so they measure what a running server does.
* ``dashboard_*`` and ``dossier_detail_*``: the page as shipped (20 rows), a search, and the
  overview of one of the midwife's records.
* ``dossier_overview_queries_1`` / ``_30`` and ``dossier_overview_median_ms``: the overview
  (``dossier:detail``) of a record in its postnatal weeks, seen by its coordinator
  (``bench-midwife``), with 1 entry of each kind, then with 30 (30 prenatal consultations,
  home visits with a baby check each, phone contacts and own observations; 20 weighings,
  4 screenings): see ``bench/overview.py``. Each record is built, measured and rolled back
  in one transaction, so the data set (and its append-only access log) is left as it was;
  the page's own commit is therefore not in the time, nor its savepoints in the count.
  Targets: the same number of queries for 1 and 30 entries (when not, the differing
  statements are printed as ``#`` lines); median (of ``REPEAT`` requests after 3 warm-ups,
  30 entries) ≤ 50 ms at national scale.
* ``plan_save_median_ms`` and ``plan_pdf_median_ms``: a new care-plan version saved, and the
  plan as a PDF, on a record without delivery: see ``bench/careplan.py``. Targets ≤ 30 ms
  and ≤ 1000 ms.
* ``outbox_sweep_per_s`` and ``plan_save_broker_down_ratio``: the outbox's sweep delivering
  to a local SMTP sink, and a plan's save with Redis stopped against running (target
  ≤ 1.5): see ``bench/outbox.py``.
* ``alert_eval_median_ms``: what the clinical alert rules add to a home visit's save
  (``dossier.alerts.evaluate`` on a visit firing four rules, one urgent: the alerts, the
  inbox notices and the coordinator's e-mail and SMS written), and
  ``home_visit_save_median_ms`` / ``home_visit_save_plain_median_ms``, the whole save with
  those findings and with normal ones: see ``bench/alerts.py``. Target ≤ 5 ms.
* ``growth_chart_median_ms`` and ``growth_chart_queries``: a newborn's weight page with 20
  weighings, the WHO percentile lines and the length and head curves: see
  ``bench/growth.py``. Target ≤ 50 ms.
* ``today_list_median_ms`` and ``today_list_queries``: the day list ("Vandaag") of
  ``bench-midwife`` with 40 appointments due today or overdue: see ``bench/today.py``.
  Targets ≤ 50 ms (national scale) and the same queries with 10 and 40 due.
* ``coordinator_dashboard_median_ms`` and ``coordinator_dashboard_queries``: the watch list
  (``careplan:watch``) of a midwife who coordinates 300 open records born in the last 14
  days, with gaps on every list (``bench/watch.py``), built in a transaction that is rolled
  back. Median of ``REPEAT`` requests after 3 warm-ups (target ≤ 100 ms at national scale;
  when not met, the slowest statements are printed as ``#`` lines) and the page's queries,
  which must not depend on the number of records: the same page with her first 30 records
  is counted too (``# target … independent of the number of dossiers``).
* ``figures_page_ms`` and ``figures_csv_ms``: the figures for policy makers, five years side
  by side, as a page and as CSV (targets ≤ 2000 ms), and ``figures_refresh_s``, the beat job
  that counts them: see ``bench/figures.py``.
* ``ebirth_export_year_s``, ``ebirth_export_peak_mb`` (and ``_quarter``),
  ``ebirth_export_births``, ``ebirth_copy_s`` and ``ebirth_copy_ratio``: the eBirth export
  of one year of births in a worker process, against a plain COPY of the same rows: see
  ``bench/ebirth.py``. Targets ≤ 120 s and ≤ 300 MB, flat from a quarter to the year.

Targets are printed as ``# target …`` lines, never asserted. ``python -m bench.explain``
prints the plans behind these figures."""

import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench import access_log
from bench.database import scale_from_environment, use_bench_database

PERSONAS = (("", "bench-midwife"), ("gp_", "bench-gp"))
LIST_ROWS = 25
# The floor: a plain indexed membership query for the records the list shows (her current
# ones: closed records leave "Mijn dossiers", issue 16).
FLOOR_SQL = """
SELECT d.* FROM dossier_dossier d
  JOIN network_membership m ON m.dossier_id = d.id
 WHERE m.professional_id = %s AND m.ended_at IS NULL AND d.status <> 'closed'
 ORDER BY d.created_at DESC LIMIT 25"""
RESULTS = Path(__file__).resolve().parent.parent / ".data" / "bench"


def emit(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    scale = scale_from_environment("small")
    use_bench_database(scale, create=scale == "small")

    import django

    django.setup()
    from bench.generator import build, build_status

    if scale == "small":
        build("small", force=True)  # a fresh data set (and access log) every run
    else:
        status = build_status()
        if not status or status.get("state") != "complete" or status.get("scale") != scale:
            sys.exit(
                "The national data set is missing or incomplete: build it first with "
                "`make bench-data` (≈10 minutes), then run `make bench SCALE=national`."
            )
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        note(
            f"national data set built {status['built_at']} in {status['elapsed_s']:.0f} s: "
            f"{status['counts']['dossiers']:,} records, "
            f"{status['counts']['permissions']:,} permission rows"
        )
    run(scale, repeat=int(os.environ.get("REPEAT") or (60 if scale == "national" else 30)))


def login(user):
    """A test Client signed in as this user, second factor included when the app asks."""
    from django.apps import apps
    from django.test import Client

    # Not setup_test_environment(): it instruments every template render, which is not
    # server time. The Client then needs a host the settings allow.
    client = Client(SERVER_NAME="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if apps.is_installed("django_otp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def time_page(client, url: str, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(
                f"GET {url} answered {response.status_code} {response.headers.get('Location', '')}"
            )
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


SAVEPOINT = re.compile(r"^(?:RELEASE |ROLLBACK TO )?SAVEPOINT ")


def page_queries(client, url: str) -> list[str]:
    """The SQL of the statements one GET of the page runs. Savepoints are left out: they
    are the page's own transactions when it is measured inside one that is rolled back, and
    outside one their BEGIN and COMMIT are not counted either."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [query["sql"] for query in queries.captured_queries if not SAVEPOINT.match(query["sql"])]


def count_queries(client, url: str) -> int:
    return len(page_queries(client, url))


def time_sql(
    statement: str, params, repeat: int, warmup: int = 3, setting: str = ""
) -> tuple[float, int]:
    from django.db import connection

    samples, rows = [], 0
    with connection.cursor() as cursor:
        if setting:
            cursor.execute(setting)
        try:
            for index in range(warmup + repeat):
                start = time.perf_counter()
                cursor.execute(statement, params)
                rows = len(cursor.fetchall())
                if index >= warmup:
                    samples.append((time.perf_counter() - start) * 1000)
        finally:
            if setting:
                cursor.execute("RESET ALL")
    return statistics.median(samples), rows


def time_floor(professional_id: int, repeat: int) -> tuple[float, int]:
    """The floor is the indexed plan: the planner's own choice, or the index path when it
    prefers a sequential scan of every record (it does for the busiest people once their id
    is among the column's most common values, with PostgreSQL's default random_page_cost
    of 4; the app's connections use 1.1 unless PG_RANDOM_PAGE_COST says otherwise)."""
    planned = time_sql(FLOOR_SQL, [professional_id], repeat)
    indexed = time_sql(FLOOR_SQL, [professional_id], repeat, setting="SET enable_seqscan = off")
    if indexed[0] < planned[0] * 0.8:
        note(
            f"floor: the planner's own plan takes {planned[0]:.2f} ms, the index path "
            f"{indexed[0]:.2f} ms (used)"
        )
        return indexed
    return planned


def run(scale: str, repeat: int) -> None:
    from django.contrib.auth.models import User
    from django.urls import reverse

    from dossier import selectors, views
    from network import access

    dashboard = reverse("dossier:dashboard")
    results = {"scale": scale}
    shipped_page_size = views.PAGE_SIZE
    for prefix, username in PERSONAS:
        user = User.objects.select_related("professional").get(username=username)
        visible = access.visible_dossiers(user).count()
        note(
            f"{username}: {visible:,} records visible; page of {LIST_ROWS} rows, {repeat} requests"
        )
        client = login(user)
        views.PAGE_SIZE = LIST_ROWS
        try:
            samples = time_page(client, dashboard, repeat)
            queries = count_queries(client, dashboard)
        finally:
            views.PAGE_SIZE = shipped_page_size
        page = statistics.median(samples)
        emit(f"my_dossiers_{prefix}median_ms", page, "ms")
        emit(f"my_dossiers_{prefix}p95_ms", p95(samples), "ms")
        emit(f"my_dossiers_{prefix}queries", queries, "queries")
        emit(f"my_dossiers_{prefix}visible", visible, "dossiers")

        # what the page runs for its rows: the ids of the page, then those rows whole
        listing = selectors.dossier_list(user)
        page_ids = listing.values_list("pk", flat=True)[:LIST_ROWS]
        ids_ms, list_rows = time_sql(*page_ids.query.sql_with_params(), repeat)
        rows = selectors.list_rows_query(user.pk, list(page_ids))
        rows_ms, _rows = time_sql(*rows.query.sql_with_params(), repeat)
        list_ms = ids_ms + rows_ms
        floor_ms, floor_rows = time_floor(user.professional.pk, repeat)
        start = time.perf_counter()
        for _ in range(repeat):
            selectors.list_rows(user, list(listing.values_list("pk", flat=True)[:LIST_ROWS]))
        orm_ms = (time.perf_counter() - start) * 1000 / repeat
        emit(f"my_dossiers_{prefix}list_query_median_ms", list_ms, "ms")
        emit(f"my_dossiers_{prefix}list_orm_mean_ms", orm_ms, "ms")
        emit(f"my_dossiers_{prefix}floor_query_median_ms", floor_ms, "ms")
        emit(f"my_dossiers_{prefix}floor_ratio", list_ms / floor_ms, "x")
        emit(f"my_dossiers_{prefix}page_floor_ratio", page / floor_ms, "x")
        if list_rows != floor_rows:
            note(f"the list query returned {list_rows} rows, the floor {floor_rows}")
        met = "met" if list_ms / floor_ms <= 1.5 else "NOT met"
        note(f"target my_dossiers_{prefix}floor_ratio ≤ 1.50: {list_ms / floor_ms:.2f} ({met})")
        results[f"{prefix}queries"] = queries

        if not prefix:  # the figures bench/__main__.py has always printed, for the midwife
            samples = time_page(client, dashboard, repeat)
            emit("dashboard_median_ms", statistics.median(samples), "ms")
            emit("dashboard_queries", count_queries(client, dashboard), "queries")
            search = dashboard + "?q=Peeters&status=postnatal"
            emit(
                "dashboard_search_median_ms",
                statistics.median(time_page(client, search, repeat)),
                "ms",
            )
            sample = access.visible_dossiers(user).filter(delivery__isnull=False).first()
            detail = reverse("dossier:detail", args=[sample.public_id])
            emit(
                "dossier_detail_median_ms",
                statistics.median(time_page(client, detail, repeat)),
                "ms",
            )
            emit("dossier_detail_queries", count_queries(client, detail), "queries")
            views.PAGE_SIZE = LIST_ROWS
            try:
                access_log.rows_per_page(
                    client, dashboard, min(visible, LIST_ROWS), "my_dossiers", emit, note
                )
            finally:
                views.PAGE_SIZE = shipped_page_size
    overview(repeat)
    care_plan(repeat)
    outbox_figures(repeat)
    alert_figures(repeat)
    growth_figures(repeat)
    coordinator_dashboard(repeat)
    today_figures(repeat)
    figures_page()
    ebirth_export(scale)
    access_log.appends_per_second(emit, note)
    access_log.bytes_per_event(emit)
    _compare_scales(results)


OVERVIEW_SIZES = (1, 30)
OVERVIEW_TARGET_MS = 50.0


def overview(repeat: int) -> None:
    """The overview of a record with a full postnatal follow-up (``bench/overview.py``), with
    1 and with 30 entries of each kind; each record built and measured in a transaction that
    is rolled back."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.urls import reverse

    from bench.overview import build_overview_dossier

    midwife = User.objects.select_related("professional").get(username=PERSONAS[0][1])
    statements = {}
    for size in OVERVIEW_SIZES:
        with transaction.atomic():
            dossier = build_overview_dossier(midwife, size)
            client = login(midwife)
            url = reverse("dossier:detail", args=[dossier.public_id])
            time_page(client, url, repeat=0)  # warm-up, and stops unless it answers 200
            statements[size] = page_queries(client, url)
            if size == OVERVIEW_SIZES[-1]:
                samples = time_page(client, url, repeat)
                access_log.rows_per_page(client, url, 1, "overview", emit, note)
            transaction.set_rollback(True)
    few, many = (statements[size] for size in OVERVIEW_SIZES)
    for size in OVERVIEW_SIZES:
        emit(f"dossier_overview_queries_{size}", len(statements[size]), "queries")
    median = statistics.median(samples)
    emit("dossier_overview_median_ms", median, "ms")
    note(f"overview: {repeat} requests of the {OVERVIEW_SIZES[-1]}-entry record")
    same = "met" if len(few) == len(many) else "NOT met"
    note(
        f"target dossier_overview_queries_1 == dossier_overview_queries_30: {len(few)} vs "
        f"{len(many)} ({same})"
    )
    _query_difference(few, many)
    met = "met" if median <= OVERVIEW_TARGET_MS else "NOT met"
    note(
        f"target dossier_overview_median_ms ≤ {OVERVIEW_TARGET_MS:.0f} (national scale): "
        f"{median:.2f} ({met})"
    )


def care_plan(repeat: int) -> None:
    """Saving a care-plan version and printing the plan (``bench/careplan.py``), on a record
    built and measured in a transaction that is rolled back."""
    from bench.careplan import care_plan as measure

    measure(repeat, emit, note)


def outbox_figures(repeat: int) -> None:
    """The outbox's sweep to a local SMTP sink, and a plan's save with the broker down
    against up (``bench/outbox.py``)."""
    from bench.outbox import broker_down, sweep

    sweep(emit, note)
    broker_down(repeat, emit, note)


def alert_figures(repeat: int) -> None:
    """What rule evaluation adds to a home visit's save (``bench/alerts.py``), on a record
    built and measured in a transaction that is rolled back."""
    from bench.alerts import measure

    measure(repeat, emit, note)


def growth_figures(repeat: int) -> None:
    """A newborn's weight page with 20 weighings and the WHO percentiles (``bench/growth.py``),
    on a record built and measured in a transaction that is rolled back."""
    from bench.growth import measure

    measure(repeat, emit, note)


def today_figures(repeat: int) -> None:
    """The professional's day list ("Vandaag", ``careplan:today``): see ``bench/today.py``."""
    from bench.today import measure

    measure(repeat, emit, note)


WATCH_SIZES = (30, 300)
WATCH_TARGET_MS = 100.0
SLOWEST = 5


def coordinator_dashboard(repeat: int) -> None:
    """The coordinator's watch list (``careplan:watch``) of a midwife who coordinates 30,
    then 300 records in their first postnatal weeks (``bench/watch.py``): all built and
    measured in one transaction that is rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from bench.watch import add_records, build_coordinator
    from careplan.watch import watch_list
    from dossier.selectors import missing_screenings

    url = reverse("careplan:watch")
    statements, shown = {}, {}
    with transaction.atomic():
        coordinator = build_coordinator()
        client = login(coordinator)
        now, built, start = timezone.now(), 0, time.perf_counter()
        for size in WATCH_SIZES:
            add_records(coordinator, built, size, now)
            built = size
            time_page(client, url, repeat=0)  # warm-up, and stops unless it answers 200
            statements[size] = page_queries(client, url)
            lists = watch_list(coordinator)
            shown[size] = {key: value.total for key, value in lists.items() if key != "reads"}
            shown[size]["screenings"] = len(missing_screenings(coordinator))
        build_s = time.perf_counter() - start
        samples = time_page(client, url, repeat)
        runs = []
        for _ in range(5):  # the statements' times, median of 5 renders
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            runs.append(
                [
                    (float(q["time"]) * 1000, q["sql"])
                    for q in captured.captured_queries
                    if not SAVEPOINT.match(q["sql"])
                ]
            )
        transaction.set_rollback(True)
    few, many = (statements[size] for size in WATCH_SIZES)
    median = statistics.median(samples)
    emit("coordinator_dashboard_median_ms", median, "ms")
    emit("coordinator_dashboard_queries", len(many), "queries")
    note(
        f"coordinator dashboard: {repeat} requests of the watch list of a midwife coordinating "
        f"{WATCH_SIZES[-1]} open records (built in {build_s:.0f} s); rows per list: "
        + ", ".join(f"{key} {n}" for key, n in shown[WATCH_SIZES[-1]].items())
        + f" (with {WATCH_SIZES[0]} records: "
        + ", ".join(str(n) for n in shown[WATCH_SIZES[0]].values())
        + ")"
    )
    same = "met" if len(few) == len(many) else "NOT met"
    note(
        f"target coordinator_dashboard_queries independent of the number of dossiers: "
        f"{len(few)} vs {len(many)} ({same})"
    )
    _query_difference(few, many, what="watch list", sizes=("30 records", "300 records"))
    met = "met" if median <= WATCH_TARGET_MS else "NOT met"
    note(
        f"target coordinator_dashboard_median_ms ≤ {WATCH_TARGET_MS:.0f} (national scale): "
        f"{median:.2f} ({met})"
    )
    if median > WATCH_TARGET_MS:
        alike = [run for run in runs if len(run) == len(runs[0])]
        timed = [
            (statistics.median(run[i][0] for run in alike), sql)
            for i, (_ms, sql) in enumerate(runs[0])
        ]
        note(
            f"the page's queries take {sum(ms for ms, _sql in timed):.1f} ms of "
            f"{median:.1f}; the slowest:"
        )
        for ms, sql in sorted(timed, key=lambda row: -row[0])[:SLOWEST]:
            note(f"  {ms:7.2f} ms  {_shape(sql)}")


def _shape(statement: str) -> str:
    """A statement without its values (numbers, strings, lists of them), shortened."""
    shape = re.sub(r"'(?:[^']|'')*'", "?", statement)
    shape = re.sub(r"\b\d+(?:\.\d+)?\b", "?", shape)
    shape = re.sub(r"\((?:\?, )+\?\)", "(?…)", shape)
    return shape if len(shape) <= 240 else shape[:160] + " … " + shape[-70:]


def _query_difference(
    few: list[str],
    many: list[str],
    what: str = "overview",
    sizes: tuple[str, str] = ("1 entry", "30 entries"),
) -> None:
    """Print the statements one run has and the other has not (by shape), if any."""
    import difflib

    a, b = [_shape(q) for q in few], [_shape(q) for q in many]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for statement in a[i1:i2]:
            note(f"{what} query only with {sizes[0]}: {statement}")
        for statement in b[j1:j2]:
            note(f"{what} query only with {sizes[1]}: {statement}")


def _compare_scales(results: dict) -> None:
    """Keep this scale's query counts; compare with the other scale's last run."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"last-{results['scale']}.json").write_text(json.dumps(results, indent=1))
    other = "national" if results["scale"] == "small" else "small"
    path = RESULTS / f"last-{other}.json"
    if not path.exists():
        note(f"target: page queries equal at both scales (run SCALE={other} to compare)")
        return
    theirs = json.loads(path.read_text())
    for prefix, username in PERSONAS:
        mine, their = results[f"{prefix}queries"], theirs.get(f"{prefix}queries")
        verdict = "met" if mine == their else "NOT met"
        note(
            f"target my_dossiers_{prefix}queries equal at both scales ({username}): "
            f"{results['scale']} {mine}, {other} {their} ({verdict})"
        )


def figures_page(repeat: int = 5) -> None:
    """``figures_page_ms``, ``figures_csv_ms`` and ``figures_refresh_s``: the figures for
    policy makers, five years side by side (``bench/figures.py``)."""
    from bench.figures import measure

    measure(repeat, emit, note)


def ebirth_export(scale: str) -> None:
    """The eBirth export of the latest full year of births, run in a worker process, and
    its floor (``bench/ebirth.py``); the export tables are left empty, as found."""
    from bench.ebirth import measure

    measure(scale, emit, note)


if __name__ == "__main__":
    main()
