"""The demo's clinical entries, written through the same services as the pages: a record
in prenatal follow-up with consultations and a psychosocial anamnesis that flags a
vulnerable family (Fatima), and a record at home after the birth with its discharge
pathway, a home visit, a call to the 24/7 line, kraamhulp and the mother's own notes
(Lotte's twins)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from careplan import content as plan_content
from careplan import schedule
from careplan import services as plan_services
from dossier import services
from dossier.models import (
    DischargeChecklist,
    Dossier,
    HomeHelpChoice,
    HomeHelpDay,
    HomeHelpNeed,
    HomeVisit,
    PhoneContact,
    PrenatalConsultation,
    PsychosocialAnamnesis,
    SelfMonitoring,
)
from dossier.selfcare import SelfKind
from network.models import Organisation, Professional


def prenatal(dossier: Dossier, actor: User, today: datetime.date) -> None:
    for weeks_ago, weight, systolic in ((6, "68.0", 112), (2, "70.5", 118)):
        services.entry_record(
            actor=actor,
            entry=PrenatalConsultation(
                dossier=dossier,
                consulted_on=today - datetime.timedelta(weeks=weeks_ago),
                weight_kg=Decimal(weight),
                bp_systolic=systolic,
                bp_diastolic=72,
                fundal_height_cm=Decimal(30 - weeks_ago),
                fetal_heart_rate=140,
                notes="Goede kindsbewegingen.",
            ),
        )
    services.entry_record(
        actor=actor,
        entry=PsychosocialAnamnesis(
            dossier=dossier,
            interviewed_on=today - datetime.timedelta(weeks=6),
            social_support="limited",
            housing="uncertain",
            income="difficult",
            language="fluent",
            mental_health="well",
            violence="no",
            substance_use="none",
            notes="Gezin van vijf in een appartement met twee kamers; OCMW-begeleiding loopt.",
        ),
    )


def at_home(dossier: Dossier, midwife: User, mother: User | None) -> None:
    delivery = dossier.delivery
    born = delivery.born_at
    newborns = list(dossier.newborns.order_by("birth_order"))
    services.discharge_checklist_save(
        actor=midwife,
        discharged_at=delivery.discharged_at,
        confirm=True,
        checklist=DischargeChecklist(
            dossier=dossier,
            needs_mother_assessed=True,
            needs_child_assessed=True,
            needs_notes="Tweeling, borstvoeding moeizaam: extra steun bij het aanleggen.",
            first_home_visit_at=delivery.discharged_at + datetime.timedelta(hours=20),
            first_home_visit_midwife=midwife,
            paediatric_consultation_on=timezone.localdate(born) + datetime.timedelta(days=8),
            home_help=HomeHelpChoice.REQUESTED,
            gp_informed=True,
        ),
    )
    visit = delivery.discharged_at + datetime.timedelta(hours=20)
    services.home_visit_record(
        actor=midwife,
        visit=HomeVisit(
            dossier=dossier,
            visited_at=visit,
            temperature_c=Decimal("37.1"),
            bp_systolic=121,
            bp_diastolic=78,
            involution="normal",
            lochia="normal",
            wound="healing",
            breasts="sore_nipples",
            epds_score=9,
            advice="Aanlegtechniek besproken; lanoline voor de tepels.",
            next_visit_at=visit + datetime.timedelta(days=2),
        ),
        babies=[
            {
                "newborn": baby,
                "weight_g": baby.birth_weight_g - 150,
                "jaundice": "mild",
                "feeding": "mixed",
                "stools": "normal",
            }
            for baby in newborns
        ],
    )
    services.entry_record(
        actor=midwife,
        entry=PhoneContact(
            dossier=dossier,
            started_at=visit + datetime.timedelta(hours=14),
            duration_minutes=12,
            caller="mother",
            reason="baby_feeding",
            outcome="advice",
            notes="Wout drinkt traag; kolven na de voeding aangeraden.",
        ),
    )
    service = Organisation.objects.get(name="Kraamzorg Familiehulp")
    services.entry_record(
        actor=midwife,
        entry=HomeHelpNeed(
            dossier=dossier,
            estimated_hours=64,
            reasons=["multiples", "feeding"],
            organisation=service,
        ),
    )
    for day in range(2):
        services.entry_record(
            actor=midwife,
            entry=HomeHelpDay(
                dossier=dossier,
                day=timezone.localdate(visit) + datetime.timedelta(days=day),
                hours=Decimal("6.5"),
                organisation=service,
            ),
        )
    _consults(dossier, midwife, newborns)
    if mother is not None:
        services.own_entry_record(
            actor=mother,
            entry=SelfMonitoring(
                dossier=dossier,
                kind=SelfKind.TEMPERATURE,
                value=Decimal("37.4"),
                noted_at=visit + datetime.timedelta(hours=6),
            ),
        )


def care_plan(dossier: Dossier, midwife: User) -> None:
    """The plan prepared with the parents, with the schedule's appointments accepted."""
    delivery = dossier.delivery
    gp = str(Professional.objects.get(user__username="karim").public_id)
    plan = plan_content.empty_plan()
    plan["preferences"] = {
        "stay": "classic",
        "feeding": "breast",
        "visitors": "Grootouders, de eerste week niemand anders.",
    }
    plan["expected_course"] = (
        "Tweeling na een keizersnede: klassiek verblijf, daarna "
        "dagelijks een huisbezoek tot dag 10."
    )
    plan["home_help"] = {"wish": "wanted", "estimated_hours": 64}
    plan["discharge_notify"] = [gp]
    plan["checklist"].update(car_seat=True, help_first_week=True, health_insurer=True)
    babies = [str(n) for n in dossier.newborns.order_by("birth_order")]
    plan["appointments"] = [
        {**a, "status": "planned"}
        for a in schedule.propose(delivery.born_at, delivery.discharged_at, babies, [])
    ]
    plan_services.plan_save(
        actor=midwife,
        dossier=dossier,
        content=plan,
        base_number=0,
        reason="Voorbereid op de prenatale consultatie",
    )


def _consults(dossier: Dossier, midwife: User, newborns: list) -> None:
    """Two questions to the maternity ward (here the coordinator's, whose gynaecologist
    answers the one about the mother; the one about a baby waits for the ward)."""
    from dossier import consult_services, consults
    from network.oncall import ward_contact

    if ward_contact(dossier) is None:
        return
    asked = consult_services.consult_ask(
        actor=midwife,
        dossier=dossier,
        urgency="today",
        question="Moeder heeft sinds gisteren pijn aan de wonde bij het rechtstaan, geen "
        "koorts, wonde droog: mag ze naast paracetamol ook ibuprofen nemen bij "
        "borstvoeding?",
    )
    answerer = next((p.user for p in consults.answerers(asked)), None)
    if answerer is not None:
        consult_services.consult_answer(
            actor=answerer,
            consult=asked,
            answer="Ja, ibuprofen 400 mg tot 3 keer per dag mag bij borstvoeding. Bij koorts, "
            "roodheid of vocht uit de wonde: vandaag nog bellen.",
        )
    consult_services.consult_ask(
        actor=midwife,
        dossier=dossier,
        newborn=newborns[-1],
        urgency="today",
        question="Geelzucht bij de tweede tweeling op dag 4, drinkt traag: bilirubine laten "
        "prikken of eerst afwachten tot het volgende huisbezoek?",
    )
