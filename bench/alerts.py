"""The clinical alerts' figures (``make bench``), on a record built in the bench data set and
rolled back, so the data set and its append-only access log stay as they were:

* ``alert_eval_median_ms``: what rule evaluation adds to the save of a home visit —
  ``dossier.alerts.evaluate(visit, actor, new=True)`` on a home visit just saved (each repetition a
  fresh one, so the alerts are really created) whose findings fire four rules: blood
  pressure 170/115 (urgent), 39.2 °C and foul-smelling lochia (today), EPDS 22 (soon). The
  GP records it, so what the alerts' signal does is in the time too: the inbox notices of
  everyone who may read the postnatal section (coordinator, GP excepted, the mother with her
  own account); the urgent one's e-mail and SMS to the coordinator are written by a task
  after the commit (``network.alerting.tell_coordinator``), off the save's path, so not in
  the time. Median of ``REPEAT``
  evaluations after 3 warm-ups. Target ≤ 5 ms. ``alert_eval_queries``: the statements of
  one such evaluation (the alerts' insert; the readers' notices as one INSERT … SELECT in
  ``network.services.notify_section_readers``, so the readers are not fetched first).
* ``home_visit_save_median_ms``: the whole ``dossier.services.home_visit_record`` of such a
  visit (lock, access rule, validation, history, access log, alerts), for context, and
  ``home_visit_save_plain_median_ms``: the same save of a visit with normal findings (no
  rule fires); their difference should be about ``alert_eval_median_ms``.

The record: opened by ``bench-midwife`` (its coordinator) for a mother with her own login,
delivered 5 days ago, one newborn at home, ``bench-gp`` a member of the network."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.overview import _valid
from dossier import alerts
from dossier import services as dossier_services
from dossier.history import attribute
from dossier.models import (
    Alert,
    Delivery,
    DeliveryMode,
    Dossier,
    DossierStatus,
    Feeding,
    HomeVisit,
    Language,
    Mother,
    Newborn,
    NewbornStatus,
    PlaceOfBirth,
)
from network.models import Notification, OutboxMessage
from network.services import membership_add

WARMUP = 3
TARGET_MS = 5.0
FINDINGS = {
    "bp_systolic": 170,
    "bp_diastolic": 115,
    "temperature_c": Decimal("39.2"),
    "epds_score": 22,
    "lochia": "foul",
}
NORMAL = {
    "bp_systolic": 118,
    "bp_diastolic": 74,
    "temperature_c": Decimal("36.8"),
    "epds_score": 6,
    "lochia": "normal",
}
MOTHER_USERNAME = "bench-alerts-mother"


def _build(midwife: User, gp: User) -> Dossier:
    """The record described above; inside the transaction that is rolled back."""
    assert transaction.get_connection().in_atomic_block, "build inside transaction.atomic()"
    now = timezone.now().replace(microsecond=0)
    born_at = now - dt.timedelta(days=5)
    account = User.objects.create_user(MOTHER_USERNAME, first_name="Bench", last_name="Alarm")
    mother = Mother(
        given_name="Bench",
        family_name="Alarm",
        date_of_birth=dt.date(1992, 2, 9),
        postcode="3000",
        municipality="Leuven",
        street_address="Naamsestraat 5",
        preferred_language=Language.DUTCH,
        user=account,
    )
    dossier = dossier_services.dossier_open(
        actor=midwife,
        mother=mother,
        dossier=Dossier(
            last_menstrual_period=born_at.date() - dt.timedelta(days=280), gravidity=1, parity=0
        ),
    )
    dossier_services.delivery_record(
        actor=midwife,
        delivery=Delivery(
            dossier=dossier,
            born_at=born_at,
            place=PlaceOfBirth.HOSPITAL,
            maternity_ward="UZ Leuven – materniteit",
            gestational_weeks=40,
            gestational_days=1,
            mode=DeliveryMode.SPONTANEOUS,
            blood_loss_ml=400,
            admitted_at=born_at - dt.timedelta(hours=7),
            discharged_at=born_at + dt.timedelta(hours=72),
        ),
    )
    dossier_services.newborn_record(
        actor=midwife,
        newborn=Newborn(
            dossier=dossier,
            birth_order=1,
            given_name="Mila",
            family_name="Alarm",
            sex="F",
            birth_weight_g=3350,
            length_cm=Decimal("50.0"),
            head_circumference_cm=Decimal("34.0"),
            apgar_1=9,
            apgar_5=10,
            feeding=Feeding.BREAST,
            status=NewbornStatus.AT_HOME,
        ),
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.POSTNATAL)
    membership_add(actor=midwife, dossier=dossier, professional=gp.professional)
    # the coordinator is reachable, so the urgent alert writes her e-mail and SMS
    midwife.email = midwife.email or f"{midwife.username}@localhost"
    midwife.save(update_fields=["email"])
    midwife.professional.phone = midwife.professional.phone or "0470 00 00 01"
    midwife.professional.save(update_fields=["phone"])
    return Dossier.objects.select_related("mother", "delivery").get(pk=dossier.pk)


def _visit(dossier: Dossier, run: int, findings: dict) -> HomeVisit:
    return HomeVisit(
        dossier=dossier,
        visited_at=timezone.now() - dt.timedelta(hours=2, minutes=run),
        advice="Controle morgen.",
        **findings,
    )


def _evaluations(repeat: int, gp: User, dossier: Dossier) -> tuple[list[float], int, int]:
    """``evaluate`` timed on fresh saved visits; returns the times, the alerts of one and
    the statements of one (counted on one more visit, outside the timed runs)."""
    attribute(gp)  # the history trigger's actor, as _save_entry sets it
    visits = HomeVisit.objects.bulk_create(
        _valid([_visit(dossier, run, FINDINGS) for run in range(WARMUP + repeat + 1)])
    )
    for visit in visits:
        visit.dossier = dossier  # as the service has it: the record it locked
    samples, raised = [], 0
    with CaptureQueriesContext(connection) as counted:
        alerts.evaluate(visits.pop(), gp, new=True)
    for run, visit in enumerate(visits):
        start = time.perf_counter()
        raised = len(alerts.evaluate(visit, gp, new=True))  # as the service for a new entry
        if run >= WARMUP:
            samples.append((time.perf_counter() - start) * 1000)
    return samples, raised, len(counted.captured_queries)


def _saves(repeat: int, gp: User, dossier: Dossier, findings: dict, offset: int) -> list[float]:
    samples = []
    for run in range(WARMUP + repeat):
        visit = _visit(dossier, offset + run, findings)
        start = time.perf_counter()
        dossier_services.home_visit_record(actor=gp, visit=visit, babies=[])
        if run >= WARMUP:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(repeat: int, emit, note) -> None:
    """Measure and print the figures (``emit``/``note``: bench/__main__.py's)."""
    midwife = User.objects.select_related("professional").get(username="bench-midwife")
    gp = User.objects.select_related("professional").get(username="bench-gp")
    with transaction.atomic():
        dossier = _build(midwife, gp)
        notices, messages = Notification.objects.count(), OutboxMessage.objects.count()
        evaluations, raised, statements = _evaluations(repeat, gp, dossier)
        per_visit = (
            (Notification.objects.count() - notices) / (WARMUP + repeat + 1),
            (OutboxMessage.objects.count() - messages) / (WARMUP + repeat + 1),
        )
        alerted = _saves(repeat, gp, dossier, FINDINGS, offset=100)
        plain = _saves(repeat, gp, dossier, NORMAL, offset=200)
        made = Alert.objects.filter(dossier=dossier).count()
        transaction.set_rollback(True)
    eval_ms = statistics.median(evaluations)
    emit("alert_eval_median_ms", eval_ms, "ms")
    emit("alert_eval_queries", statements, "queries")
    emit("home_visit_save_median_ms", statistics.median(alerted), "ms")
    emit("home_visit_save_plain_median_ms", statistics.median(plain), "ms")
    note(
        f"alerts: {repeat} evaluations of a fresh home visit raising {raised} alerts each "
        f"({per_visit[0]:.0f} inbox notices and {per_visit[1]:.0f} outbox messages per "
        f"visit); {made} alerts made in all, rolled back"
    )
    met = "met" if eval_ms <= TARGET_MS else "NOT met"
    note(f"target alert_eval_median_ms ≤ {TARGET_MS:.0f}: {eval_ms:.2f} ({met})")
