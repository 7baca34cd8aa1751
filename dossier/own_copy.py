"""The mother's own copy of her record (GDPR articles 15 and 20: access and portability).

One ZIP holds a machine-readable FHIR R4 Bundle (``dossier.fhir.json``, type
``collection``) and a readable PDF (``mijn-dossier.pdf``, in her language). Only the mother
herself downloads it (``network.boundary.OWN_RECORD``); she may see every section of her
record (``access.MOTHER_LEVELS``), so the copy holds all of it — and only this record: every
query below starts from the one dossier, never from the mother (her other pregnancies are
records of their own).

What lands where in the Bundle:

- Patient: the mother (INSZ, name, birth date, contact, address, language); each newborn
  (sex, birth date, birth order, stillbirth).
- EpisodeOfCare: the pregnancy. A record (``Dossier``) is one pregnancy followed by a care
  network from the first consultation to the end of postnatal care, with a status that
  moves forward and a closure: that is an episode of care (a period of care under one
  responsibility, FHIR's ``EpisodeOfCare``), not a clinical finding. A ``Condition``
  "pregnancy" would state the diagnosis but has no place for the care network's period or
  for the record's status; the expected due date is an Observation of the episode.
- Observation: the measurements of the prenatal consultations (blood pressure, weight,
  fundal height, fetal heart rate), of the home visits (blood pressure, temperature) and of
  the baby checks (temperature), the newborns' birth weight and every weighing, with LOINC
  codes and UCUM units; the expected due date with how it was dated (``method``), the last
  menstrual period and the dating scan's crown-rump length; every prenatal lab result
  (category ``laboratory``, the LOINC code of ``dossier.labs.REFERENCE``, a value with its
  unit or a coded answer, the day of the sample, and its interpretation against the table's
  reference: normal, abnormal, low, high, indeterminate).
- Encounter: each prenatal consultation, home visit and phone contact.
- CarePlan: the current version of the care plan, its appointments as activities.
- Consent: each of her choices (``ConsentRule``): who, which section, view / view and edit
  (permit) or nothing (deny).
- AuditEvent: every line of her access log (``AccessEvent``): who (as her access-log page
  shows them), when, what, which part, allowed or refused.

The resources are built with ``ebirth.fhir``'s helpers (codings, quantities, references,
uuid5 ids); the ids are uuid5 of the record's public id and the item's name, so two
downloads of an unchanged record give the same ids. This module imports ``careplan`` and
``ebirth`` inside its functions (as ``dossier.views`` does for ``careplan.today``): the copy
gathers the whole record, and ``dossier`` must not import them at load time."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dossier import labs
from dossier.models import (
    BabyCheck,
    ConsultRequest,
    ConsultStatus,
    ConsultUrgency,
    Dossier,
    DossierStatus,
    HomeVisit,
    Measurement,
    PhoneContact,
    PrenatalConsultation,
    PrenatalLab,
)

SOURCE = "Moederschapsdossier"
LOCAL = "urn:be:moederschapsdossier:code"  # the record's own codes (sections, kinds, roles)
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INTERPRETATION_DISPLAY = {
    "N": "Normal",
    "A": "Abnormal",
    "L": "Low",
    "H": "High",
    "IND": "Indeterminate",
}
EPISODE_STATUS = {
    DossierStatus.PRENATAL: "active",
    DossierStatus.DELIVERED: "active",
    DossierStatus.POSTNATAL: "active",
    DossierStatus.CLOSED: "finished",
}
ACTIVITY_STATUS = {
    "proposed": "not-started",
    "planned": "scheduled",
    "done": "completed",
    "cancelled": "cancelled",
}
AUDIT_ACTION = {"read": "R", "download": "R", "create": "C", "update": "U", "join": "E"}
GENDERS = {"F": "female", "M": "male", "U": "unknown"}
FILES = ("dossier.fhir.json", "mijn-dossier.pdf")


def _fhir():
    from ebirth import fhir  # the FHIR helpers of the eBirth export (see the docstring)

    return fhir


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


@dataclass
class _Bundle:
    dossier: Dossier
    entries: list[dict] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"urn:uuid:{_fhir()._uuid5(self.dossier.public_id.bytes, name)}"

    def add(self, name: str, resource: dict) -> str:
        url = self.url(name)
        resource = {"resourceType": resource["resourceType"], "id": url[9:], **resource}
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def observation(
        self,
        name: str,
        code: dict,
        subject: str,
        when,
        value: dict,
        *,
        encounter: str | None = None,
        vital: bool = True,
        category: str = "",
    ) -> None:
        """``category``: an observation-category code ("laboratory"); else vital signs
        when ``vital``, none otherwise."""
        fhir = _fhir()
        resource = {"resourceType": "Observation", "status": "final"}
        if category:
            resource["category"] = [{"coding": [fhir._coding(fhir.OBSERVATION_CATEGORY, category)]}]
        elif vital:
            resource["category"] = fhir.VITAL_SIGNS
        resource |= {"code": code, "subject": fhir._reference(subject)}
        if encounter:
            resource["encounter"] = fhir._reference(encounter)
        resource["effectiveDateTime"] = when.isoformat()  # a date or an instant
        self.add(name, resource | value)

    def quantity(self, name: str, code: dict, subject: str, when, value, unit: str, **more) -> None:
        if value is None:
            return
        quantity = {"value": _number(value), "unit": unit, "system": _fhir().UCUM, "code": unit}
        self.observation(name, code, subject, when, {"valueQuantity": quantity}, **more)

    def blood_pressure(self, name: str, entry, subject: str, when, encounter: str) -> None:
        if entry.bp_systolic is None or entry.bp_diastolic is None:
            return
        fhir = _fhir()

        def component(code, display, value):
            return {
                "code": fhir._loinc(code, display),
                "valueQuantity": {
                    "value": value,
                    "unit": "mm[Hg]",
                    "system": fhir.UCUM,
                    "code": "mm[Hg]",
                },
            }

        panel = fhir._loinc("85354-9", "Blood pressure panel with all children optional")
        self.observation(
            name,
            panel,
            subject,
            when,
            {
                "component": [
                    component("8480-6", "Systolic blood pressure", entry.bp_systolic),
                    component("8462-4", "Diastolic blood pressure", entry.bp_diastolic),
                ]
            },
            encounter=encounter,
        )


def _codes() -> dict:
    loinc = _fhir()._loinc
    return {
        "weight": loinc("29463-7", "Body weight"),
        "birth_weight": loinc("8339-4", "Birth weight Measured"),
        "length": loinc("8302-2", "Body height"),
        "head": loinc("9843-4", "Head Occipital-frontal circumference"),
        "temperature": loinc("8310-5", "Body temperature"),
        "fundal_height": loinc("11881-0", "Uterus Fundal height Tape measure"),
        "fetal_heart_rate": loinc("55283-6", "Fetal Heart rate"),
        "due_date": loinc("11778-8", "Delivery date Estimated"),
        "last_period": loinc("8665-2", "Last menstrual period start date"),
        "crown_rump": loinc("11957-8", "Fetal Crown Rump length US"),
    }


def _local(code: str, display) -> dict:
    return {"coding": [{"system": LOCAL, "code": code, "display": str(display)}]}


def _encounter(
    bundle: _Bundle,
    name: str,
    *,
    kind: str,
    label,
    act: str,
    subject: str,
    episode: str,
    start,
    end=None,
    minutes: int | None = None,
) -> str:
    resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": ACT_CODE, "code": act},
        "type": [_local(kind, label)],
        "subject": {"reference": subject},
        "episodeOfCare": [{"reference": episode}],
        "period": {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})},
    }
    if minutes is not None:
        resource["length"] = {
            "value": minutes,
            "unit": "min",
            "system": _fhir().UCUM,
            "code": "min",
        }
    return bundle.add(name, resource)


def _mother(dossier: Dossier) -> dict:
    fhir = _fhir()
    mother = dossier.mother
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": fhir.SSIN, "value": mother.insz}] if mother.insz else [],
        "name": [{"use": "official", "family": mother.family_name, "given": [mother.given_name]}],
        "gender": "female",
        "birthDate": mother.date_of_birth.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [mother.street_address] if mother.street_address else [],
                "city": mother.municipality,
                "postalCode": mother.postcode,
                "state": mother.province,
                "country": "BE",
            }
        ],
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": mother.preferred_language}]
                },
                "preferred": True,
            }
        ],
    }
    telecom = [
        {"system": "phone", "value": mother.phone} if mother.phone else None,
        {"system": "email", "value": mother.email} if mother.email else None,
    ]
    if any(telecom):
        patient["telecom"] = [t for t in telecom if t]
    return {k: v for k, v in patient.items() if v != []}


def newborn_patient(dossier: Dossier, newborn, delivery) -> dict:
    """A newborn as a FHIR Patient (also the closure hand-over's, ``dossier.closure``)."""
    fhir = _fhir()
    patient = {"resourceType": "Patient", "gender": GENDERS.get(newborn.sex, "unknown")}
    if newborn.given_name or newborn.family_name:
        patient["name"] = [
            {
                "family": newborn.family_name or None,
                "given": [newborn.given_name] if newborn.given_name else None,
            }
        ]
        patient["name"] = [{k: v for k, v in patient["name"][0].items() if v}]
    if newborn.insz:
        patient["identifier"] = [{"system": fhir.SSIN, "value": newborn.insz}]
    if delivery is not None:
        patient["birthDate"] = timezone.localdate(delivery.born_at).isoformat()
    if dossier.fetus_count and dossier.fetus_count > 1:
        patient["multipleBirthInteger"] = newborn.birth_order
    if newborn.vital_status == "stillbirth":
        patient["deceasedBoolean"] = True
    return patient


def bundle(dossier: Dossier, *, reader) -> dict:
    """The record as a FHIR R4 Bundle of type ``collection`` (plain JSON data)."""
    from careplan.content import AppointmentKind
    from careplan.selectors import current_plan
    from network.models import AccessEvent, ConsentRule, Level
    from network.names import shown_name

    fhir = _fhir()
    codes = _codes()
    doc = _Bundle(dossier)
    mother = doc.add("mother", _mother(dossier))
    episode = doc.add(
        "pregnancy",
        {
            "resourceType": "EpisodeOfCare",
            "status": EPISODE_STATUS[dossier.status],
            "type": [{"coding": [fhir._coding(fhir.SNOMED, "77386006", "Pregnancy")]}],
            "patient": {"reference": mother},
            "period": {"start": dossier.created_at.isoformat()},
        },
    )
    _dating(doc, dossier, mother, codes)

    delivery = getattr(dossier, "delivery", None)
    newborns = {}
    for newborn in dossier.newborns.order_by("birth_order"):
        patient = newborn_patient(dossier, newborn, delivery)
        url = newborns[newborn.pk] = doc.add(f"newborn/{newborn.public_id}", patient)
        if delivery is not None:
            doc.quantity(
                f"newborn/{newborn.public_id}/birth-weight",
                codes["birth_weight"],
                url,
                delivery.born_at,
                newborn.birth_weight_g,
                "g",
            )

    for entry in PrenatalConsultation.objects.filter(dossier=dossier).order_by("consulted_on"):
        name = f"consultation/{entry.public_id}"
        encounter = _encounter(
            doc,
            name,
            kind="prenatal-consultation",
            label=PrenatalConsultation._meta.verbose_name,
            act="HH" if entry.at_home else "AMB",
            subject=mother,
            episode=episode,
            start=entry.consulted_on,
        )
        when, more = entry.consulted_on, {"encounter": encounter}
        doc.blood_pressure(f"{name}/bp", entry, mother, when, encounter)
        doc.quantity(f"{name}/weight", codes["weight"], mother, when, entry.weight_kg, "kg", **more)
        doc.quantity(
            f"{name}/fundal-height",
            codes["fundal_height"],
            mother,
            when,
            entry.fundal_height_cm,
            "cm",
            **more,
        )
        doc.quantity(
            f"{name}/fetal-heart-rate",
            codes["fetal_heart_rate"],
            mother,
            when,
            entry.fetal_heart_rate,
            "/min",
            **more,
        )

    _labs(doc, dossier, mother)

    visits = {}
    for entry in HomeVisit.objects.filter(dossier=dossier).order_by("visited_at"):
        name = f"home-visit/{entry.public_id}"
        encounter = visits[entry.pk] = _encounter(
            doc,
            name,
            kind="home-visit",
            label=HomeVisit._meta.verbose_name,
            act="HH",
            subject=mother,
            episode=episode,
            start=entry.visited_at,
        )
        doc.blood_pressure(f"{name}/bp", entry, mother, entry.visited_at, encounter)
        doc.quantity(
            f"{name}/temperature",
            codes["temperature"],
            mother,
            entry.visited_at,
            entry.temperature_c,
            "Cel",
            encounter=encounter,
        )
    for check in BabyCheck.objects.filter(dossier=dossier).select_related("home_visit"):
        doc.quantity(
            f"baby-check/{check.public_id}/temperature",
            codes["temperature"],
            newborns[check.newborn_id],
            check.home_visit.visited_at,
            check.temperature_c,
            "Cel",
            encounter=visits.get(check.home_visit_id),
        )

    for weighing in Measurement.objects.filter(newborn__dossier=dossier).order_by("measured_at"):
        name, subject = f"weighing/{weighing.public_id}", newborns[weighing.newborn_id]
        doc.quantity(
            f"{name}/weight", codes["weight"], subject, weighing.measured_at, weighing.weight_g, "g"
        )
        doc.quantity(
            f"{name}/length",
            codes["length"],
            subject,
            weighing.measured_at,
            weighing.length_cm,
            "cm",
        )
        doc.quantity(
            f"{name}/head",
            codes["head"],
            subject,
            weighing.measured_at,
            weighing.head_circumference_cm,
            "cm",
        )

    for call in PhoneContact.objects.filter(dossier=dossier).order_by("started_at"):
        _encounter(
            doc,
            f"phone-contact/{call.public_id}",
            kind="phone-contact",
            label=PhoneContact._meta.verbose_name,
            act="VR",
            subject=mother,
            episode=episode,
            start=call.started_at,
            end=call.started_at + timezone.timedelta(minutes=call.duration_minutes),
            minutes=call.duration_minutes,
        )

    _plan, version = current_plan(dossier)
    if version is not None:
        content = version.content
        activities = [
            {
                "detail": {
                    "kind": "Appointment",
                    "code": _local(a["kind"], AppointmentKind(a["kind"]).label),
                    "status": ACTIVITY_STATUS.get(a["status"], "unknown"),
                    "scheduledPeriod": {"start": a["due_from"], "end": a["due_until"]},
                    **({"description": a["note"]} if a.get("note") else {}),
                }
            }
            for a in content.get("appointments", [])
        ]
        plan = {
            "resourceType": "CarePlan",
            "status": "completed" if dossier.status == DossierStatus.CLOSED else "active",
            "intent": "plan",
            "subject": {"reference": mother},
            "title": _("Care plan, version %(number)s") % {"number": version.number},
            "created": version.created_at.isoformat(),
            "author": {"display": shown_name(version.author, reader=reader, dossier=dossier)},
            "supportingInfo": [{"reference": episode}],
        }
        if content.get("expected_course"):
            plan["description"] = content["expected_course"]
        if activities:
            plan["activity"] = activities
        doc.add(f"care-plan/{version.number}", plan)

    _consults(doc, dossier, reader, subjects={None: mother, **newborns})

    rules = (
        ConsentRule.objects.filter(dossier=dossier)
        .select_related("membership__professional__user")
        .order_by("pk")
    )
    for rule in rules:
        who = (
            shown_name(rule.membership, reader=reader, dossier=dossier)
            if rule.membership
            else str(rule.get_role_display())
        )
        actions = [] if rule.level == Level.NONE else ["access"]
        if rule.level >= Level.EDIT:
            actions.append("correct")
        provision = {
            "type": "deny" if rule.level == Level.NONE else "permit",
            "actor": [
                {
                    "role": _local(
                        f"role:{rule.role or 'member'}",
                        rule.get_role_display() if rule.role else _("member"),
                    ),
                    "reference": {"display": who},
                }
            ],
            "code": [_local(f"section:{rule.section}", rule.get_section_display())],
        }
        if actions:
            provision["action"] = [
                {"coding": [{"system": CONSENT_ACTION, "code": a}]} for a in actions
            ]
        doc.add(
            f"consent/{rule.public_id}",
            {
                "resourceType": "Consent",
                "status": "active",
                "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
                "category": [fhir._loinc("59284-0", "Patient Consent")],
                "patient": {"reference": mother},
                "dateTime": rule.updated_at.isoformat(),
                "policyRule": {"text": _("The mother's choice of who sees what of her record")},
                "provision": provision,
            },
        )

    for event in AccessEvent.objects.filter(dossier=dossier).order_by("seq"):
        entities = [
            {"what": {"reference": episode}, "name": name} for name in event.get_sections_display()
        ] or [{"what": {"reference": episode}}]
        doc.add(
            f"access/{event.pk}",
            {
                "resourceType": "AuditEvent",
                "type": fhir._coding(AUDIT_TYPE, "rest", "RESTful Operation"),
                "subtype": [
                    fhir._coding(LOCAL, f"action:{event.action}", str(event.get_action_display()))
                ],
                "action": AUDIT_ACTION.get(event.action, "E"),
                "recorded": event.at.isoformat(),
                "outcome": "0" if event.outcome == "allowed" else "4",
                "agent": [{"who": {"display": event.actor_label}, "requestor": True}],
                "source": {"observer": {"display": SOURCE}},
                "entity": entities,
            },
        )

    return {
        "resourceType": "Bundle",
        "type": "collection",
        "identifier": {"system": fhir.URI, "value": f"urn:uuid:{dossier.public_id}"},
        "timestamp": timezone.now().isoformat(),
        "entry": doc.entries,
    }


def _dating(doc: _Bundle, dossier: Dossier, mother: str, codes: dict) -> None:
    """The expected due date with how it was dated (``method``: the record's dating method,
    in words as the record shows it), the last menstrual period and the dating scan."""
    from dossier.dating import DatingMethod

    if dossier.expected_due_date:
        value: dict = {"valueDateTime": dossier.expected_due_date.isoformat()}
        if dossier.dating_method:
            label = DatingMethod(dossier.dating_method).label
            value["method"] = {
                **_local(f"dating:{dossier.dating_method}", label),
                "text": dossier.dating_display or str(label),
            }
        doc.observation(
            "due-date", codes["due_date"], mother, dossier.created_at, value, vital=False
        )
    if dossier.last_menstrual_period:
        doc.observation(
            "last-menstrual-period",
            codes["last_period"],
            mother,
            dossier.created_at,
            {"valueDateTime": dossier.last_menstrual_period.isoformat()},
            vital=False,
        )
    if dossier.crown_rump_length_mm is not None and dossier.dating_scan_on:
        doc.quantity(
            "dating-scan/crown-rump-length",
            codes["crown_rump"],
            mother,
            dossier.dating_scan_on,
            dossier.crown_rump_length_mm,
            "mm",
            vital=False,
        )


def _quantity(value, unit: str) -> dict:
    return {"value": _number(value), "unit": unit, "system": _fhir().UCUM, "code": unit}


def _lab_value(lab: PrenatalLab, reference: labs.Reference) -> dict:
    """The result as an Observation holds it: a quantity with its unit, the tolerance test's
    three values as components, a coded answer (SNOMED CT for a serology result, LOINC's
    answers for the blood group, the record's own code always beside)."""
    fhir = _fhir()
    unit = lab.unit or reference.unit
    if reference.measure == labs.Measure.VALUE:
        return {"valueQuantity": _quantity(lab.value, unit)} if lab.value is not None else {}
    if reference.measure == labs.Measure.OGTT:
        return {
            "component": [
                {"code": fhir._loinc(*code), "valueQuantity": _quantity(value, unit)}
                for code, value in zip(
                    reference.loinc, (lab.value, lab.value_1h, lab.value_2h), strict=True
                )
                if value is not None
            ]
        }
    if reference.measure == labs.Measure.BLOOD_GROUP:
        answer = labs.BLOOD_GROUP_ANSWERS.get((lab.abo, lab.rhesus))
        codings = [fhir._coding(fhir.LOINC, *answer)] if answer else []
        codings.append(fhir._coding(LOCAL, f"blood-group:{lab.abo}:{lab.rhesus}"))
        return {"valueCodeableConcept": {"coding": codings, "text": lab.result_display}}
    if not lab.result:
        return {}
    snomed = labs.RESULT_SNOMED.get(lab.result)
    codings = [fhir._coding(fhir.SNOMED, *snomed)] if snomed else []
    codings.append(fhir._coding(LOCAL, f"lab-result:{lab.result}", str(lab.get_result_display())))
    return {"valueCodeableConcept": {"coding": codings, "text": str(lab.get_result_display())}}


def _lab_notes(lab: PrenatalLab) -> list[dict]:
    notes = [lab.detail] if lab.detail else []
    if lab.anti_d_given_on:
        notes.append(
            _("anti-D given on %(day)s (%(dose)s µg)")
            % {"day": _day(lab.anti_d_given_on), "dose": lab.anti_d_dose_ug}
        )
    return [{"text": str(note)} for note in notes]


def _labs_of(dossier: Dossier) -> list[PrenatalLab]:
    """Every prenatal lab result of this record, oldest sample first (one query)."""
    found = list(PrenatalLab.objects.filter(dossier=dossier).order_by("taken_on", "id"))
    for lab in found:
        lab.dossier = dossier  # its gestational age (the haemoglobin's threshold), no query
    return found


def _labs(doc: _Bundle, dossier: Dossier, mother: str) -> None:
    fhir = _fhir()
    for lab in _labs_of(dossier):
        reference = lab.reference
        if reference is None:
            continue
        label = str(labs.LabTest(lab.test).label)
        if reference.measure == labs.Measure.OGTT or not reference.loinc:
            code = {**_local(f"lab:{lab.test}", label), "text": label}
        else:
            code = {**fhir._loinc(*reference.loinc[0]), "text": label}
        more = _lab_value(lab, reference)
        read = labs.interpretation(lab)
        if read is not None:
            more["interpretation"] = [
                {"coding": [fhir._coding(INTERPRETATION, read, INTERPRETATION_DISPLAY[read])]}
            ]
            more["referenceRange"] = [{"text": str(reference.normal)}]
        notes = _lab_notes(lab)
        if notes:
            more["note"] = notes
        doc.observation(
            f"lab/{lab.public_id}", code, mother, lab.taken_on, more, category="laboratory"
        )


# --- the readable PDF ---------------------------------------------------------------------


def _consults_of(dossier: Dossier) -> list[ConsultRequest]:
    """The questions to the maternity ward, with their answer and notes (in the postnatal
    and newborn sections, which she reads: it is her record)."""
    return list(
        ConsultRequest.objects.filter(dossier=dossier)
        .select_related("ward", "newborn", "asked_by", "answered_by")
        .prefetch_related("notes__written_by")
        .order_by("created_at", "pk")
    )


def _consults(
    doc: _Bundle, dossier: Dossier, reader, *, subjects: dict, consults=None
) -> list[str]:
    """Each question to the maternity ward (``consults``, else all of the record's) as a
    FHIR ``Communication`` from the asker to the ward, about her or one baby; the answer and
    each later note as a ``Communication`` in response to it. A withdrawn question is
    ``stopped``. Returns the questions' full URLs."""
    from network.names import shown_name

    questions = []
    for consult in _consults_of(dossier) if consults is None else consults:
        subject = {"reference": subjects.get(consult.newborn_id, subjects[None])}
        asker = shown_name(consult.asked_by, reader=reader, dossier=dossier)
        category = [_local("consult", _("Consult with the maternity ward"))]
        question = doc.add(
            f"consult/{consult.public_id}",
            {
                "resourceType": "Communication",
                "status": "stopped" if consult.status == ConsultStatus.WITHDRAWN else "completed",
                "category": category,
                "priority": "asap" if consult.urgency == ConsultUrgency.HOUR else "urgent",
                "subject": subject,
                "sent": consult.created_at.isoformat(),
                "sender": {"display": asker},
                "recipient": [{"display": consult.ward.name}],
                "payload": [{"contentString": consult.question}],
            },
        )
        questions.append(question)
        replies = []
        if consult.answer:
            replies.append(("answer", consult.answered_by, consult.answered_at, consult.answer))
        replies += [
            (f"note/{note.public_id}", note.written_by, note.created_at, note.text)
            for note in consult.notes.all()
        ]
        for name, who, when, text in replies:
            doc.add(
                f"consult/{consult.public_id}/{name}",
                {
                    "resourceType": "Communication",
                    "status": "completed",
                    "category": category,
                    "inResponseTo": [{"reference": question}],
                    "subject": subject,
                    "sent": when.isoformat(),
                    "sender": {"display": shown_name(who, reader=reader, dossier=dossier)},
                    "recipient": [{"display": asker}],
                    "payload": [{"contentString": text}],
                },
            )

    return questions


def _day(value) -> str:
    return (
        timezone.localtime(value).strftime("%d-%m-%Y %H:%M")
        if hasattr(value, "hour")
        else value.strftime("%d-%m-%Y")
    )


def _value(value, unit: str = "") -> str:
    if value is None or value == "":
        return "—"
    text = f"{value}".replace(".", ",")
    return f"{text} {unit}".strip()


def _parts(dossier: Dossier, reader) -> list[dict]:
    """The PDF's sections: a title, column heads and rows of text."""
    from careplan import content as plan_content
    from careplan.selectors import current_plan
    from network.models import AccessEvent, ConsentRule
    from network.names import shown_name

    mother = dossier.mother
    parts = [
        {
            "title": _("Mother"),
            "rows": [
                [_("Name"), mother.full_name],
                [_("Date of birth"), _day(mother.date_of_birth)],
                [_("INSZ number"), mother.insz_display or "—"],
                [_("Address"), f"{mother.street_address} {mother.postcode} {mother.municipality}"],
                [
                    _("Expected due date"),
                    _day(dossier.expected_due_date) if dossier.expected_due_date else "—",
                ],
                [_field_label(dossier, "dating_method"), dossier.dating_display or "—"],
                [
                    _field_label(dossier, "last_menstrual_period"),
                    _day(dossier.last_menstrual_period) if dossier.last_menstrual_period else "—",
                ],
            ],
        }
    ]
    parts.append(
        {
            "title": _("Prenatal consultations"),
            "head": [_("Date"), _("Blood pressure"), _("Weight"), _("Fetal heart rate")],
            "rows": [
                [
                    _day(c.consulted_on),
                    f"{c.bp_systolic}/{c.bp_diastolic} mmHg" if c.bp_systolic else "—",
                    _value(c.weight_kg, "kg"),
                    _value(c.fetal_heart_rate, "/min"),
                ]
                for c in PrenatalConsultation.objects.filter(dossier=dossier).order_by(
                    "consulted_on"
                )
            ],
        }
    )
    parts.append(
        {
            "title": _("Prenatal lab results"),
            "head": [_("Test"), _("Date"), _("Result"), _("Note")],
            "rows": [
                [
                    lab.get_test_display(),
                    _day(lab.taken_on),
                    lab.result_display,
                    "; ".join(
                        [
                            *(n["text"] for n in _lab_notes(lab)),
                            *([lab.finding] if lab.finding else []),
                        ]
                    )
                    or "—",
                ]
                for lab in _labs_of(dossier)
            ],
        }
    )
    delivery = getattr(dossier, "delivery", None)
    if delivery is not None:
        parts.append(
            {
                "title": _("Delivery"),
                "rows": [
                    [_("Date and time of birth"), _day(delivery.born_at)],
                    [_("Mode of delivery"), delivery.get_mode_display()],
                ],
            }
        )
    for newborn in dossier.newborns.order_by("birth_order"):
        parts.append(
            {
                "title": str(newborn),
                "head": [_("Date"), _("Weight")],
                "rows": [
                    [_day(m.measured_at), _value(m.weight_g, "g")]
                    for m in newborn.measurements.order_by("measured_at")
                ],
            }
        )
    parts.append(
        {
            "title": _("Home visits"),
            "head": [_("Date"), _("Blood pressure"), _("Temperature")],
            "rows": [
                [
                    _day(v.visited_at),
                    f"{v.bp_systolic}/{v.bp_diastolic} mmHg" if v.bp_systolic else "—",
                    _value(v.temperature_c, "°C"),
                ]
                for v in HomeVisit.objects.filter(dossier=dossier).order_by("visited_at")
            ],
        }
    )
    parts.append(
        {
            "title": _("Phone contacts"),
            "head": [_("Date"), _("Duration (minutes)"), _("Outcome")],
            "rows": [
                [_day(p.started_at), str(p.duration_minutes), p.get_outcome_display()]
                for p in PhoneContact.objects.filter(dossier=dossier).order_by("started_at")
            ],
        }
    )
    parts.append(
        {
            "title": _("Consult with the maternity ward"),
            "head": [_("Date"), _("About whom?"), _("Question"), _("Answer")],
            "rows": [
                [
                    _day(c.created_at),
                    str(c.newborn) if c.newborn_id else _("Mother"),
                    c.question,
                    " · ".join(
                        [
                            *([c.answer] if c.answer else []),
                            *(note.text for note in c.notes.all()),
                        ]
                    )
                    or c.get_status_display(),
                ]
                for c in _consults_of(dossier)
            ],
        }
    )
    _plan, version = current_plan(dossier)
    if version is not None:
        parts.append(
            {
                "title": _("Care plan, version %(number)s") % {"number": version.number},
                "head": [_("Appointment"), _("When"), _("Status")],
                "rows": [
                    [
                        plan_content.AppointmentKind(a["kind"]).label,
                        plan_content.window_text(a),
                        plan_content.AppointmentStatus(a["status"]).label,
                    ]
                    for a in version.content.get("appointments", [])
                ],
            }
        )
    parts.append(
        {
            "title": _("Who sees what"),
            "head": [_("Who"), _("Part"), _("Access")],
            "rows": [
                [
                    shown_name(r.membership, reader=reader, dossier=dossier)
                    if r.membership
                    else r.get_role_display(),
                    r.get_section_display(),
                    r.get_level_display(),
                ]
                for r in ConsentRule.objects.filter(dossier=dossier)
                .select_related("membership__professional__user")
                .order_by("pk")
            ],
        }
    )
    parts.append(
        {
            "title": _("Who viewed my record"),
            "head": [_("When"), _("Who"), _("What"), _("Part")],
            "rows": [
                [
                    _day(e.at),
                    e.actor_label,
                    e.get_action_display(),
                    e.parts_display(),
                ]
                for e in AccessEvent.objects.filter(dossier=dossier).order_by("-seq")
            ],
        }
    )
    return parts


def _field_label(instance, name: str) -> str:
    return str(capfirst(instance._meta.get_field(name).verbose_name))


def language_of(dossier: Dossier) -> str:
    """Her language when the app speaks it, else Dutch."""
    spoken = {code for code, _name in settings.LANGUAGES}
    language = dossier.mother.preferred_language
    return language if language in spoken else settings.LANGUAGE_CODE[:2]


def pdf(dossier: Dossier, *, reader) -> bytes:
    """ "Mijn dossier": the record's sections as an A4 PDF, in her language."""
    from careplan.pdf import _css_string, _fetch_nothing, _page_counter

    with translation.override(language_of(dossier)):
        html = render_to_string(
            "dossier/own_copy_pdf.html",
            {
                "parts": _parts(dossier, reader),
                "printed_at": timezone.now(),
                "css_title": mark_safe(_css_string(_("My record"))),  # escaped by _css_string
                "css_pages": mark_safe(_page_counter()),  # escaped by _css_string
            },
        )
    import weasyprint  # imported here: loading it costs ~0.3 s, only the PDF needs it

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetch_nothing).write_pdf()


def own_copy(dossier: Dossier, *, reader) -> bytes:
    """The ZIP: the FHIR Bundle (JSON) and the PDF."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            FILES[0], json.dumps(bundle(dossier, reader=reader), indent=1, ensure_ascii=False)
        )
        archive.writestr(FILES[1], pdf(dossier, reader=reader))
    return buffer.getvalue()
