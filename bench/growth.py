"""The growth chart's figures (issue 18), on a record built in the bench data set and rolled
back, so the data set and its append-only access log stay as they were:

* ``growth_chart_median_ms``: the weight page of a newborn with 20 weighings over her first
  six weeks (``dossier:weight``: the weight curve with the WHO percentile lines P3–P97, each
  weighing's percentile, the birth-weight status, and the length and head-circumference
  curves of the 5 weighings that measured them), seen by the coordinating midwife: the wall
  time of the Django test Client's GET (middleware, boundary, queries, the charts, the
  rendering, the access log). Median of ``REPEAT`` requests after 3 warm-ups. Target
  ≤ 50 ms.
* ``growth_chart_queries``: the statements of one such page; ``growth_chart_compute_ms``
  (a ``#`` line): ``dossier.growth.page`` alone, for context.

The record: ``bench/alerts.py``'s (opened by ``bench-midwife`` for a mother with her own
login, a girl of 3350 g), its birth moved to 41 days ago."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from dossier import growth
from dossier.history import attribute
from dossier.models import Delivery, Measurement, MeasurementSource

WEIGHINGS = 20
AGE_DAYS = 41
TARGET_MS = 50.0
TENTH = Decimal("0.1")


def _weighings(newborn, born_at) -> list[Measurement]:
    """Twenty weighings, every other day from day 2: the early loss, then a steady gain;
    every fourth one measures the length and the head too."""
    weighings = []
    for n in range(WEIGHINGS):
        day = 2 + 2 * n
        grams = newborn.birth_weight_g - 220 + 28 * max(0, day - 4)
        measured = n % 4 == 3
        weighings.append(
            Measurement(
                newborn=newborn,
                measured_at=born_at + dt.timedelta(days=day, hours=10),
                weight_g=grams,
                length_cm=Decimal(50 + day / 7).quantize(TENTH) if measured else None,
                head_circumference_cm=Decimal(34 + day / 14).quantize(TENTH) if measured else None,
                source=MeasurementSource.HOME_VISIT,
            )
        )
    return weighings


def measure(repeat: int, emit, note) -> None:
    from bench.__main__ import login, page_queries, time_page
    from bench.alerts import _build
    from bench.overview import _valid

    midwife = User.objects.select_related("professional").get(username="bench-midwife")
    gp = User.objects.select_related("professional").get(username="bench-gp")
    with transaction.atomic():
        dossier = _build(midwife, gp)
        shift = dt.timedelta(days=AGE_DAYS - 5)
        Delivery.objects.filter(dossier=dossier).update(
            born_at=F("born_at") - shift,
            admitted_at=F("admitted_at") - shift,
            discharged_at=F("discharged_at") - shift,
        )
        dossier.delivery.refresh_from_db()
        newborn = dossier.newborns.get()
        attribute(midwife)  # the history trigger's actor
        Measurement.objects.bulk_create(_valid(_weighings(newborn, dossier.delivery.born_at)))
        client = login(midwife)
        url = reverse("dossier:weight", args=[dossier.public_id, newborn.public_id])
        time_page(client, url, repeat=0)  # warm-up, and stops unless it answers 200
        statements = page_queries(client, url)
        samples = time_page(client, url, repeat)
        weighings = list(newborn.measurements.all())
        start = time.perf_counter()
        for _ in range(repeat):
            growth.page(newborn, dossier.delivery, weighings)
        compute_ms = (time.perf_counter() - start) * 1000 / max(repeat, 1)
        transaction.set_rollback(True)
    median = statistics.median(samples)
    emit("growth_chart_median_ms", median, "ms")
    emit("growth_chart_queries", len(statements), "queries")
    note(f"growth chart: {repeat} requests of a {WEIGHINGS}-weighing weight page")
    note(f"growth_chart_compute_ms (dossier.growth.page alone): {compute_ms:.2f}")
    met = "met" if median <= TARGET_MS else "NOT met"
    note(f"target growth_chart_median_ms ≤ {TARGET_MS:.0f}: {median:.2f} ({met})")
