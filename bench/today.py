"""The "Vandaag" figures (issue 14), on plans added in the bench data set and rolled back:

* ``today_list_median_ms``: the page ``careplan:today`` of ``bench-midwife`` (the busiest
  midwife: ≈2,000 records nationally) once 40 of her open records have a care plan naming
  her in an appointment that is due today or overdue (home visits due today, a first
  Kind & Gezin contact whose window ended): the wall time of the Django test Client's GET
  (middleware, the list's queries over all her records, the access log of the page's 20
  rows, rendering). Median of ``REPEAT`` requests after 3 warm-ups. Target ≤ 50 ms at
  national scale.
* ``today_list_queries``: the statements of one such page. Target: the same with 10 and
  with 40 appointments due (the differing statements are printed as ``#`` lines).

The plans are written with ``bulk_create`` on records without one (each validated by
``careplan.content.validate``'s rules through ``new_appointment``), in a transaction that is
rolled back, so the data set (and its append-only access log) is left as it was."""

from __future__ import annotations

import datetime as dt
import statistics

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from careplan import content as plan_content
from careplan.models import CarePlan, PlanVersion
from careplan.today import today_list
from dossier.models import DossierStatus
from dossier.sections import Section
from network import access

USERNAME = "bench-midwife"
SIZES = (10, 40)
TARGET_MS = 50.0


def _add_plans(midwife, count: int, today: dt.date) -> int:
    """Care plans naming her on ``count`` more of her open records without one."""
    dossiers = list(
        access.with_section_flags(
            access.visible_dossiers(midwife), midwife, sections=[Section.CAREPLAN]
        )
        .filter(can_view_careplan=True, care_plan__isnull=True)
        .exclude(status=DossierStatus.CLOSED)
        .order_by("pk")[:count]
    )
    me = str(midwife.professional.public_id)
    plans = CarePlan.objects.bulk_create(
        [CarePlan(dossier=dossier, current_number=1, acknowledged_number=1) for dossier in dossiers]
    )
    versions = []
    for number, plan in enumerate(plans):
        overdue = number % 4 == 3  # 1 in 4: the window ended with nothing recorded
        appointment = (
            plan_content.new_appointment(
                "child_health",
                today - dt.timedelta(days=6),
                today - dt.timedelta(days=2),
                member=me,
            )
            if overdue
            else plan_content.new_appointment(
                "home_visit",
                today - dt.timedelta(days=1),
                today + dt.timedelta(days=1),
                member=me,
                time=f"{8 + number % 10:02d}:00",
            )
        )
        versions.append(
            PlanVersion(
                plan=plan,
                number=1,
                author=midwife,
                changed=["appointments"],
                content={**plan_content.empty_plan(), "appointments": [appointment]},
            )
        )
    PlanVersion.objects.bulk_create(versions)
    return len(plans)


def measure(repeat: int, emit, note) -> None:
    from bench.__main__ import _query_difference, login, page_queries, time_page

    midwife = User.objects.filter(username=USERNAME).first()
    if midwife is None:
        note(f"today list: no {USERNAME} in this data set; skipped")
        return
    url = reverse("careplan:today")
    today = timezone.localdate()
    statements, due = {}, {}
    with transaction.atomic():
        client = login(midwife)
        added = 0
        for size in SIZES:
            added += _add_plans(midwife, size - added, today)
            time_page(client, url, repeat=0)  # warm-up, and stops unless it answers 200
            statements[size] = page_queries(client, url)
            due[size] = len(today_list(midwife, today))
        samples = time_page(client, url, repeat)
        transaction.set_rollback(True)
    few, many = (statements[size] for size in SIZES)
    median = statistics.median(samples)
    emit("today_list_median_ms", median, "ms")
    emit("today_list_queries", len(many), "queries")
    note(
        f"today list: {repeat} requests of {USERNAME}'s day list with {due[SIZES[-1]]} "
        f"appointments due or overdue ({due[SIZES[0]]} with the first {SIZES[0]} plans)"
    )
    same = "met" if len(few) == len(many) else "NOT met"
    note(
        f"target today_list_queries independent of the appointments due: "
        f"{len(few)} vs {len(many)} ({same})"
    )
    _query_difference(few, many, what="today list", sizes=(f"{SIZES[0]} due", f"{SIZES[1]} due"))
    met = "met" if median <= TARGET_MS else "NOT met"
    note(f"target today_list_median_ms ≤ {TARGET_MS:.0f} (national scale): {median:.2f} ({met})")
