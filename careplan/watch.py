"""The coordinator's watch list against the "care vacuum" (R22, R23, R28): the records she
coordinates where the agreed care has a gap. Each list is one query over all her records
(the bench checks the count does not grow with them), shown only where she may see the
sections it is made of.

* discharged more than 24 hours ago without a home visit in those 24 hours;
* a baby of day 0–10 without a physician consultation on day 7–10 in the plan;
* a newborn more than 10 % below the birth weight at the last weighing;
* a vulnerable family (psychosocial anamnesis) without a home visit or call in 7 days;
* the mother changed the plan and the coordinator has not marked it as seen;
* (and the screenings due or overdue, from ``dossier.selectors.missing_screenings``)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from careplan.content import AppointmentKind, AppointmentStatus
from careplan.models import CarePlan, PlanVersion
from dossier.growth import ALERT_LOSS_PERCENT
from dossier.models import (
    Delivery,
    Dossier,
    DossierStatus,
    HomeVisit,
    Measurement,
    Newborn,
    PhoneContact,
    PsychosocialAnamnesis,
    VitalStatus,
)
from dossier.sections import Section
from network import access

FIRST_VISIT = datetime.timedelta(hours=24)
RECENT = datetime.timedelta(days=14)
FOLLOW_UP = datetime.timedelta(days=7)
SECTIONS = [Section.IDENTITY, Section.DELIVERY, Section.POSTNATAL, Section.NEWBORN,
            Section.PSYCHOSOCIAL, Section.CAREPLAN]


class Mine:
    """The coordinator's open records and, per record, the sections she may see: read once
    (one query), then every list asks for the ids it may show. Lists filter on these ids,
    so PostgreSQL walks each table's dossier index for her records only instead of
    scanning every delivery in the country."""

    def __init__(self, user):
        flags = [f"can_view_{s}" for s in SECTIONS]
        rows = (access.with_section_flags(access.coordinated_dossiers(user), user,
                                          sections=SECTIONS)
                .exclude(status=DossierStatus.CLOSED).values_list("pk", *flags))
        self.sections = {pk: {s for s, seen in zip(SECTIONS, seen_flags, strict=True) if seen}
                         for pk, *seen_flags in rows}

    def ids(self, *needed: str) -> list[int]:
        wanted = {Section.IDENTITY, *needed}
        return [pk for pk, seen in self.sections.items() if wanted <= seen]


def no_first_visit(mine: Mine, now) -> list[Delivery]:
    visited = HomeVisit.objects.filter(
        dossier=OuterRef("dossier"), visited_at__gte=OuterRef("discharged_at"),
        visited_at__lte=OuterRef("discharged_at") + FIRST_VISIT)
    return list(Delivery.objects.filter(
        dossier_id__in=mine.ids(Section.DELIVERY, Section.POSTNATAL),
        discharged_at__lt=now - FIRST_VISIT, discharged_at__gte=now - RECENT)
        .exclude(Exists(visited)).select_related("dossier__mother").order_by("discharged_at"))


def no_physician_planned(mine: Mine, now) -> list[Delivery]:
    planned = Q()
    for status in (AppointmentStatus.PLANNED, AppointmentStatus.DONE):
        planned |= Q(content__appointments__contains=[
            {"kind": AppointmentKind.PAEDIATRIC.value, "status": status.value}])
    has_consultation = PlanVersion.objects.filter(
        planned, plan__dossier=OuterRef("dossier"), number=F("plan__current_number"))
    return list(Delivery.objects.filter(
        dossier_id__in=mine.ids(Section.DELIVERY, Section.CAREPLAN),
        born_at__gte=now - datetime.timedelta(days=10))
        .exclude(Exists(has_consultation)).select_related("dossier__mother")
        .order_by("born_at"))


def weight_loss(mine: Mine, now) -> list[Newborn]:
    latest = Measurement.objects.filter(newborn=OuterRef("pk")).order_by("-measured_at")
    # dossier.growth.is_alarming in SQL, exactly: (birth − last) × 100 > 10 × birth
    return list(Newborn.objects.filter(
        dossier_id__in=mine.ids(Section.NEWBORN), vital_status=VitalStatus.LIVE_BIRTH,
        dossier__delivery__born_at__gte=now - RECENT)
        .annotate(last_weight=Subquery(latest.values("weight_g")[:1]))
        .alias(loss=(F("birth_weight_g") - F("last_weight")) * 100,
               limit=F("birth_weight_g") * int(ALERT_LOSS_PERCENT))
        .filter(last_weight__isnull=False, loss__gt=F("limit"))
        .select_related("dossier__mother").order_by("dossier__delivery__born_at"))


def vulnerable_without_contact(mine: Mine, now) -> list[Dossier]:
    since = now - FOLLOW_UP
    return list(Dossier.objects.filter(
        pk__in=mine.ids(Section.PSYCHOSOCIAL, Section.POSTNATAL)).filter(
        Exists(PsychosocialAnamnesis.objects.filter(dossier=OuterRef("pk"), vulnerable=True)))
        .exclude(Exists(HomeVisit.objects.filter(dossier=OuterRef("pk"), visited_at__gte=since)))
        .exclude(Exists(PhoneContact.objects.filter(dossier=OuterRef("pk"),
                                                    started_at__gte=since)))
        .select_related("mother").order_by("expected_due_date"))


def mother_changed_plan(mine: Mine) -> list[CarePlan]:
    by_mother = PlanVersion.objects.filter(plan=OuterRef("pk"), by_mother=True,
                                           number__gt=OuterRef("acknowledged_number"))
    return list(CarePlan.objects.filter(dossier_id__in=mine.ids(Section.CAREPLAN))
                .filter(Exists(by_mother)).select_related("dossier__mother")
                .order_by("-updated_at"))


def watch_list(user, now=None) -> dict:
    """Every list, and the (dossier, section) pairs they show, for the access log."""
    now = now or timezone.now()
    mine = Mine(user)
    lists = {"no_first_visit": no_first_visit(mine, now),
             "no_physician": no_physician_planned(mine, now),
             "weight_loss": weight_loss(mine, now),
             "vulnerable": vulnerable_without_contact(mine, now),
             "mother_changed": mother_changed_plan(mine)}
    reads = set()
    for row in lists["no_first_visit"]:
        reads |= {(row.dossier, Section.IDENTITY), (row.dossier, Section.DELIVERY),
                  (row.dossier, Section.POSTNATAL)}
    for row in lists["no_physician"]:
        reads |= {(row.dossier, Section.IDENTITY), (row.dossier, Section.CAREPLAN)}
    for row in lists["weight_loss"]:
        reads |= {(row.dossier, Section.IDENTITY), (row.dossier, Section.NEWBORN)}
    for row in lists["vulnerable"]:
        reads |= {(row, Section.IDENTITY), (row, Section.PSYCHOSOCIAL)}
    for row in lists["mother_changed"]:
        reads |= {(row.dossier, Section.IDENTITY), (row.dossier, Section.CAREPLAN)}
    return {**lists, "reads": reads}
