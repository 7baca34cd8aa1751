"""The care plan's figures (``make bench``), on a record built in the bench data set and
rolled back, so the data set and its append-only access log stay as they were:

* ``plan_save_median_ms``: ``careplan.services.plan_save`` creating a new version (each
  save changes the expected course) of a plan with 8 appointments, for a record without a
  delivery (still prenatal) with a coordinating midwife and a GP; the service as the pages
  call it (the record's lock, the access rule, the check, the version, the access log, the
  messages to the network), in the enclosing transaction (its commit is not in the time).
  Median of ``REPEAT`` saves after 3 warm-ups. Target ≤ 30 ms.
* ``plan_pdf_median_ms``: ``careplan.pdf.plan_pdf`` for the coordinator (identity shown):
  the plan page's data, the template and WeasyPrint's layout of the A4 document. Median of
  ``PDF_REPEAT`` documents after 2 warm-ups (the first loads WeasyPrint and the fonts).
  Target ≤ 1000 ms."""

from __future__ import annotations

import copy
import datetime as dt
import statistics
import time

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from careplan import content as plan_content
from careplan.pdf import plan_pdf
from careplan.services import plan_save
from dossier import services as dossier_services
from dossier.models import Dossier, Language, Mother
from network.services import membership_add

SAVE_WARMUP, PDF_WARMUP, PDF_REPEAT = 3, 2, 10
APPOINTMENTS = 8
SAVE_TARGET_MS, PDF_TARGET_MS = 30.0, 1000.0


def _plan(due: dt.date, members: list[str]) -> dict:
    """A plan as a midwife and the parents make it before the birth: preferences, home help,
    the checklist half done and 8 appointments around the due date."""
    plan = plan_content.empty_plan()
    plan["preferences"].update(
        stay=plan_content.StayPreference.SHORT,
        feeding=plan_content.FeedingPreference.BREAST,
        visitors="Grootouders de eerste week, anderen na een week.",
    )
    plan["home_help"] = {"wish": plan_content.HomeHelpWish.WANTED, "estimated_hours": 36}
    plan["discharge_notify"] = members
    for key in list(plan["checklist"])[::2]:
        plan["checklist"][key] = True
    kinds = list(plan_content.AppointmentKind)
    plan["appointments"] = [
        plan_content.new_appointment(
            kinds[i % len(kinds)],
            due + dt.timedelta(days=2 + 4 * i),
            due + dt.timedelta(days=4 + 4 * i),
            member=members[i % len(members)],
            note="Telefonisch bevestigen" if i % 3 == 0 else "",
        )
        for i in range(APPOINTMENTS)
    ]
    return plan


def _build(midwife: User, gp: User) -> Dossier:
    """A prenatal record (no delivery) coordinated by ``midwife`` with ``gp`` as a member."""
    assert transaction.get_connection().in_atomic_block, "build inside transaction.atomic()"
    lmp = timezone.localdate() - dt.timedelta(weeks=30)
    mother = Mother(
        given_name="Bench",
        family_name="Zorgplan",
        date_of_birth=dt.date(1991, 9, 3),
        postcode="2000",
        municipality="Antwerpen",
        street_address="Meir 10",
        preferred_language=Language.DUTCH,
    )
    dossier = dossier_services.dossier_open(
        actor=midwife,
        mother=mother,
        dossier=Dossier(last_menstrual_period=lmp, gravidity=1, parity=0),
    )
    membership_add(actor=midwife, dossier=dossier, professional=gp.professional)
    return Dossier.objects.select_related("mother").get(pk=dossier.pk)


def care_plan(repeat: int, emit, note) -> None:
    """Measure and print the two figures (``emit``/``note``: bench/__main__.py's)."""
    midwife = User.objects.select_related("professional").get(username="bench-midwife")
    gp = User.objects.select_related("professional").get(username="bench-gp")
    with transaction.atomic():
        dossier = _build(midwife, gp)
        assert not hasattr(dossier, "delivery")
        members = [str(midwife.professional.public_id), str(gp.professional.public_id)]
        plan = _plan(dossier.expected_due_date, members)
        number, saves = 0, []
        for run in range(SAVE_WARMUP + repeat):
            mine = copy.deepcopy(plan)
            mine["expected_course"] = (
                f"Kort verblijf als alles vlot verloopt ({run + 1}); "
                "eerste huisbezoek de dag na het ontslag."
            )
            start = time.perf_counter()
            number = plan_save(
                actor=midwife, dossier=dossier, content=mine, base_number=number
            ).number
            if run >= SAVE_WARMUP:
                saves.append((time.perf_counter() - start) * 1000)
        documents, size = [], 0
        for run in range(PDF_WARMUP + PDF_REPEAT):
            start = time.perf_counter()
            size = len(plan_pdf(midwife, dossier))
            if run >= PDF_WARMUP:
                documents.append((time.perf_counter() - start) * 1000)
        transaction.set_rollback(True)
    save_ms, pdf_ms = statistics.median(saves), statistics.median(documents)
    emit("plan_save_median_ms", save_ms, "ms")
    emit("plan_pdf_median_ms", pdf_ms, "ms")
    note(
        f"care plan: {repeat} saves of a plan with {APPOINTMENTS} appointments (record "
        f"without delivery), {PDF_REPEAT} PDFs of {size:,} bytes"
    )
    met = "met" if save_ms <= SAVE_TARGET_MS else "NOT met"
    note(f"target plan_save_median_ms ≤ {SAVE_TARGET_MS:.0f}: {save_ms:.2f} ({met})")
    met = "met" if pdf_ms <= PDF_TARGET_MS else "NOT met"
    note(f"target plan_pdf_median_ms ≤ {PDF_TARGET_MS:.0f}: {pdf_ms:.2f} ({met})")
