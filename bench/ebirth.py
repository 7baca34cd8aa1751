"""The eBirth export's figures (``make bench``): one calendar year of births exported as the
job does it (``ebirth.export.run`` of a new batch: claim every birth, each message built and
validated against the schema, then the XML, the two CSV files and the FHIR NDJSON written),
from an empty export state, in a worker process of its own (``python -m bench.ebirth``), so
that its peak memory is the export's and nothing else's:

* ``ebirth_export_year_s``: the wall time of that run for the latest calendar year the data
  set holds entirely (≈110,000 births nationally). Target ≤ 120 s at national scale.
* ``ebirth_export_peak_mb``: the worker's peak resident memory (Django, the schema and the
  export: the high-water mark of its resident set, ``VmHWM`` — ``ru_maxrss`` would also
  count the bench's own, inherited by a child through fork and exec). Target ≤ 300 MB, and
  flat: ``ebirth_export_peak_mb_quarter`` is the same for the year's first quarter, a
  quarter of the births (target: the year within 10 % of the quarter).
* ``ebirth_export_births``: the year's births the export checked (complete ones get two
  messages; the generator leaves ≈1 % incomplete, which are held back).
* ``ebirth_copy_s`` and ``ebirth_copy_ratio``: the floor, a plain ``COPY (SELECT …) TO
  STDOUT`` of the same year's rows of ``ebirth.births.births()`` (same columns, same joins)
  read to the end through psycopg (median of 3), and the export's time divided by it.

The export tables (batches, messages, files) are emptied before and after (``TRUNCATE …
RESTART IDENTITY``) and the files go to a temporary folder that is removed: the data set is
left as it was."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR_TARGET_S, PEAK_TARGET_MB, FLAT_TOLERANCE = 120.0, 300.0, 0.10
COPY_REPEAT = 3
EXPORT_TABLES = "ebirth_exportfile, ebirth_exportedmessage, ebirth_exportbatch"


def _peak_mb() -> float:
    """This process's peak resident memory: the high-water mark of its resident set
    (``VmHWM``). Not ``ru_maxrss``, which Linux carries over from the parent into a child
    through fork and exec (the bench's own process holds ≈150 MB by then)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: ru_maxrss (kB on Linux, bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1 << 20 if sys.platform == "darwin" else 1 << 10)
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {EXPORT_TABLES} RESTART IDENTITY")


def _period(year: int, months: int = 12) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    end_year, end_month = (year + 1, 1) if months == 12 else (year, 1 + months)
    return (dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(end_year, end_month, 1, tzinfo=zone))


def _latest_full_year() -> int | None:
    """The latest calendar year whose births all lie within the data set's span."""
    from django.db.models import Max, Min
    from django.utils import timezone

    from dossier.models import Delivery

    span = Delivery.objects.aggregate(first=Min("born_at"), last=Max("born_at"))
    if span["first"] is None:
        return None
    first, last = (timezone.localtime(span[key]) for key in ("first", "last"))
    year = last.year - 1
    return year if year > first.year else None


def _worker(start: dt.datetime, end: dt.datetime) -> None:
    """In the worker process: export the births of [start, end) as a new batch; print the
    result as one JSON line."""
    from django.db import connection

    from ebirth import export
    from ebirth.models import ExportFile

    connection.ensure_connection()
    baseline = _peak_mb()
    began, cpu = time.perf_counter(), time.process_time()
    batch = export.run(export.new_batch(), born=(start, end))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    files = list(ExportFile.objects.filter(batch=batch)) if batch else []
    print(
        "RESULT "
        + json.dumps(
            {
                "seconds": seconds,
                "cpu_s": cpu,
                "peak_mb": _peak_mb(),
                "baseline_mb": baseline,
                "births": batch.births_checked if batch else 0,
                "held_back": batch.births_held_back if batch else 0,
                "messages": batch.messages_written if batch else 0,
                "status": batch.status if batch else "none",
                "files": {file.format: file.size for file in files},
            }
        ),
        flush=True,
    )


def _export_in_worker(scale: str, period: tuple[dt.datetime, dt.datetime], folder: str) -> dict:
    env = dict(os.environ, EBIRTH_EXPORT_DIR=folder, SCALE=scale)
    done = subprocess.run(
        [sys.executable, "-m", "bench.ebirth", scale, *(when.isoformat() for when in period)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"the eBirth export worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def _copy_seconds(period: tuple[dt.datetime, dt.datetime]) -> tuple[float, int, int]:
    """The floor: COPY of the same rows and columns as ``births()`` for the period, read to
    the end through psycopg (median of ``COPY_REPEAT``); with the rows and bytes read."""
    from django.db import connection

    from dossier.models import Newborn
    from ebirth.births import births

    newborns = Newborn.objects.filter(
        dossier__delivery__born_at__gte=period[0], dossier__delivery__born_at__lt=period[1]
    )
    query, params = births(newborns).query.sql_with_params()
    connection.ensure_connection()
    samples, rows, size = [], 0, 0
    with connection.connection.cursor() as cursor:
        for _ in range(COPY_REPEAT):
            size = 0
            began = time.perf_counter()
            with cursor.copy(f"COPY ({query}) TO STDOUT", params) as copy:
                for block in copy:
                    size += len(block)
            samples.append(time.perf_counter() - began)
            rows = cursor.rowcount
    return statistics.median(samples), rows, size


def measure(scale: str, emit, note) -> None:
    year = _latest_full_year()
    if year is None:
        note("ebirth export: the data set holds no full calendar year of births")
        return
    periods = {"quarter": _period(year, 3), "year": _period(year)}
    results = {}
    folder = tempfile.mkdtemp(prefix="ebirth-bench-")
    _reset()
    try:
        for name, period in periods.items():
            results[name] = _export_in_worker(scale, period, folder)
            _reset()
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
    finally:
        _reset()
        shutil.rmtree(folder, ignore_errors=True)
    copy_s, copy_rows, copy_bytes = _copy_seconds(periods["year"])

    whole, quarter = results["year"], results["quarter"]
    emit("ebirth_export_year_s", whole["seconds"], "s")
    emit("ebirth_export_peak_mb", whole["peak_mb"], "MB")
    emit("ebirth_export_peak_mb_quarter", quarter["peak_mb"], "MB")
    emit("ebirth_export_births", whole["births"], "births")
    emit("ebirth_copy_s", copy_s, "s")
    emit("ebirth_copy_ratio", whole["seconds"] / copy_s, "x")
    megabytes = sum(whole["files"].values()) / 1e6
    note(
        f"ebirth export of {year}: {whole['births']:,} births, {whole['held_back']:,} held "
        f"back (incomplete), {whole['messages']:,} messages, batch {whole['status']}, "
        f"{len(whole['files'])} files of {megabytes:,.0f} MB, in {whole['seconds']:.1f} s "
        f"({whole['cpu_s']:.1f} s of the worker's CPU, both its threads); the worker used "
        f"{whole['baseline_mb']:.0f} MB before the export. First quarter: "
        f"{quarter['births']:,} births in {quarter['seconds']:.1f} s. COPY floor: "
        f"{copy_rows:,} rows, {copy_bytes / 1e6:,.0f} MB"
    )
    if copy_rows != whole["births"]:
        note(f"the COPY read {copy_rows:,} rows, the export checked {whole['births']:,} births")
    met = "met" if whole["seconds"] <= YEAR_TARGET_S else "NOT met"
    note(
        f"target ebirth_export_year_s ≤ {YEAR_TARGET_S:.0f} (national scale): "
        f"{whole['seconds']:.1f} ({met})"
    )
    met = "met" if whole["peak_mb"] <= PEAK_TARGET_MB else "NOT met"
    note(f"target ebirth_export_peak_mb ≤ {PEAK_TARGET_MB:.0f}: {whole['peak_mb']:.0f} ({met})")
    flat = whole["peak_mb"] <= quarter["peak_mb"] * (1 + FLAT_TOLERANCE)
    note(
        f"target ebirth_export_peak_mb flat (year within {FLAT_TOLERANCE:.0%} of the "
        f"quarter's {quarter['peak_mb']:.0f}): {whole['peak_mb']:.0f} "
        f"({'met' if flat else 'NOT met'})"
    )


def main() -> None:
    """``python -m bench.ebirth SCALE START END``: the worker (see ``measure``)."""
    from bench.database import use_bench_database

    scale, start, end = sys.argv[1], *map(dt.datetime.fromisoformat, sys.argv[2:4])
    use_bench_database(scale, create=False)

    import django

    django.setup()
    _worker(start, end)


if __name__ == "__main__":
    main()
