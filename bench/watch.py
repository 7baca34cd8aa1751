"""The fixture behind the ``coordinator_dashboard_*`` figures: a midwife who coordinates many
records in their first postnatal weeks, built in whatever data set the bench database holds.

No professional of the generated data coordinates 300 open records (the busiest about 190
nationally), so ``build_coordinator()`` adds one, ``bench-coordinator`` (a midwife), and
``add_records(coordinator, start, stop, now)`` opens the records numbered ``start`` to
``stop - 1`` as her (she becomes their coordinator, as in the app) through the services
(``dossier_open``, ``delivery_record``, ``newborn_record``: access checks, permissions,
history, access log), each with one live newborn born in the last 14 days. The follow-up is
written straight with ``bulk_create`` (each object validated by ``full_clean`` first; the
database checks the constraints). What each record gets follows from its number, so the
first 30 records have the same mix as all 300:

* the births spread over the last 14 days (a golden-ratio sequence); the mother leaves the
  maternity ward after 50, 60, 72 or 96 hours;
* a home visit 18 hours after the discharge for 3 records in 4 (the 4th is on the watch
  list once her discharge is more than 24 hours ago);
* a care plan with the paediatric consultation planned on day 7–10 for 2 records in 3 (the
  3rd has no plan: on the list while the baby is 10 days old or younger); for 1 in 30 the
  mother changed the plan afterwards (a version by her own account, not yet seen);
* a weighing on day 2 for every baby older than that, and at the home visit; 1 baby in 12
  more than 10 % below the birth weight;
* the neonatal screenings whose window has opened recorded for 4 babies in 5;
* 1 family in 15 flagged vulnerable by the psychosocial anamnesis;
* open clinical alerts (R42) on 1 record in 5 (numbers 4, 9, 14, …: 6 of the first 30, 60
  of 300), two each, raised by the rules of ``dossier.alerts`` from entries written for
  them: the mother (who has her own login on these records) noted heavy blood loss an hour
  ago (urgent), and a call to the 24/7 line two hours ago ended in a referral (today).
  Nobody has taken them on. The alerts are written with ``bulk_create`` (so nobody is
  notified); these entries change no other list (the vulnerable families are other
  numbers).

Call it inside ``transaction.atomic()`` and roll back: nothing of it (nor of the pages
rendered on it, whose access-log events cannot be deleted) stays in the data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from bench.overview import _valid
from careplan import content as plan_content
from careplan.models import CarePlan, PlanVersion
from dossier import alerts, services
from dossier.history import attribute
from dossier.models import (
    Alert,
    Caller,
    CallOutcome,
    CallReason,
    Delivery,
    DeliveryMode,
    Dossier,
    DossierStatus,
    Feeding,
    HomeVisit,
    Language,
    Measurement,
    MeasurementSource,
    Mother,
    Newborn,
    NewbornStatus,
    PhoneContact,
    PlaceOfBirth,
    PsychosocialAnamnesis,
    Screening,
    SelfMonitoring,
)
from dossier.screenings import SCHEDULE, ScreeningResult
from dossier.selfcare import SelfKind
from network.models import Profession, Professional

USERNAME = "bench-coordinator"
GOLDEN = 0.6180339887498949
SPAN = dt.timedelta(days=14)
STAYS = (50, 60, 72, 96)  # hours in the maternity ward
FIRST_VISIT_AFTER = dt.timedelta(hours=18)
ALERT_EVERY, ALERT_AT = 5, 4  # the records with open alerts: number % 5 == 4
TOWNS = (
    ("2000", "Antwerpen"),
    ("9000", "Gent"),
    ("3000", "Leuven"),
    ("8000", "Brugge"),
    ("2800", "Mechelen"),
    ("3500", "Hasselt"),
)


def build_coordinator() -> User:
    """A midwife with a login and no records yet; inside the rolled-back transaction."""
    assert transaction.get_connection().in_atomic_block, "build inside transaction.atomic()"
    user = User.objects.create_user(USERNAME, first_name="Bench", last_name="Coördinator")
    Professional.objects.create(user=user, profession=Profession.MIDWIFE, municipality="Antwerpen")
    return User.objects.select_related("professional").get(pk=user.pk)


def born_at(number: int, now: dt.datetime) -> dt.datetime:
    """Birth ``number``'s moment: 6 hours to 14 days ago, evenly spread whatever the count."""
    share = ((number + 1) * GOLDEN) % 1.0
    return (now - dt.timedelta(hours=6) - (SPAN - dt.timedelta(hours=7)) * share).replace(
        second=0, microsecond=0
    )


def add_records(coordinator: User, start: int, stop: int, now: dt.datetime) -> list[Dossier]:
    """Records ``start`` … ``stop - 1`` as described above, coordinated by ``coordinator``."""
    assert transaction.get_connection().in_atomic_block, "build inside transaction.atomic()"
    made = [(number, *_record(coordinator, number, now)) for number in range(start, stop)]
    dossiers = [dossier for _number, dossier, _newborn in made]
    Dossier.objects.filter(
        pk__in=[d.pk for d in dossiers], delivery__born_at__lt=now - dt.timedelta(days=3)
    ).update(status=DossierStatus.POSTNATAL)
    _follow_up(coordinator, made, now)
    return dossiers


def _record(coordinator: User, number: int, now: dt.datetime) -> tuple[Dossier, Newborn]:
    birth = born_at(number, now)
    postcode, town = TOWNS[number % len(TOWNS)]
    account = None
    # the mother who changes her care plan, and the one who notes her own blood loss, have
    # their own login
    if number % 30 == 1 or number % ALERT_EVERY == ALERT_AT:
        account = User.objects.create_user(
            f"bench-watch-mother-{number}", first_name="Moeder", last_name=f"Wacht{number}"
        )
    mother = Mother(
        given_name=("Ann", "Fatima", "Sofie", "Léa", "Emma")[number % 5],
        family_name=f"Wachtlijst{number:03d}",
        date_of_birth=dt.date(1985 + number % 15, 1 + number % 12, 1 + number % 28),
        postcode=postcode,
        municipality=town,
        street_address=f"Kerkstraat {number}",
        preferred_language=Language.DUTCH,
        user=account,
    )
    lmp = birth.date() - dt.timedelta(days=276 + number % 10)
    dossier = services.dossier_open(
        actor=coordinator,
        mother=mother,
        dossier=Dossier(
            last_menstrual_period=lmp,
            gravidity=1 + number % 3,
            parity=max(0, number % 3 - number % 2),
        ),
    )
    stay = dt.timedelta(hours=STAYS[number % len(STAYS)])
    discharged = birth + stay if birth + stay <= now - dt.timedelta(hours=1) else None
    services.delivery_record(
        actor=coordinator,
        delivery=Delivery(
            dossier=dossier,
            born_at=birth,
            place=PlaceOfBirth.HOSPITAL,
            maternity_ward="AZ Wachtlijst – materniteit",
            gestational_weeks=39,
            gestational_days=number % 7,
            mode=DeliveryMode.SPONTANEOUS,
            epidural=number % 3 == 0,
            blood_loss_ml=300 + number % 200,
            admitted_at=birth - dt.timedelta(hours=8),
            discharged_at=discharged,
        ),
    )
    newborn = services.newborn_record(
        actor=coordinator,
        newborn=Newborn(
            dossier=dossier,
            birth_order=1,
            given_name=("Lotte", "Noah", "Mila", "Adam")[number % 4],
            family_name=mother.family_name,
            sex="FM"[number % 2],
            birth_weight_g=2900 + (number * 37) % 1100,
            length_cm=Decimal("50.0"),
            head_circumference_cm=Decimal("34.5"),
            apgar_1=9,
            apgar_5=10,
            feeding=Feeding.BREAST,
            status=NewbornStatus.AT_HOME if discharged else NewbornStatus.WITH_MOTHER,
        ),
    )
    return dossier, newborn


def _follow_up(
    coordinator: User, made: list[tuple[int, Dossier, Newborn]], now: dt.datetime
) -> None:
    attribute(coordinator)  # the history trigger's actor for what follows (this transaction)
    deliveries = {
        d.dossier_id: d
        for d in Delivery.objects.filter(
            dossier__in=[dossier for _number, dossier, _newborn in made]
        )
    }
    visits, weighings, screenings, plans, anamneses = [], [], [], [], []
    for number, dossier, newborn in made:
        delivery = deliveries[dossier.pk]
        birth, discharged = delivery.born_at, delivery.discharged_at
        dossier.delivery = delivery  # what the weighings' and screenings' checks read
        visit_at = discharged + FIRST_VISIT_AFTER if discharged else None
        if visit_at and visit_at < now and number % 4:
            visits.append(
                HomeVisit(
                    dossier=dossier,
                    recorded_by=coordinator,
                    visited_at=visit_at,
                    temperature_c=Decimal("36.8"),
                    bp_systolic=118,
                    bp_diastolic=75,
                    advice="Voeden op vraag.",
                    notes="Eerste huisbezoek.",
                )
            )
        loss = Decimal("0.88") if number % 12 == 5 else Decimal("0.95")
        if birth + dt.timedelta(days=2) < now:
            weighings.append(
                Measurement(
                    newborn=newborn,
                    measured_at=birth + dt.timedelta(days=2),
                    recorded_by=coordinator,
                    source=MeasurementSource.HOSPITAL,
                    weight_g=int(newborn.birth_weight_g * Decimal("0.96")),
                )
            )
        if visit_at and visit_at < now:
            weighings.append(
                Measurement(
                    newborn=newborn,
                    measured_at=visit_at,
                    recorded_by=coordinator,
                    source=MeasurementSource.HOME_VISIT,
                    weight_g=int(newborn.birth_weight_g * loss),
                )
            )
        if number % 5:
            screenings += [
                Screening(
                    newborn=newborn,
                    kind=kind,
                    result=ScreeningResult.NORMAL,
                    done_at=birth + earliest + dt.timedelta(hours=2),
                    recorded_by=coordinator,
                )
                for kind, (earliest, _latest) in SCHEDULE.items()
                if birth + earliest + dt.timedelta(hours=2) < now
            ]
        if number % 3:
            plans.append((dossier, number, birth))
        if number % 15 == 7:
            anamneses.append(
                PsychosocialAnamnesis(
                    dossier=dossier,
                    recorded_by=coordinator,
                    interviewed_on=birth.date() - dt.timedelta(days=60),
                    social_support="limited",
                    violence="now",
                    vulnerable=True,
                )
            )  # what save() derives; bulk_create does not call it
    HomeVisit.objects.bulk_create(_valid(visits))
    Measurement.objects.bulk_create(_valid(weighings))
    Screening.objects.bulk_create(_valid(screenings))
    PsychosocialAnamnesis.objects.bulk_create(_valid(anamneses))
    _plans(coordinator, plans)
    _alerts(
        coordinator,
        [
            (number, dossier)
            for number, dossier, _newborn in made
            if number % ALERT_EVERY == ALERT_AT
        ],
        now,
    )


def _alerts(coordinator: User, alerted: list[tuple[int, Dossier]], now: dt.datetime) -> None:
    """Per record, the mother's own note of heavy blood loss and a call to the 24/7 line
    that ended in a referral, and the alerts the rules raise from them, not taken on."""
    own = SelfMonitoring.objects.bulk_create(
        _valid(
            [
                SelfMonitoring(
                    dossier=dossier,
                    recorded_by_id=dossier.mother.user_id,
                    kind=SelfKind.BLOOD_LOSS,
                    value=Decimal("3"),
                    noted_at=now - dt.timedelta(minutes=50 + number % 7),
                    note="Veel bloedverlies, grote stolsels.",
                )
                for number, dossier in alerted
            ]
        )
    )
    calls = PhoneContact.objects.bulk_create(
        _valid(
            [
                PhoneContact(
                    dossier=dossier,
                    recorded_by=coordinator,
                    started_at=now - dt.timedelta(hours=2, minutes=number % 11),
                    duration_minutes=9,
                    caller=Caller.MOTHER,
                    reason=CallReason.MOTHER_BLEEDING,
                    outcome=CallOutcome.REFERRAL,
                    notes="Doorverwezen naar de gynaecoloog van wacht.",
                )
                for number, dossier in alerted
            ]
        )
    )
    rows = [
        Alert(
            dossier=entry.dossier,
            rule=rule.code,
            severity=rule.severity,
            section=alerts.section_of(entry),
            entry_kind=type(entry).__name__,
            entry_id=entry.public_id,
            raised_by_id=entry.recorded_by_id,
        )
        for entry in [*own, *calls]
        for rule in alerts.firing(entry)
    ]
    assert len(rows) == 2 * len(alerted), "the rules no longer fire on these entries"
    Alert.objects.bulk_create(_valid(rows))


def _plans(coordinator: User, plans: list[tuple[Dossier, int, dt.datetime]]) -> None:
    """Version 1 by the coordinator: the first home visit and the paediatric consultation on
    day 7–10 planned; for 1 record in 30 a version 2 by the mother, not yet seen."""
    mother_changes = {number for _dossier, number, _birth in plans if number % 30 == 1}
    rows = CarePlan.objects.bulk_create(
        [
            CarePlan(
                dossier=dossier,
                current_number=2 if number in mother_changes else 1,
                acknowledged_number=1,
            )
            for dossier, number, _birth in plans
        ]
    )
    accounts = dict(
        Mother.objects.filter(
            Q(dossiers__in=[dossier for dossier, _number, _birth in plans]), user__isnull=False
        ).values_list("dossiers", "user")
    )
    versions = []
    for plan, (dossier, number, birth) in zip(rows, plans, strict=True):
        day = birth.date()
        content = plan_content.empty_plan()
        content["appointments"] = [
            plan_content.new_appointment(
                plan_content.AppointmentKind.FIRST_HOME_VISIT,
                day + dt.timedelta(days=2),
                day + dt.timedelta(days=4),
            ),
            plan_content.new_appointment(
                plan_content.AppointmentKind.PAEDIATRIC,
                day + dt.timedelta(days=7),
                day + dt.timedelta(days=10),
            ),
        ]
        versions.append(
            PlanVersion(
                plan=plan, number=1, author=coordinator, content=content, changed=["appointments"]
            )
        )
        if number in mother_changes:
            mine = {**content, "expected_course": "Liefst zo snel mogelijk naar huis."}
            versions.append(
                PlanVersion(
                    plan=plan,
                    number=2,
                    author_id=accounts[dossier.pk],
                    content=mine,
                    changed=["expected_course"],
                    by_mother=True,
                )
            )
    PlanVersion.objects.bulk_create(versions)
