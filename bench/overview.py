"""The fixture behind the ``dossier_overview_*`` figures: one record in its postnatal weeks
with a full follow-up, built in whatever data set the bench database holds.

``build_overview_dossier(midwife, n)`` opens a record as ``midwife`` (who becomes its
coordinator, as in the app) for a new mother with her own account, records the delivery
three weeks ago and one live newborn through the services (access checks, permissions,
history, access log), moves the record to the postnatal module, then writes ``n`` entries
of each kind straight with ``bulk_create`` (each validated by ``full_clean`` first; the
database checks the constraints): prenatal consultations and lab results before the birth,
home visits
after it with a baby check each, phone contacts, the mother's own temperatures, plus
``min(n, 20)`` weighings (made at the latest home visits, as the home-visit form does) and
``min(n, 4)`` neonatal screenings. Call it inside ``transaction.atomic()`` and roll back:
nothing of it (nor of the pages rendered on it, whose access-log events cannot be deleted)
stays in the data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier import services
from dossier.history import attribute
from dossier.labs import REFERENCE, LabResult, LabTest, Rhesus
from dossier.models import (
    BabyCheck,
    Breasts,
    Caller,
    CallOutcome,
    CallReason,
    Delivery,
    DeliveryMode,
    Dossier,
    DossierStatus,
    Feeding,
    HomeVisit,
    Involution,
    Jaundice,
    Language,
    Lochia,
    Measurement,
    MeasurementSource,
    Mother,
    Newborn,
    NewbornStatus,
    PhoneContact,
    PlaceOfBirth,
    PrenatalConsultation,
    PrenatalLab,
    Screening,
    SelfMonitoring,
    Stools,
    Wound,
)
from dossier.screenings import SCHEDULE, ScreeningResult
from dossier.selfcare import SelfKind

MOTHER_USERNAME = "bench-overview-mother"
WEIGHINGS = 20  # of the 30 home visits, the latest 20 weighed the baby
SCREENINGS = len(SCHEDULE)  # one of each kind
BIRTH_WEIGHT = 3400


def _spread(start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
    """``n`` moments from ``start`` to ``end``, evenly spaced, oldest first."""
    if n == 1:
        return [end]
    step = (end - start) / (n - 1)
    return [start + step * i for i in range(n)]


def _valid(objects: list) -> list:
    for obj in objects:  # the models' own rules; the database checks the constraints
        obj.full_clean(validate_unique=False, validate_constraints=False)
    return objects


def build_overview_dossier(midwife: User, n: int) -> Dossier:
    """The record described above; must run inside a transaction that is rolled back."""
    assert transaction.get_connection().in_atomic_block, "build inside transaction.atomic()"
    now = timezone.now().replace(microsecond=0)
    born_at = timezone.localtime(now - dt.timedelta(days=21)).replace(hour=10, minute=12, second=0)
    born_day = born_at.date()
    lmp = born_day - dt.timedelta(days=279)

    account = User.objects.create_user(MOTHER_USERNAME, first_name="Bench", last_name="Overzicht")
    mother = Mother(
        given_name="Bench",
        family_name="Overzicht",
        date_of_birth=dt.date(1993, 5, 14),
        postcode="9000",
        municipality="Gent",
        street_address="Kerkstraat 1",
        preferred_language=Language.DUTCH,
        user=account,
    )
    dossier = services.dossier_open(
        actor=midwife,
        mother=mother,
        dossier=Dossier(last_menstrual_period=lmp, gravidity=2, parity=1),
    )
    services.delivery_record(
        actor=midwife,
        delivery=Delivery(
            dossier=dossier,
            born_at=born_at,
            place=PlaceOfBirth.HOSPITAL,
            maternity_ward="AZ Gent – materniteit",
            gestational_weeks=39,
            gestational_days=6,
            mode=DeliveryMode.SPONTANEOUS,
            epidural=True,
            blood_loss_ml=350,
            admitted_at=born_at - dt.timedelta(hours=9),
            discharged_at=born_at + dt.timedelta(hours=60),
        ),
    )
    newborn = services.newborn_record(
        actor=midwife,
        newborn=Newborn(
            dossier=dossier,
            birth_order=1,
            given_name="Lotte",
            family_name="Overzicht",
            sex="F",
            birth_weight_g=BIRTH_WEIGHT,
            length_cm=Decimal("50.5"),
            head_circumference_cm=Decimal("34.5"),
            apgar_1=9,
            apgar_5=10,
            feeding=Feeding.BREAST,
            status=NewbornStatus.AT_HOME,
        ),
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.POSTNATAL)
    dossier = Dossier.objects.select_related("mother", "delivery").get(pk=dossier.pk)
    newborn.dossier = dossier

    attribute(midwife)  # the history trigger's actor for what follows (this transaction)
    first_week = lmp + dt.timedelta(weeks=8)
    consultations = _valid(
        [
            PrenatalConsultation(
                dossier=dossier,
                recorded_by=midwife,
                consulted_on=day.date(),
                weight_kg=Decimal("68.0") + Decimal(i) / 5,
                bp_systolic=118,
                bp_diastolic=74,
                fundal_height_cm=Decimal("30.0"),
                fetal_heart_rate=140,
                notes="Goed verloop.",
            )
            for i, day in enumerate(
                _spread(
                    dt.datetime.combine(first_week, dt.time()),
                    dt.datetime.combine(born_day - dt.timedelta(days=1), dt.time()),
                    n,
                )
            )
        ]
    )
    PrenatalConsultation.objects.bulk_create(consultations)
    results = [  # normal results, the tests in turn (the carried-forward ones among them)
        (LabTest.BLOOD_GROUP, {"abo": "O", "rhesus": Rhesus.POSITIVE}),
        (LabTest.HBSAG, {"result": LabResult.NEGATIVE}),
        (LabTest.HAEMOGLOBIN, {"value": Decimal("12.4")}),
        (LabTest.GBS, {"result": LabResult.NEGATIVE}),
    ]
    lab_results = _valid(
        [
            PrenatalLab(
                dossier=dossier,
                recorded_by=midwife,
                taken_on=day.date(),
                test=results[i % len(results)][0],
                unit=REFERENCE[results[i % len(results)][0]].unit,
                laboratory="AZ Gent – labo",
                **results[i % len(results)][1],
            )
            for i, day in enumerate(
                _spread(
                    dt.datetime.combine(first_week, dt.time()),
                    dt.datetime.combine(born_day - dt.timedelta(days=1), dt.time()),
                    n,
                )
            )
        ]
    )
    PrenatalLab.objects.bulk_create(lab_results)

    visits = _valid(
        [
            HomeVisit(
                dossier=dossier,
                recorded_by=midwife,
                visited_at=at,
                temperature_c=Decimal("36.9"),
                bp_systolic=121,
                bp_diastolic=76,
                involution=Involution.NORMAL,
                lochia=Lochia.NORMAL,
                wound=Wound.HEALING,
                breasts=Breasts.NORMAL,
                epds_score=5,
                advice="Voeden op vraag; rust nemen.",
                notes="Moeder en baby stellen het goed.",
            )
            for at in _spread(born_at + dt.timedelta(days=3), now - dt.timedelta(hours=2), n)
        ]
    )
    HomeVisit.objects.bulk_create(visits)
    weighed = visits[-min(n, WEIGHINGS) :]
    weighings = _valid(
        [
            Measurement(
                newborn=newborn,
                measured_at=visit.visited_at,
                recorded_by=midwife,
                source=MeasurementSource.HOME_VISIT,
                weight_g=BIRTH_WEIGHT - 150 + 12 * i,
            )
            for i, visit in enumerate(weighed)
        ]
    )
    Measurement.objects.bulk_create(weighings)
    weighing_of = {visit.pk: weighing for visit, weighing in zip(weighed, weighings, strict=True)}
    BabyCheck.objects.bulk_create(
        _valid(
            [
                BabyCheck(
                    dossier=dossier,
                    recorded_by=midwife,
                    home_visit=visit,
                    newborn=newborn,
                    measurement=weighing_of.get(visit.pk),
                    jaundice=Jaundice.NONE,
                    feeding=Feeding.BREAST,
                    stools=Stools.NORMAL,
                )
                for visit in visits
            ]
        )
    )

    Screening.objects.bulk_create(
        _valid(
            [
                Screening(
                    newborn=newborn,
                    kind=kind,
                    done_at=born_at + earliest + dt.timedelta(hours=2),
                    result=ScreeningResult.NORMAL,
                    recorded_by=midwife,
                )
                for kind, (earliest, _latest) in list(SCHEDULE.items())[: min(n, SCREENINGS)]
            ]
        )
    )

    PhoneContact.objects.bulk_create(
        _valid(
            [
                PhoneContact(
                    dossier=dossier,
                    recorded_by=midwife,
                    started_at=at,
                    duration_minutes=8,
                    caller=Caller.MOTHER,
                    reason=CallReason.BABY_FEEDING,
                    outcome=CallOutcome.ADVICE,
                    notes="Aanlegtechniek besproken.",
                )
                for at in _spread(
                    born_at + dt.timedelta(days=2, hours=5), now - dt.timedelta(hours=3), n
                )
            ]
        )
    )

    attribute(account)  # the mother notes her own observations
    SelfMonitoring.objects.bulk_create(
        _valid(
            [
                SelfMonitoring(
                    dossier=dossier,
                    recorded_by=account,
                    kind=SelfKind.TEMPERATURE,
                    noted_at=at,
                    value=Decimal("36.2") + Decimal(i % 16) / 10,
                    newborn=None,
                )
                for i, at in enumerate(
                    _spread(born_at + dt.timedelta(days=1), now - dt.timedelta(minutes=30), n)
                )
            ]
        )
    )
    return dossier
