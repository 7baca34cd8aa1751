"""An eBirth message as a FHIR R4 document Bundle, shaped after HL7's "Birth and Fetal Death
Reporting" implementation guide (BFDR STU2, http://hl7.org/fhir/us/bfdr) and its Vital
Records Common Library (VRCL), as far as the message's content allows. The Bundle is built
as plain JSON data (no models: the export writes hundreds of thousands of them) and only
from the message, so the same message always gives the same JSON.

What lands where:

- Bundle: ``identifier`` is the message id, ``timestamp`` the birth (never the clock).
- Composition (first entry): ``type`` is BFDR's LOINC report type, a live birth report or a
  fetal death report for a stillbirth; ``category`` names the message kind; a correction is
  ``amended`` and ``replaces`` the message it corrects. Its sections use BFDR's codes.
- Patient, the child (the Composition's subject): the birth reference, sex, date and time of
  birth, birth order and plurality (``multipleBirth[x]`` and the multipleBirthTotal
  extension), death (a stillbirth carries VRCL's fetal death extension).
- Patient, the mother: the notification's identity (INSZ, name, date of birth, address); the
  statistical form's mother is pseudonymous: only her province (``address.state``).
- Location: the place of birth (its type, BFDR's place codes as translations) and facility.
  BFDR puts the place type on a birth Encounter; the messages know no encounter.
- Device: the author, this system's export (a Composition must have one).
- Observations: every other field, coded with LOINC where BFDR (or LOINC itself) has the
  item and with the local code system otherwise; coded answers keep the schema's own code
  beside any standard translation, so nothing is lost.

Resource ids are uuid5 of the message id and the field's name; references use the entries'
``urn:uuid:`` full URLs.

The export writes the Bundles as JSON text with ``bundle_json``: the same text as
``json.dumps(bundle(message), sort_keys=True)``, several times faster. Messages of one
*shape* (kind, revision, the content's structure — ``formats.walk`` — and the values that
decide the Bundle's structure: ``SWITCHES`` and some facts of ``_facts``) give the same text
but for their values, so the text of a shape is made once, by ``bundle`` itself run on
placeholders, and filled in per message (see ``_Template``).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from functools import cache
from json.encoder import encode_basestring_ascii

from ebirth.formats import Message, value_fields, walk

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
BFDR_LOCAL = "http://hl7.org/fhir/us/bfdr/CodeSystem/CodeSystem-local-bfdr-codes"
# Codes of items BFDR does not code as an observation of its own.
LOCAL = "urn:be:moederschapsdossier:ebirth:code"
# The schema's own answer codes, one system per simple type of ``schema/ebirth.xsd``.
SCHEMA_CODES = "urn:be:moederschapsdossier:ebirth:"
BIRTH_REFERENCE = "urn:be:moederschapsdossier:birth"
SSIN = "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin"
URI = "urn:ietf:rfc:3986"  # the system of identifiers that are URIs (the message ids)

BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
MULTIPLE_BIRTH_TOTAL = "http://hl7.org/fhir/StructureDefinition/patient-multipleBirthTotal"
FETAL_DEATH = (
    "http://hl7.org/fhir/us/vr-common-library/StructureDefinition/Extension-patient-fetal-death-vr"
)


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(*codings: dict) -> dict:
    return {"coding": list(codings)}


def _loinc(code: str, display: str) -> dict:
    return _concept(_coding(LOINC, code, display))


def _local(code: str, display: str) -> dict:
    return _concept(_coding(LOCAL, code, display))


LIVE_BIRTH_REPORT = _loinc("68998-4", "U.S. standard certificate of live birth - 2003 revision")
FETAL_DEATH_REPORT = _loinc("69045-3", "U.S. standard report of fetal death - 2003 revision")
TITLES = {"notification": "Birth notification", "statistical": "Medical statistical form"}
KINDS = {
    "notification": _local("birthNotification", TITLES["notification"]),
    "statistical": _local("medicalStatisticalForm", TITLES["statistical"]),
}
# The author of every document: this system's export.
AUTHOR = {
    "resourceType": "Device",
    "deviceName": [{"name": "Moederschapsdossier eBirth export", "type": "user-friendly-name"}],
}

# BFDR's sections: the mother (administrative), her prenatal history, the medical and health
# information of the delivery, and the newborn or the fetus.
MOTHER, PRENATAL, MEDICAL, CHILD = "mother", "prenatal", "medical", "child"
SECTIONS = {
    MOTHER: ("92014-0", "Mother"),
    PRENATAL: ("57073-9", "Prenatal"),
    MEDICAL: ("55752-0", "Medical and health information"),
}
NEWBORN_SECTION, FETUS_SECTION = ("57075-4", "Newborn"), ("76400-1", "Fetus")

BIRTH_WEIGHT = _loinc("8339-4", "Birth weight Measured")
APGAR = {
    "apgar1": _loinc("9272-6", "1 minute Apgar Score"),
    "apgar5": _loinc("9274-2", "5 minute Apgar Score"),
}
GESTATIONAL_AGE = _loinc("11884-4", "Gestational age Estimated")
PLURALITY = _loinc("57722-1", "Birth plurality of Pregnancy")
BIRTH_ORDER = _loinc("73771-8", "Birth order")
PRESENTATION = _loinc(
    "73761-9", "Fetal presentation--at birth [US Standard Certificate of Live Birth]"
)
DELIVERY_ROUTE = _loinc(
    "73762-7", "Final route and method of delivery [US Standard Certificate of Live Birth]"
)
INFANT_LIVING = _loinc(
    "73757-7", "Infant living at time of report [US Standard Certificate of Live Birth]"
)
MOTHER_AGE = _loinc("30525-0", "Age")
PARITY = _loinc("11977-6", "[#] Parity")
CONCEPTION = _local("conception", "Conception")
INDUCTION = _local("induction", "Induction of labour")
EPIDURAL = _local("epidural", "Epidural analgesia")
EPISIOTOMY = _local("episiotomy", "Episiotomy")
GESTATIONAL_DAYS = _local("gestationalDays", "Days of gestation beyond the completed weeks")
CONGENITAL_ANOMALY = _local("congenitalAnomaly", "Congenital anomaly")
NEONATAL_ADMISSION = _local("neonatalAdmission", "Admission to a neonatal unit")
VITAL_SIGNS = [_concept(_coding(OBSERVATION_CATEGORY, "vital-signs"))]
SURVEY = [_concept(_coding(OBSERVATION_CATEGORY, "survey"))]

GENDERS = {"F": "female", "M": "male", "U": "unknown"}
# Standard translations of the schema's codes, from BFDR's value sets (birth delivery
# occurred, fetal presentations, delivery routes).
PLACE_TYPES = {
    "hospital": _coding(SNOMED, "22232009", "Hospital"),
    "birth_centre": _coding(SNOMED, "91154008", "Free-standing birthing center"),
    "home": _coding(BFDR_LOCAL, "unknownplannedhomebirth", "Unknown if Planned Home Birth"),
    "elsewhere": _coding(NULL_FLAVOR, "OTH", "Other"),
}
PRESENTATIONS = {
    "cephalic": _coding(SNOMED, "70028003", "Vertex presentation (finding)"),
    "breech": _coding(SNOMED, "6096002", "Breech presentation (finding)"),
    "transverse": _coding(NULL_FLAVOR, "OTH", "Other"),
}
_CAESAREAN = _coding(SNOMED, "11466000", "Cesarean section (procedure)")
DELIVERY_ROUTES = {
    "spontaneous": _coding(SNOMED, "700000006", "Vaginal delivery of fetus (procedure)"),
    "vacuum": _coding(SNOMED, "61586001", "Delivery by vacuum extraction (procedure)"),
    "forceps": _coding(SNOMED, "302383004", "Forceps delivery (procedure)"),
    "planned_caesarean": _CAESAREAN,
    "emergency_caesarean": _CAESAREAN,
}


def _answer(schema_type: str, code: str, translations: dict | None = None) -> dict:
    """The schema's code, and its standard translation where there is one."""
    codings = [_coding(SCHEMA_CODES + schema_type, code)]
    if translations:
        codings.append(translations[code])
    return {"coding": codings}


def _quantity(value: int, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _reference(url: str) -> dict:
    return {"reference": url}


# The first hex digit of a uuid's 9th byte once its variant bits are set (RFC 4122).
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
_sha1 = hashlib.sha1


def _uuid5(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))`` without the UUID objects, many times faster (a
    Bundle needs some thirty ids, the export hundreds of thousands of Bundles): the SHA-1's
    first 16 bytes in hex, version digit 5, variant bits 10 (``_Template.fill`` too)."""
    h = _sha1(namespace + name.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def _facts(message: Message) -> dict:
    """What the Bundle takes from the message besides its fields: the time of the birth
    (``when``: the notification's date and time, the form's day), its day, the Bundle's
    timestamp, whether ``when`` has a time, and whether the child was stillborn."""
    content = message.content
    if message.kind == "notification":
        when = timestamp = content["birth"]["dateTime"]
        stillborn = content["child"]["vitalStatus"] == "stillbirth"
    else:
        when = content["birth"]["date"]
        timestamp = f"{when}T00:00:00+00:00"  # the form has the day of birth only
        stillborn = content["child"]["perinatalDeath"] == "stillbirth"
    return {
        "when": when,
        "date": when[:10],
        "timestamp": timestamp,
        "timed": "T" in when,
        "stillborn": stillborn,
    }


class _Document:
    """The entries of one Bundle, each filed in a Composition section."""

    def __init__(self, message: Message, facts: dict):
        self.namespace = self._namespace(message)
        self.when = facts["when"]  # the birth: the effective time of every observation
        self.date, self.timed = facts["date"], facts["timed"]
        self.entries: list[dict] = []
        self.sections: dict[str, list[dict]] = {}
        self.child = self.url(CHILD)
        self.mother = self.url(MOTHER)
        self.stillborn = facts["stillborn"]

    def _namespace(self, message: Message) -> bytes:
        return uuid.UUID(str(message.message_id)).bytes

    def id(self, name: str) -> str:
        return _uuid5(self.namespace, name)

    def url(self, name: str) -> str:
        return f"urn:uuid:{self.id(name)}"

    def entry(self, name: str, resource: dict) -> dict:
        id_ = self.id(name)
        resource = {"resourceType": resource["resourceType"], "id": id_, **resource}
        return {"fullUrl": f"urn:uuid:{id_}", "resource": resource}

    def add(self, section: str, name: str, resource: dict) -> None:
        entry = self.entry(name, resource)
        self.entries.append(entry)
        self.sections.setdefault(section, []).append(_reference(entry["fullUrl"]))

    def observation(
        self, section: str, name: str, code: dict, value: dict, subject: str | None = None, **more
    ) -> None:
        """``name`` (the field's, unique in the Bundle) seeds the id; ``value`` holds the
        value[x]."""
        self.add(
            section,
            name,
            {
                "resourceType": "Observation",
                "status": "final",
                **more,
                "code": code,
                "subject": _reference(subject or self.child),
                "effectiveDateTime": self.when,
                **value,
            },
        )

    def child_patient(
        self, content: dict, multiple: bool, order: int, total: int, deceased: bool
    ) -> dict:
        child = content["child"]
        patient = {
            "resourceType": "Patient",
            "identifier": [{"system": BIRTH_REFERENCE, "value": content["birthReference"]}],
            "gender": GENDERS[child["sex"]],
            "birthDate": self.date,
        }
        if self.timed:  # the notification's time of birth
            patient["_birthDate"] = {"extension": [{"url": BIRTH_TIME, "valueDateTime": self.when}]}
        if deceased:
            patient["deceasedBoolean"] = True
            if self.stillborn:
                patient["_deceasedBoolean"] = {
                    "extension": [{"url": FETAL_DEATH, "valueBoolean": True}]
                }
        if multiple:
            patient["multipleBirthInteger"] = order
            patient["_multipleBirthInteger"] = {
                "extension": [{"url": MULTIPLE_BIRTH_TOTAL, "valuePositiveInt": total}]
            }
        else:
            patient["multipleBirthBoolean"] = False
        return patient

    def birth_counts(self, order: int, total: int) -> None:
        self.observation(CHILD, "birthOrder", BIRTH_ORDER, {"valueInteger": order})
        self.observation(
            CHILD, "plurality", PLURALITY, {"valueInteger": total}, subject=self.mother
        )

    def place(self, birth: dict) -> None:
        location = {
            "resourceType": "Location",
            "mode": "instance",
            "type": [_answer("PlaceType", birth["placeType"], PLACE_TYPES)],
        }
        if "facility" in birth:
            location["name"] = birth["facility"]
        self.add(CHILD, "birth.place", location)

    def section(self, key: str) -> dict:
        if key == CHILD:
            code, title = FETUS_SECTION if self.stillborn else NEWBORN_SECTION
        else:
            code, title = SECTIONS[key]
        section = {"title": title, "code": _concept(_coding(LOINC, code))}
        if key != CHILD:
            section["focus"] = _reference(self.mother)
        section["entry"] = self.sections[key]
        return section


def _notification(doc: _Document, content: dict) -> None:
    mother, child, birth = content["mother"], content["child"], content["birth"]
    address = mother["address"]
    doc.add(
        MOTHER,
        MOTHER,
        {
            "resourceType": "Patient",
            "identifier": [{"system": SSIN, "value": mother["insz"]}],
            "name": [
                {"use": "official", "family": mother["familyName"], "given": [mother["givenName"]]}
            ],
            "birthDate": mother["dateOfBirth"],
            "address": [
                {
                    "use": "home",
                    "line": [address["street"]],
                    "city": address["municipality"],
                    "postalCode": address["postcode"],
                    "country": "BE",
                }
            ],
        },
    )
    order, total = child["birthOrder"], child["numberOfChildren"]
    doc.add(
        CHILD,
        CHILD,
        doc.child_patient(content, child["multipleBirth"], order, total, deceased=doc.stillborn),
    )
    doc.place(birth)
    doc.birth_counts(order, total)


def _statistical_form(doc: _Document, content: dict) -> None:
    mother, pregnancy, labour = content["mother"], content["pregnancy"], content["labour"]
    child = content["child"]
    doc.add(
        MOTHER,
        MOTHER,
        {"resourceType": "Patient", "address": [{"state": mother["province"], "country": "BE"}]},
    )
    doc.observation(
        MOTHER,
        "mother.ageYears",
        MOTHER_AGE,
        {"valueQuantity": _quantity(mother["ageYears"], "a")},
        subject=doc.mother,
    )
    doc.observation(
        PRENATAL, "mother.parity", PARITY, {"valueInteger": mother["parity"]}, subject=doc.mother
    )

    def maternal(name: str, code: dict, value: dict) -> None:
        doc.observation(MEDICAL, name, code, value, subject=doc.mother)

    maternal(
        "pregnancy.conception",
        CONCEPTION,
        {"valueCodeableConcept": _answer("Conception", pregnancy["conception"])},
    )
    doc.observation(
        MEDICAL,
        "labour.presentation",
        PRESENTATION,
        {"valueCodeableConcept": _answer("Presentation", labour["presentation"], PRESENTATIONS)},
    )
    maternal("labour.induction", INDUCTION, {"valueBoolean": labour["induction"]})
    maternal("labour.epidural", EPIDURAL, {"valueBoolean": labour["epidural"]})
    maternal(
        "labour.mode",
        DELIVERY_ROUTE,
        {"valueCodeableConcept": _answer("DeliveryMode", labour["mode"], DELIVERY_ROUTES)},
    )
    maternal("labour.episiotomy", EPISIOTOMY, {"valueBoolean": labour["episiotomy"]})

    death = child["perinatalDeath"]
    order, total = child["birthOrder"], pregnancy["numberOfFetuses"]
    doc.add(
        CHILD,
        CHILD,
        doc.child_patient(content, pregnancy["multiple"], order, total, deceased=death != "none"),
    )
    doc.place(content["birth"])
    doc.observation(
        CHILD,
        "child.birthWeightGrams",
        BIRTH_WEIGHT,
        {"valueQuantity": _quantity(child["birthWeightGrams"], "g")},
        category=VITAL_SIGNS,
    )
    doc.observation(
        CHILD,
        "pregnancy.gestationalWeeks",
        GESTATIONAL_AGE,
        {
            "valueQuantity": _quantity(pregnancy["gestationalWeeks"], "wk"),
            "component": [
                {
                    "code": GESTATIONAL_DAYS,
                    "valueQuantity": _quantity(pregnancy["gestationalDays"], "d"),
                }
            ],
        },
    )
    for field, code in APGAR.items():
        if field in child:
            doc.observation(
                CHILD, f"child.{field}", code, {"valueInteger": child[field]}, category=SURVEY
            )
    doc.birth_counts(order, total)
    anomaly = {"valueBoolean": child["congenitalAnomaly"]}
    if "anomalyDescription" in child:
        anomaly["note"] = [{"text": child["anomalyDescription"]}]
    doc.observation(CHILD, "child.congenitalAnomaly", CONGENITAL_ANOMALY, anomaly)
    doc.observation(
        CHILD,
        "child.neonatalAdmission",
        NEONATAL_ADMISSION,
        {"valueBoolean": child["neonatalAdmission"]},
    )
    if death != "stillbirth":
        doc.observation(
            CHILD, "child.perinatalDeath", INFANT_LIVING, {"valueBoolean": death == "none"}
        )


def _composition(message: Message, doc: _Document) -> dict:
    composition = {
        "resourceType": "Composition",
        "status": "amended" if message.revision > 0 else "final",
        "type": FETAL_DEATH_REPORT if doc.stillborn else LIVE_BIRTH_REPORT,
        "category": [KINDS[message.kind]],
        "subject": _reference(doc.child),
        "date": doc.when,
        "author": [_reference(doc.url("author"))],
        "title": TITLES[message.kind],
    }
    if message.corrects is not None:
        composition["relatesTo"] = [
            {
                "code": "replaces",
                "targetIdentifier": {"system": URI, "value": f"urn:uuid:{message.corrects}"},
            }
        ]
    composition["section"] = [
        doc.section(key) for key in (MOTHER, PRENATAL, MEDICAL, CHILD) if key in doc.sections
    ]
    return composition


def bundle(message: Message) -> dict:
    """The message as a FHIR R4 document Bundle: plain JSON data, to be serialised, not
    changed (its codes are shared between calls)."""
    facts = _facts(message)
    return _bundle(message, _Document(message, facts), facts)


def _bundle(message: Message, doc: _Document, facts: dict) -> dict:
    build = _notification if message.kind == "notification" else _statistical_form
    build(doc, message.content)
    return {
        "resourceType": "Bundle",
        "identifier": {"system": URI, "value": f"urn:uuid:{message.message_id}"},
        "type": "document",
        "timestamp": facts["timestamp"],
        "entry": [
            doc.entry("composition", _composition(message, doc)),
            *doc.entries,
            doc.entry("author", AUTHOR),
        ],
    }


# --- the Bundle as JSON text, per shape ----------------------------------------------------------

# The message's fields whose values decide the Bundle's structure (a code looked up, a
# branch taken); every other field's value only lands in the Bundle, and is filled in.
SWITCHES = frozenset(
    {
        ("child", "sex"),
        ("child", "multipleBirth"),
        ("child", "perinatalDeath"),
        ("pregnancy", "multiple"),
        ("birth", "placeType"),
        ("labour", "presentation"),
        ("labour", "mode"),
    }
)
# The facts of ``_facts`` that are values (the others decide the structure).
FACT_VALUES = ("when", "date", "timestamp")
TEMPLATES_KEPT = 2000  # shapes: a few hundred in practice
_ENCODE = {
    str: lambda text: encode_basestring_ascii(text)[1:-1],
    int: int.__repr__,
    bool: lambda flag: "true" if flag else "false",
}
_HASHABLE = {str, int, bool, float, type(None)}
_templates: dict[tuple, _Template] = {}


def bundle_json(message: Message, walked: tuple[int, list] | None = None) -> str:
    """``json.dumps(bundle(message), sort_keys=True)``, from the template of the message's
    shape (made the first time the shape is seen). ``walked``: ``formats.walk`` of the
    message's content."""
    shape, values, facts = _shape(message, walked or walk(message.content))
    template = _templates.get(shape)
    if template is None:
        if len(_templates) >= TEMPLATES_KEPT:
            _templates.clear()
        template = _templates[shape] = _Template(message, facts, values, shape[3])
    return template.fill(values, _message_namespace(message))


def _message_namespace(message: Message) -> bytes:
    message_id = message.message_id
    return (message_id if isinstance(message_id, uuid.UUID) else uuid.UUID(str(message_id))).bytes


def _shape(message: Message, walked: tuple[int, list]) -> tuple[tuple, list, dict]:
    """The message's shape (its content's structure, the switches' values, the facts that
    are not values...), its values in the order of a template's placeholders (the content's,
    the facts', the message id and the one it corrects), and its facts."""
    structure, values = walked
    facts = _facts(message)
    shape = (
        message.kind,
        message.revision,
        message.corrects is None,
        structure,
        *[_switch(values[index]) for index in _switches(structure)],
        *[fact for name, fact in facts.items() if name not in FACT_VALUES],
    )
    values = [
        *values,
        *[facts[name] for name in FACT_VALUES],
        str(message.message_id),
        str(message.corrects),
    ]
    return shape, values, facts


@cache
def _switches(structure: int) -> tuple[int, ...]:
    """Which values of a content structure are switches (or of a type not written as is)."""
    return tuple(
        index
        for index, (path, kind) in enumerate(value_fields(structure))
        if path in SWITCHES or kind not in _ENCODE
    )


def _switch(value):
    return value if type(value) in _HASHABLE else json.dumps(value, sort_keys=True)


class _Template:
    """The JSON text of one shape, cut where the values go; ``slots`` says which value goes
    into each cut: one of the values of ``_shape`` the text takes (``used``), or a resource
    id (``ids``).

    Made by running ``bundle`` on the message with a placeholder for each value: a string
    or number that refuses to be looked at (compared, hashed, tested, sliced, measured...),
    so that a value deciding the structure stops the build instead of becoming part of the
    text; then checked against ``bundle`` on the message itself."""

    def __init__(self, message: Message, facts: dict, values: list, structure: int):
        labels: list[str] = []
        content = _placeholders(message.content, iter(value_fields(structure)), labels)
        facts = {**facts, **{name: _placeholder(facts[name], name, labels) for name in FACT_VALUES}}
        message_id = _placeholder(str(message.message_id), "message id", labels)
        corrects = _placeholder(str(message.corrects), "corrects", labels)
        traced = Message(
            message.kind,
            message_id,
            message.revision,
            None if message.corrects is None else corrects,
            content,
        )
        doc = _TracingDocument(traced, facts, labels)
        try:
            text = json.dumps(_bundle(traced, doc, facts), sort_keys=True)
        except _Decides as error:
            raise RuntimeError(
                f"fhir: the Bundle's structure depends on {error}: add it "
                "to fhir.SWITCHES (or FACT_VALUES)"
            ) from None
        pieces = _PLACEHOLDER.split(text)
        self.parts = pieces[::3]
        slots = [
            int(string or number) for string, number in zip(pieces[1::3], pieces[2::3], strict=True)
        ]
        self.ids = [name.encode() for name in doc.ids]
        if len(values) + len(self.ids) != len(labels):
            raise RuntimeError("fhir: a template's values are out of step with its message")
        # The values the text takes (each encoded once), then the ids: ``fill``'s order.
        self.used = sorted({slot for slot in slots if slot < len(values)})
        position = {
            slot: index for index, slot in enumerate([*self.used, *range(len(values), len(labels))])
        }
        self.slots = [position[slot] for slot in slots]
        namespace = _message_namespace(message)
        if self.fill(values, namespace) != json.dumps(bundle(message), sort_keys=True):
            raise RuntimeError(
                f"fhir: the template made from {message.message_id} does not "
                "give its Bundle: a value decides the structure (fhir.SWITCHES)"
            )

    def fill(self, values: list, namespace: bytes) -> str:
        encoded = [_ENCODE[type(value)](value) for value in map(values.__getitem__, self.used)]
        encoded += [
            f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
            for h in [_sha1(namespace + name).hexdigest() for name in self.ids]
        ]  # uuid5
        text = [""] * (2 * len(self.slots) + 1)
        text[::2] = self.parts
        text[1::2] = [encoded[slot] for slot in self.slots]
        return "".join(text)


class _TracingDocument(_Document):
    """A ``_Document`` whose resource ids are placeholders (named for the resource)."""

    def __init__(self, message: Message, facts: dict, labels: list[str]):
        self.labels, self.ids = labels, {}
        super().__init__(message, facts)

    def _namespace(self, message: Message) -> bytes:
        return b""

    def id(self, name: str) -> str:
        if name not in self.ids:
            if _MARKS.search(name):
                raise _Decides(f"the name of resource {name!r}")
            self.ids[name] = _placeholder(name, f"the id of {name}", self.labels)
        return self.ids[name]


# --- placeholders ---------------------------------------------------------------------------


class _Decides(Exception):
    """A placeholder was looked at: its value decides something."""


_NUMBER_BASE = 9_876_543_210_987_600_000  # + the placeholder's index (under 100,000)
_PLACEHOLDER = re.compile(r"\\ue000(\d+)\\ue001|98765432109876(\d{5})")
_MARKS = re.compile("[\ue000\ue001]|98765432109876")


def _refuse(self, *args):
    raise _Decides(object.__getattribute__(self, "label"))


def _refuse_attributes(self, name: str):
    if name.startswith("__"):
        return object.__getattribute__(self, name)
    raise _Decides(object.__getattribute__(self, "label"))


def _format(self, spec: str) -> str:
    if spec:
        _refuse(self)
    return str.__str__(self) if isinstance(self, str) else int.__repr__(self)


_LOOKS = (
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__bool__",
    "__len__",
    "__contains__",
    "__getitem__",
    "__iter__",
    "__mul__",
    "__rmul__",
    "__mod__",
    "__rmod__",
)
_ARITHMETIC = (
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__truediv__",
    "__rtruediv__",
    "__floordiv__",
    "__rfloordiv__",
    "__divmod__",
    "__rdivmod__",
    "__pow__",
    "__rpow__",
    "__neg__",
    "__pos__",
    "__abs__",
    "__invert__",
    "__and__",
    "__rand__",
    "__or__",
    "__ror__",
    "__xor__",
    "__rxor__",
    "__lshift__",
    "__rlshift__",
    "__rshift__",
    "__rrshift__",
    "__index__",
    "__int__",
    "__float__",
    "__round__",
    "__trunc__",
    "__floor__",
    "__ceil__",
)
_REFUSING = dict.fromkeys(_LOOKS, _refuse) | {
    "__getattribute__": _refuse_attributes,
    "__format__": _format,
}
_Text = type("_Text", (str,), dict(_REFUSING))
_Number = type("_Number", (int,), {**_REFUSING, **dict.fromkeys(_ARITHMETIC, _refuse)})


def _placeholder(value, label: str, labels: list[str]):
    """A placeholder for the next value (a string for a string, a number otherwise)."""
    index = len(labels)
    labels.append(label)
    placeholder = (
        _Text(f"\ue000{index}\ue001") if type(value) is str else _Number(_NUMBER_BASE + index)
    )
    placeholder.label = label
    return placeholder


def _placeholders(content: dict, fields: Iterator, labels: list[str]) -> dict:
    """The content with a placeholder for each value but the switches, numbered in the order
    of ``formats.walk`` (``fields``: its ``value_fields``)."""
    traced = {}
    for name, value in content.items():
        if isinstance(value, dict):
            traced[name] = _placeholders(value, fields, labels)
            continue
        path, kind = next(fields)
        if path in SWITCHES or kind not in _ENCODE:
            labels.append(".".join(path))  # a switch: its own value, and no placeholder
            traced[name] = value
        else:
            traced[name] = _placeholder(value, ".".join(path), labels)
    return traced
