"""The closure hand-over summary (issue 18, Babyconnect's model): at the end of the postnatal
period the family is handed over to the child health service (Kind & Gezin / ONE) and the
GP with one structured summary, as a readable PDF and as a FHIR R4 document Bundle.

What it holds, read from the record when it is made (``summary``):

- the birth: date and time, place, gestational age, mode of delivery; per newborn the
  birth weight and Apgar scores;
- the neonatal screenings (``dossier.screenings``): each one's state and last result;
- the weight course per newborn: birth weight, lowest and latest weighing with their change
  since birth (``dossier.growth.percent_change``);
- the feeding: as the coordinator noted it at the end of care, else the last baby check's,
  else the birth record's;
- the open problems: the open alerts (their rule's title, never a note) and, when a
  worrying situation is still open, only that there is one — never its text (it is read by
  the coordinator and whoever signalled it alone);
- the consults with the maternity ward (``dossier.consults``): each question with its
  answer and notes, a withdrawn one left out; one still waiting for an answer is also an
  open problem;
- the immunisations at birth the record does not hold otherwise (``NewbornHandover``:
  vitamin K, hepatitis B vaccine and immunoglobulin) and the coordinator's remarks. The
  hepatitis B choice is proposed from the mother's HBsAg (``HEPATITIS_B_AT_BIRTH``, one
  table with its guideline) and a recorded choice that does not follow a positive HBsAg is
  warned about on the hand-over page (``hepatitis_b_warnings``), never refused.

The FHIR document (``document``): a Bundle of type ``document`` whose first entry is a
Composition (LOINC 34133-9, summary of episode note) with one section per part above, then
the Patients (the mother, each newborn), the Encounters (the birth stay, the postnatal home
visits), Observations, a Condition per open problem, a Communication per consult question
and per answer or note (the own copy's), an Immunization per hepatitis B dose
and a MedicationAdministration for vitamin K (a medicine, not a vaccine). It reuses the
own copy's builders (``dossier.own_copy``) and the eBirth export's codes (``ebirth.fhir``).

Who may read it, who decides and how it is sent: ``dossier.closure_services``."""

from __future__ import annotations

import datetime
import html
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossier import growth, labs, screenings
from dossier.models import (
    Alert,
    BabyCheck,
    ConsultRequest,
    ConsultStatus,
    Delivery,
    Dossier,
    DossierStatus,
    Handover,
    HepatitisB,
    HomeVisit,
    Measurement,
    Newborn,
    NewbornHandover,
    Screening,
    VitalStatus,
    VitaminK,
)
from dossier.own_copy import (
    LOCAL,
    _Bundle,
    _codes,
    _consults,
    _consults_of,
    _day,
    _encounter,
    _fhir,
    _mother,
    newborn_patient,
)
from dossier.sections import Section

# The sections the summary shows (the access log's list for every read, download and send).
SECTIONS = (Section.IDENTITY, Section.DELIVERY, Section.NEWBORN, Section.POSTNATAL)

CVX = "http://hl7.org/fhir/sid/cvx"
ATC = "http://www.whocc.no/atc"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
XHTML = "http://www.w3.org/1999/xhtml"
SUMMARY_NOTE = ("34133-9", "Summary of episode note")
HOSPITAL_PLACES = {"hospital", "birth_centre"}


@dataclass
class Baby:
    newborn: Newborn
    handover: NewbornHandover | None
    screenings: list[screenings.ScreeningState]
    lowest: Measurement | None
    latest: Measurement | None
    feeding: str  # a Feeding value, or ""
    feeding_label: str
    alerts: list[Alert] = field(default_factory=list)

    def change(self, weighing: Measurement | None) -> Decimal | None:
        if weighing is None:
            return None
        return growth.percent_change(self.newborn.birth_weight_g, weighing.weight_g)

    @property
    def lowest_change(self) -> Decimal | None:
        return self.change(self.lowest)

    @property
    def latest_change(self) -> Decimal | None:
        return self.change(self.latest)


@dataclass
class Summary:
    dossier: Dossier
    delivery: Delivery | None  # None before the birth
    handover: Handover | None
    babies: list[Baby]
    mother_alerts: list[Alert]
    open_concern: bool
    home_visits: list[HomeVisit]
    made_at: datetime.datetime
    consults: list[ConsultRequest] = field(default_factory=list)  # withdrawn ones left out

    @property
    def open_consults(self) -> list[ConsultRequest]:
        return [c for c in self.consults if c.status == ConsultStatus.OPEN]

    @property
    def open_problems(self) -> int:
        return (
            len(self.mother_alerts)
            + sum(len(b.alerts) for b in self.babies)
            + (1 if self.open_concern else 0)
            + len(self.open_consults)
        )


def _feeding(newborn: Newborn, handover: NewbornHandover | None, checks) -> tuple[str, str]:
    if handover is not None and handover.feeding:
        return handover.feeding, handover.get_feeding_display()
    for check in checks:  # the latest first
        if check.feeding:
            return check.feeding, check.get_feeding_display()
    if newborn.feeding:
        return newborn.feeding, newborn.get_feeding_display()
    return "", ""


def summary(dossier: Dossier, now: datetime.datetime | None = None) -> Summary:
    """What the hand-over says of this record now."""
    from network.models import Concern  # the network app reads the record, not the reverse

    now = now or timezone.now()
    delivery = getattr(dossier, "delivery", None)
    alerts = list(
        Alert.objects.filter(dossier=dossier, resolved_at__isnull=True).order_by("created_at")
    )
    babies = []
    newborns = (
        dossier.newborns.order_by("birth_order")
        .select_related("handover")
        .prefetch_related("measurements", "screenings")
    )
    for newborn in newborns:
        handover = getattr(newborn, "handover", None)
        weighings = sorted(newborn.measurements.all(), key=lambda m: m.measured_at)
        checks = BabyCheck.objects.filter(newborn=newborn).order_by("-home_visit__visited_at")
        feeding, feeding_label = _feeding(newborn, handover, checks)
        babies.append(
            Baby(
                newborn=newborn,
                handover=handover,
                screenings=screenings.states_of(newborn, now) if delivery is not None else [],
                lowest=min(weighings, key=lambda m: (m.weight_g, m.measured_at), default=None),
                latest=weighings[-1] if weighings else None,
                feeding=feeding,
                feeding_label=str(feeding_label),
                alerts=[a for a in alerts if a.newborn_id == newborn.pk],
            )
        )
    return Summary(
        dossier=dossier,
        delivery=delivery,
        handover=getattr(dossier, "handover", None),
        babies=babies,
        mother_alerts=[a for a in alerts if a.newborn_id is None],
        open_concern=Concern.objects.filter(dossier=dossier, acknowledged_at__isnull=True).exists(),
        home_visits=list(HomeVisit.objects.filter(dossier=dossier).order_by("visited_at")),
        made_at=now,
        consults=[c for c in _consults_of(dossier) if c.status != ConsultStatus.WITHDRAWN],
    )


# --- hepatitis B at birth, from the mother's HBsAg ------------------------------------------

HEPATITIS_B_WHY = (
    "Superior Health Council (Hoge Gezondheidsraad / Conseil Supérieur de la Santé), "
    "vaccination guide, hepatitis B: the baby of an HBsAg-positive mother gets hepatitis B "
    "immunoglobulin (HBIG) and the first dose of the vaccine within 12 hours of birth (at "
    "the latest 24 hours), then the basic schedule; the mother's HBsAg is tested in every "
    "pregnancy (KCE Report 248, 2015) and, when it is not known at the birth, at once, so "
    "the baby's immunisation is decided within 12 hours. The baby of an HBsAg-negative "
    "mother gets nothing at birth: the Belgian basic vaccination schedule (Vlaanderen and "
    "the Fédération Wallonie-Bruxelles) starts hepatitis B with the hexavalent vaccine at "
    "8 weeks (then 12 and 16 weeks and 15 months)."
)


@dataclass(frozen=True)
class HepatitisBRule:
    """What the mother's HBsAg says of her baby's hepatitis B at birth: the choice the
    hand-over form proposes (``prefill``, a ``HepatitisB`` value; "" proposes nothing), the
    recorded choices that follow it (``agrees``: any other choice, or none, is warned about
    on the hand-over page; empty: nothing to warn about) and the hint beside the field."""

    prefill: str
    agrees: tuple[str, ...]
    hint: str | Promise  # lazy: in the reader's language
    why: str = HEPATITIS_B_WHY


# By the HBsAg as it is carried forward to the baby (``labs.carried_forward``: its latest
# result; act = positive, clear = negative, unknown = none or indeterminate).
HEPATITIS_B_AT_BIRTH = {
    labs.State.ACT: HepatitisBRule(
        HepatitisB.VACCINE_AND_HBIG,
        (HepatitisB.VACCINE_AND_HBIG,),
        gettext_lazy(
            "Mother HBsAg positive: the hepatitis B vaccine and immunoglobulin (HBIG) within "
            "12 hours of birth, at the latest 24 hours. Proposed from her result: check what "
            "was given."
        ),
    ),
    labs.State.CLEAR: HepatitisBRule(
        HepatitisB.NOT_INDICATED,
        (),
        gettext_lazy(
            "Mother HBsAg negative: nothing at birth; hepatitis B comes with the basic "
            "vaccinations from 8 weeks. Proposed from her result: check what was given."
        ),
    ),
    labs.State.UNKNOWN: HepatitisBRule(
        "",
        (),
        gettext_lazy(
            "Mother's HBsAg not known: test her at once and decide the baby's hepatitis B "
            "immunisation within 12 hours of birth (the vaccine, and the immunoglobulin when "
            "she is positive)."
        ),
    ),
}


def hbsag_status(dossier: Dossier) -> labs.Carried:
    """The mother's HBsAg as it is carried forward to her baby (the latest result). For a
    reader of the prenatal section only: the caller checks and logs it. One query."""
    from dossier.selectors import safety_status  # the selectors read the record's models

    return next(item for item in safety_status(dossier) if item.key == "hbsag")


def hepatitis_b_rule(status: labs.Carried) -> HepatitisBRule:
    return HEPATITIS_B_AT_BIRTH[labs.State(status.state)]


def hepatitis_b_prefill(newborn: Newborn, status: labs.Carried) -> str:
    """The choice the hand-over form proposes for a newborn: the table's, for a live-born
    baby whose hepatitis B at birth is not recorded yet ("" otherwise)."""
    handover = getattr(newborn, "handover", None)
    if newborn.vital_status != VitalStatus.LIVE_BIRTH or (handover and handover.hepatitis_b):
        return ""
    return hepatitis_b_rule(status).prefill


def hepatitis_b_warnings(s: Summary, status: labs.Carried) -> list[str]:
    """Per live-born baby whose recorded hepatitis B at birth (or none) does not follow the
    mother's HBsAg: a warning for the hand-over page. Nothing is refused: the coordinator
    may know better (a vaccine given elsewhere, a result the record lacks)."""
    rule = hepatitis_b_rule(status)
    if not rule.agrees:
        return []
    warnings = []
    for b in s.babies:
        if b.newborn.vital_status != VitalStatus.LIVE_BIRTH:
            continue
        recorded = b.handover.hepatitis_b if b.handover is not None else ""
        if recorded in rule.agrees:
            continue
        warnings.append(
            _(
                "%(baby)s: %(finding)s, but the hand-over says “%(recorded)s” for hepatitis B "
                "at birth. The guideline: the vaccine and the immunoglobulin (HBIG) within "
                "12 hours of birth. Check it and correct the hand-over."
            )
            % {
                "baby": b.newborn,
                "finding": status.finding,
                "recorded": HepatitisB(recorded).label if recorded else _("not recorded"),
            }
        )
    return warnings


# --- the FHIR document ----------------------------------------------------------------------


def _narrative(*lines: str) -> dict:
    body = "".join(f"<p>{html.escape(str(line))}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _section(title, urls: list[str], *, text: list[str] | None = None, empty: str = "nilknown"):
    section: dict[str, object] = {"title": str(title)}
    if text:
        section["text"] = _narrative(*text)
    if urls:
        section["entry"] = [{"reference": url} for url in urls]
    else:
        section["emptyReason"] = {"coding": [{"system": EMPTY_REASON, "code": empty}]}
    return section


def _concept(code: str, display) -> dict:
    return {"coding": [{"system": LOCAL, "code": code, "display": str(display)}]}


def _condition(doc: _Bundle, name: str, subject: str, code: dict, text, recorded) -> str:
    return doc.add(
        name,
        {
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
            "code": {**code, "text": str(text)},
            "subject": {"reference": subject},
            "recordedDate": recorded.isoformat(),
        },
    )


def _immunisation(doc: _Bundle, name: str, patient: str, cvx: tuple, when, *, done: bool) -> str:
    return doc.add(
        name,
        {
            "resourceType": "Immunization",
            "status": "completed" if done else "not-done",
            "vaccineCode": {"coding": [{"system": CVX, "code": cvx[0], "display": cvx[1]}]},
            "patient": {"reference": patient},
            "occurrenceDateTime": when.isoformat(),
        },
    )


def open_consult_text() -> str:
    return _("A question to the maternity ward still waits for an answer")


def open_concern_text() -> str:
    """All the summary says of a worrying situation still open: that there is one."""
    return _("A worrying situation was signalled and is still open: ask the care coordinator.")


HEPATITIS_B_VACCINE = ("08", "hepatitis B vaccine, pediatric or pediatric/adolescent dosage")
HEPATITIS_B_IMMUNOGLOBULIN = ("30", "hepatitis B immune globulin")
PHYTOMENADIONE = ("B02BA01", "phytomenadione")


def document(s: Summary, *, author: str) -> dict:
    """The summary as a FHIR R4 document Bundle (plain JSON data); ``author``: the name of
    whoever makes it (the coordinator who sends it)."""
    fhir = _fhir()
    codes = _codes()
    dossier, delivery = s.dossier, s.delivery
    doc = _Bundle(dossier)
    mother = doc.add("mother", _mother(dossier))
    episode = doc.add(
        "pregnancy",
        {
            "resourceType": "EpisodeOfCare",
            "status": "finished" if dossier.status == DossierStatus.CLOSED else "active",
            "type": [{"coding": [fhir._coding(fhir.SNOMED, "77386006", "Pregnancy")]}],
            "patient": {"reference": mother},
            "period": {"start": dossier.created_at.isoformat()},
        },
    )
    patients = {
        b.newborn.pk: doc.add(
            f"newborn/{b.newborn.public_id}", newborn_patient(dossier, b.newborn, delivery)
        )
        for b in s.babies
    }
    birth, screened, weights, feeding, problems, given, visits = [], [], [], [], [], [], []
    if delivery is not None:
        born_at = delivery.born_at
        birth.append(
            _encounter(
                doc,
                "handover/birth",
                kind="birth-stay",
                label=_("Delivery and stay"),
                act="IMP" if delivery.place in HOSPITAL_PLACES else "HH",
                subject=mother,
                episode=episode,
                start=delivery.admitted_at or born_at,
                end=delivery.discharged_at,
            )
        )
        weeks = round(delivery.gestational_weeks + (delivery.gestational_days or 0) / 7, 1)
        doc.quantity("handover/gestation", fhir.GESTATIONAL_AGE, mother, born_at, weeks, "wk")
        birth.append(doc.url("handover/gestation"))
        route = fhir.DELIVERY_ROUTES.get(delivery.mode)
        doc.observation(
            "handover/delivery-route",
            fhir.DELIVERY_ROUTE,
            mother,
            born_at,
            {
                "valueCodeableConcept": {
                    **({"coding": [route]} if route else {}),
                    "text": str(delivery.get_mode_display()),
                }
            },
            vital=False,
        )
        birth.append(doc.url("handover/delivery-route"))
    for b in s.babies:
        newborn, patient = b.newborn, patients[b.newborn.pk]
        key = f"handover/newborn/{newborn.public_id}"
        if delivery is not None:
            doc.quantity(
                f"{key}/birth-weight",
                codes["birth_weight"],
                patient,
                delivery.born_at,
                newborn.birth_weight_g,
                "g",
            )
            birth.append(doc.url(f"{key}/birth-weight"))
            for field_name, apgar in (("apgar_1", "apgar1"), ("apgar_5", "apgar5")):
                value = getattr(newborn, field_name)
                if value is not None:
                    name = f"{key}/{apgar}"
                    doc.observation(
                        name,
                        fhir.APGAR[apgar],
                        patient,
                        delivery.born_at,
                        {"valueInteger": value},
                        vital=False,
                    )
                    birth.append(doc.url(name))
        for state in b.screenings:
            done = _screening(state)
            if done is None:
                continue
            name = f"{key}/screening/{state.kind.value}"
            doc.observation(
                name,
                _concept(f"screening:{state.kind.value}", state.kind.label),
                patient,
                done.done_at,
                {
                    "valueCodeableConcept": _concept(
                        f"screening-result:{done.result}", done.get_result_display()
                    )
                },
                vital=False,
            )
            screened.append(doc.url(name))
        for label, weighing in (("lowest", b.lowest), ("latest", b.latest)):
            if weighing is None or (label == "latest" and weighing == b.lowest):
                continue
            name = f"{key}/weight/{label}"
            doc.quantity(
                name, codes["weight"], patient, weighing.measured_at, weighing.weight_g, "g"
            )
            weights.append(doc.url(name))
        change = b.latest_change
        if b.latest is not None and change is not None:
            name = f"{key}/weight-change"
            doc.observation(
                name,
                _concept("weight-change-since-birth", _("Weight change since birth")),
                patient,
                b.latest.measured_at,
                {
                    "valueQuantity": {
                        "value": float(change),
                        "unit": "%",
                        "system": fhir.UCUM,
                        "code": "%",
                    }
                },
                vital=False,
            )
            weights.append(doc.url(name))
        if b.feeding:
            name = f"{key}/feeding"
            doc.observation(
                name,
                _concept("feeding", _("Feeding")),
                patient,
                s.made_at,
                {"valueCodeableConcept": _concept(f"feeding:{b.feeding}", b.feeding_label)},
                vital=False,
            )
            feeding.append(doc.url(name))
        for alert in b.alerts:
            problems.append(
                _condition(
                    doc,
                    f"handover/alert/{alert.public_id}",
                    patient,
                    _concept(f"alert:{alert.rule}", alert.title),
                    alert.title,
                    alert.created_at,
                )
            )
        given.extend(_immunisations(doc, key, patient, b, delivery))
    for alert in s.mother_alerts:
        problems.append(
            _condition(
                doc,
                f"handover/alert/{alert.public_id}",
                mother,
                _concept(f"alert:{alert.rule}", alert.title),
                alert.title,
                alert.created_at,
            )
        )
    if s.open_concern:
        text = open_concern_text()
        problems.append(
            _condition(
                doc,
                "handover/open-concern",
                mother,
                _concept("signalled-situation", _("Worrying situation signalled")),
                text,
                s.made_at,
            )
        )
    for consult in s.open_consults:
        problems.append(
            _condition(
                doc,
                f"handover/consult/{consult.public_id}",
                patients[consult.newborn_id] if consult.newborn_id else mother,
                _concept("consult-unanswered", open_consult_text()),
                open_consult_text(),
                consult.created_at,
            )
        )
    asked = _consults(
        doc,
        dossier,
        None,
        subjects={None: mother, **patients},
        consults=s.consults,
    )
    for visit in s.home_visits:
        visits.append(
            _encounter(
                doc,
                f"home-visit/{visit.public_id}",
                kind="home-visit",
                label=HomeVisit._meta.verbose_name,
                act="HH",
                subject=mother,
                episode=episode,
                start=visit.visited_at,
            )
        )
    remarks = s.handover.remarks if s.handover is not None else ""
    composition_url = doc.url("handover/composition")
    composition = {
        "resourceType": "Composition",
        "id": composition_url[9:],
        "status": "final",
        "type": fhir._loinc(*SUMMARY_NOTE),
        "subject": {"reference": mother},
        "date": s.made_at.isoformat(),
        "author": [{"display": author}],
        "title": _("Hand-over at the end of postnatal care"),
        "section": [
            _section(_("Birth"), birth),
            _section(_("Neonatal screenings"), screened),
            _section(_("Weight course"), weights),
            _section(_("Feeding"), feeding),
            _section(_("Open problems"), problems),
            _section(_("Vitamin K and vaccinations at birth"), given, empty="unavailable"),
            _section(_("Home visits after the birth"), visits),
            _section(_("Consults with the maternity ward"), asked),
        ],
    }
    if remarks:
        composition["section"].append(
            {"title": str(_("Remarks for the next carers")), "text": _narrative(remarks)}
        )
    return {
        "resourceType": "Bundle",
        "identifier": {"system": fhir.URI, "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "document",
        "timestamp": s.made_at.isoformat(),
        "entry": [{"fullUrl": composition_url, "resource": composition}, *doc.entries],
    }


def _immunisations(doc: _Bundle, key: str, patient: str, b: Baby, delivery) -> list[str]:
    handover = b.handover
    if handover is None or delivery is None:
        return []
    born_on = timezone.localdate(delivery.born_at)
    urls = []
    if handover.hepatitis_b:
        when = handover.hepatitis_b_on or born_on
        done = handover.hepatitis_b != HepatitisB.NOT_INDICATED
        urls.append(
            _immunisation(doc, f"{key}/hepatitis-b", patient, HEPATITIS_B_VACCINE, when, done=done)
        )
        if handover.hepatitis_b == HepatitisB.VACCINE_AND_HBIG:
            urls.append(
                _immunisation(
                    doc, f"{key}/hbig", patient, HEPATITIS_B_IMMUNOGLOBULIN, when, done=True
                )
            )
    if handover.vitamin_k:
        given = handover.vitamin_k != VitaminK.NOT_GIVEN
        administration: dict[str, object] = {
            "resourceType": "MedicationAdministration",
            "status": "completed" if given else "not-done",
            "medicationCodeableConcept": {
                "coding": [
                    {"system": ATC, "code": PHYTOMENADIONE[0], "display": PHYTOMENADIONE[1]}
                ],
                "text": str(_("Vitamin K")),
            },
            "subject": {"reference": patient},
            "effectiveDateTime": (handover.vitamin_k_on or born_on).isoformat(),
        }
        if given:
            administration["dosage"] = {"route": {"text": handover.get_vitamin_k_display()}}
        urls.append(doc.add(f"{key}/vitamin-k", administration))
    return urls


# --- the readable PDF -----------------------------------------------------------------------


def _weight(b: Baby, weighing: Measurement | None) -> str:
    if weighing is None:
        return "—"
    change = f"{b.change(weighing):+}".replace(".", ",")
    return f"{weighing.weight_g} g · {_day(weighing.measured_at)} · {change} %"


def _immunisation_text(b: Baby) -> tuple[str, str]:
    handover = b.handover
    if handover is None:
        return _("not recorded"), _("not recorded")
    vitamin_k = (
        f"{handover.get_vitamin_k_display()}"
        + (f" · {_day(handover.vitamin_k_on)}" if handover.vitamin_k_on else "")
        if handover.vitamin_k
        else _("not recorded")
    )
    hepatitis_b = (
        f"{handover.get_hepatitis_b_display()}"
        + (f" · {_day(handover.hepatitis_b_on)}" if handover.hepatitis_b_on else "")
        if handover.hepatitis_b
        else _("not recorded")
    )
    return vitamin_k, hepatitis_b


def _screening(state: screenings.ScreeningState) -> Screening | None:
    return state.last if isinstance(state.last, Screening) else None


def _screening_row(state: screenings.ScreeningState) -> list[str]:
    done = _screening(state)
    return [
        str(state.kind.label),
        str(state.status.label),
        _day(done.done_at) if done else "—",
        str(done.get_result_display()) if done else "—",
    ]


def _about(consult: ConsultRequest) -> str:
    return str(consult.newborn) if consult.newborn_id else str(_("Mother"))


def _consult_answer(consult: ConsultRequest) -> str:
    """The answer with its notes, each after the ward's name and the moment; "—" while it
    waits."""
    if not consult.answer:
        return "—"
    lines = [f"{_day(consult.answered_at)}: {consult.answer}"]
    lines += [f"{_day(note.created_at)}: {note.text}" for note in consult.notes.all()]
    return "\n".join(lines)


def parts(s: Summary) -> list[dict]:
    """The summary's parts as the page and the PDF show them: a title, column heads and
    rows of text."""
    dossier, delivery = s.dossier, s.delivery
    mother = dossier.mother
    result = [
        {
            "title": _("Mother"),
            "rows": [
                [_("Name"), mother.full_name],
                [_("Date of birth"), _day(mother.date_of_birth)],
                [_("INSZ number"), mother.insz_display or "—"],
                [_("Address"), f"{mother.street_address} {mother.postcode} {mother.municipality}"],
            ],
        }
    ]
    if delivery is not None:
        result.append(
            {
                "title": _("Birth"),
                "rows": [
                    [_("Date and time of birth"), _day(delivery.born_at)],
                    [
                        _("Place of birth"),
                        delivery.maternity_ward or delivery.get_place_display(),
                    ],
                    [
                        _("Gestational age"),
                        f"{delivery.gestational_weeks}+{delivery.gestational_days or 0}",
                    ],
                    [_("Mode of delivery"), delivery.get_mode_display()],
                ],
            }
        )
    for b in s.babies:
        newborn = b.newborn
        vitamin_k, hepatitis_b = _immunisation_text(b)
        apgar = "/".join("—" if v is None else str(v) for v in (newborn.apgar_1, newborn.apgar_5))
        result.append(
            {
                "title": str(newborn),
                "rows": [
                    [_("Sex"), newborn.get_sex_display()],
                    [_("Birth weight"), f"{newborn.birth_weight_g} g"],
                    [_("Apgar at 1 and 5 minutes"), apgar],
                    [_("Lowest weight"), _weight(b, b.lowest)],
                    [_("Latest weight"), _weight(b, b.latest)],
                    [_("Feeding"), b.feeding_label or _("not recorded")],
                    [_("Vitamin K"), vitamin_k],
                    [_("Hepatitis B at birth"), hepatitis_b],
                ],
            }
        )
        result.append(
            {
                "title": _("Neonatal screenings: %(name)s") % {"name": newborn},
                "head": [_("Screening"), _("Status"), _("Done on"), _("Result")],
                "rows": [_screening_row(state) for state in b.screenings],
            }
        )
    problems = [[_("Mother"), a.title, _day(a.created_at)] for a in s.mother_alerts]
    for b in s.babies:
        problems += [[str(b.newborn), a.title, _day(a.created_at)] for a in b.alerts]
    if s.open_concern:
        problems.append(
            [
                _("Mother"),
                open_concern_text(),
                "",
            ]
        )
    problems += [
        [_about(consult), open_consult_text(), _day(consult.created_at)]
        for consult in s.open_consults
    ]
    result.append(
        {
            "title": _("Open problems"),
            "head": [_("Who"), _("Problem"), _("Since")],
            "rows": problems,
        }
    )
    result.append(
        {
            "title": _("Consults with the maternity ward"),
            "head": [_("Asked on"), _("About"), _("Question"), _("Answer")],
            "rows": [
                [_day(c.created_at), _about(c), c.question, _consult_answer(c)] for c in s.consults
            ],
        }
    )
    remarks = s.handover.remarks if s.handover is not None else ""
    result.append(
        {"title": _("Remarks for the next carers"), "rows": [[remarks]] if remarks else []}
    )
    return result


def pdf(s: Summary, *, author: str, language: str, consent=None) -> bytes:
    """The summary as an A4 PDF in ``language``; ``consent``: the mother's choice it is sent
    under (named at the top), none for a preview."""
    from careplan.pdf import _css_string, _fetch_nothing, _page_counter

    with translation.override(language):
        title = _("Hand-over at the end of postnatal care")
        page = render_to_string(
            "dossier/closure_pdf.html",
            {
                "title": title,
                "parts": parts(s),
                "made_at": s.made_at,
                "author": author,
                "consent": consent,
                "css_title": mark_safe(_css_string(title)),  # escaped by _css_string
                "css_pages": mark_safe(_page_counter()),  # escaped by _css_string
            },
        )
    import weasyprint  # type: ignore[import-untyped]  # loaded here: ~0.3 s, only the PDF needs it

    return weasyprint.HTML(string=page, base_url=None, url_fetcher=_fetch_nothing).write_pdf()
