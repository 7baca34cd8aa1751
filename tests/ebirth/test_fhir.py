"""The eBirth messages as FHIR R4 document Bundles in the shape of HL7's BFDR guide: valid
for fhir.resources' R4B models (R4-compatible for these resources), every field of the
content somewhere in the Bundle, the statistical form without identity, a correction that
replaces its original, and the same JSON for the same message. No database: the births are
built by hand."""

import datetime
import importlib
import json
import uuid
import zoneinfo

import pytest
from fhir.resources.R4B.bundle import Bundle

from ebirth import content, fhir
from ebirth.births import Birth
from ebirth.formats import Message

BORN = datetime.datetime(2025, 3, 10, 13, 45, tzinfo=zoneinfo.ZoneInfo("UTC"))
LOCAL_BIRTH = "2025-03-10T14:45:00+01:00"  # Brussels time


def make_birth(**changes) -> Birth:
    fields = {
        "newborn_id": 1,
        "newborn_public_id": uuid.UUID("0b0e2a4c-5d53-4c1e-9a4e-1f6a2b3c4d5e"),
        "birth_order": 1,
        "sex": "F",
        "vital_status": "live",
        "birth_weight_g": 3350,
        "apgar_1": 8,
        "apgar_5": 9,
        "congenital_anomaly": "none",
        "anomaly_description": "",
        "neonatal_admission": False,
        "newborn_status": "with_mother",
        "dossier_pk": 1,
        "dossier_public_id": uuid.UUID("7d1f0e35-0d43-4a8e-b3f5-2c9e8d7b6a51"),
        "fetus_count": 1,
        "parity": 1,
        "conception": "spontaneous",
        "born_at": BORN,
        "place": "hospital",
        "maternity_ward": "AZ Sint-Jan Brugge, materniteit",
        "gestational_weeks": 39,
        "gestational_days": 4,
        "mode": "spontaneous",
        "presentation": "cephalic",
        "induction": False,
        "epidural": True,
        "episiotomy": False,
        "mother_insz": "90073012345",
        "mother_given_name": "Lotte",
        "mother_family_name": "Peeters",
        "mother_date_of_birth": datetime.date(1990, 7, 30),
        "mother_street": "Markt 7",
        "mother_postcode": "8000",
        "mother_municipality": "Brugge",
        "mother_province": "VWV",
        "newborns_recorded": 1,
        "changed_at": BORN,
    }
    fields.update(changes)
    return Birth(**fields)


BIRTHS = {
    "live singleton": make_birth(),
    "stillbirth": make_birth(
        newborn_public_id=uuid.UUID("5a8c7e21-9b64-4f0d-8e2a-3c1b5d7f9e02"),
        sex="U",
        vital_status="stillbirth",
        newborn_status="deceased",
        apgar_1=None,
        apgar_5=None,
        neonatal_admission=None,
        birth_weight_g=1400,
        gestational_weeks=30,
        gestational_days=0,
        place="home",
        maternity_ward="",
        mode="vacuum",
        presentation="breech",
        mother_province="WLG",
    ),
    "twin": make_birth(
        newborn_public_id=uuid.UUID("c3d9f1a8-2e47-4b6c-9d05-8f7e6a5b4c31"),
        sex="M",
        fetus_count=2,
        birth_order=2,
        newborns_recorded=2,
        congenital_anomaly="present",
        anomaly_description="Cheilognathopalatoschisis",
        neonatal_admission=True,
        newborn_status="deceased",
        conception="ivf_icsi",
        mode="emergency_caesarean",
        presentation="transverse",
        induction=True,
        episiotomy=True,
        place="birth_centre",
        maternity_ward="",
        apgar_1=4,
        apgar_5=7,
    ),
}
KINDS = ("notification", "statistical")


def message(birth: Birth, kind: str, revision: int = 0, corrects=None) -> Message:
    key = content.message_key(birth.newborn_public_id, kind, revision)
    return Message(kind, content.message_id(key), revision, corrects, content.BUILDERS[kind](birth))


def correction(kind: str) -> Message:
    """The live singleton's message corrected: the weight was mistyped."""
    original = message(BIRTHS["live singleton"], kind)
    return message(make_birth(birth_weight_g=3530), kind, 1, original.message_id)


MESSAGES = {
    f"{name}, {kind}": message(birth, kind) for name, birth in BIRTHS.items() for kind in KINDS
}
MESSAGES.update({f"correction, {kind}": correction(kind) for kind in KINDS})


@pytest.fixture(params=list(MESSAGES), ids=list(MESSAGES))
def sent(request) -> Message:
    return MESSAGES[request.param]


class View:
    """The parts of a Bundle the tests look at."""

    def __init__(self, data: dict):
        self.resources = {entry["fullUrl"]: entry["resource"] for entry in data["entry"]}
        self.composition = data["entry"][0]["resource"]
        self.child = self.resources[self.composition["subject"]["reference"]]
        self.mother = next(r for r in self.of_type("Patient") if r is not self.child)
        (self.location,) = self.of_type("Location")

    def of_type(self, resource_type: str) -> list[dict]:
        return [r for r in self.resources.values() if r["resourceType"] == resource_type]

    def observations(self, code: str) -> list[dict]:
        return [
            o
            for o in self.of_type("Observation")
            if any(c["code"] == code for c in o["code"]["coding"])
        ]

    def observation(self, code: str) -> dict:
        (found,) = self.observations(code)
        return found

    def value(self, code: str):
        """The observation's value as the content has it (a coded answer: the schema's)."""
        observation = self.observation(code)
        if "valueQuantity" in observation:
            return observation["valueQuantity"]["value"]
        if "valueCodeableConcept" in observation:
            return observation["valueCodeableConcept"]["coding"][0]["code"]
        (value,) = (v for k, v in observation.items() if k.startswith("value"))
        return value

    @property
    def fetal_death(self) -> bool:
        extensions = self.child.get("_deceasedBoolean", {}).get("extension", [])
        return any(e["url"] == fhir.FETAL_DEATH and e["valueBoolean"] for e in extensions)


SEX = {"female": "F", "male": "M", "unknown": "U"}


def _multiple(view: View) -> bool:
    if "multipleBirthInteger" in view.child:
        return True
    assert view.child["multipleBirthBoolean"] is False
    return False


def _perinatal_death(view: View) -> str:
    if view.fetal_death:
        return "stillbirth"
    return "none" if view.value("73757-7") else "neonatal"


# Where each leaf of the content lands, read back as the content has it.
LEAVES = {
    "birthReference": lambda v: v.child["identifier"][0]["value"],
    "mother.insz": lambda v: next(
        i["value"] for i in v.mother["identifier"] if i["system"] == fhir.SSIN
    ),
    "mother.givenName": lambda v: v.mother["name"][0]["given"][0],
    "mother.familyName": lambda v: v.mother["name"][0]["family"],
    "mother.dateOfBirth": lambda v: v.mother["birthDate"],
    "mother.address.street": lambda v: v.mother["address"][0]["line"][0],
    "mother.address.postcode": lambda v: v.mother["address"][0]["postalCode"],
    "mother.address.municipality": lambda v: v.mother["address"][0]["city"],
    "mother.ageYears": lambda v: v.value("30525-0"),
    "mother.parity": lambda v: v.value("11977-6"),
    "mother.province": lambda v: v.mother["address"][0]["state"],
    "pregnancy.conception": lambda v: v.value("conception"),
    "pregnancy.multiple": _multiple,
    "pregnancy.numberOfFetuses": lambda v: v.value("57722-1"),
    "pregnancy.gestationalWeeks": lambda v: v.value("11884-4"),
    "pregnancy.gestationalDays": lambda v: v.observation("11884-4")["component"][0][
        "valueQuantity"
    ]["value"],
    "labour.presentation": lambda v: v.value("73761-9"),
    "labour.induction": lambda v: v.value("induction"),
    "labour.epidural": lambda v: v.value("epidural"),
    "labour.mode": lambda v: v.value("73762-7"),
    "labour.episiotomy": lambda v: v.value("episiotomy"),
    "child.sex": lambda v: SEX[v.child["gender"]],
    "child.vitalStatus": lambda v: "stillbirth" if v.fetal_death else "live",
    "child.multipleBirth": _multiple,
    "child.numberOfChildren": lambda v: v.value("57722-1"),
    "child.birthOrder": lambda v: v.value("73771-8"),
    "child.birthWeightGrams": lambda v: v.value("8339-4"),
    "child.apgar1": lambda v: v.value("9272-6"),
    "child.apgar5": lambda v: v.value("9274-2"),
    "child.congenitalAnomaly": lambda v: v.value("congenitalAnomaly"),
    "child.anomalyDescription": lambda v: v.observation("congenitalAnomaly")["note"][0]["text"],
    "child.neonatalAdmission": lambda v: v.value("neonatalAdmission"),
    "child.perinatalDeath": _perinatal_death,
    "birth.dateTime": lambda v: v.child["_birthDate"]["extension"][0]["valueDateTime"],
    "birth.date": lambda v: v.child["birthDate"],
    "birth.placeType": lambda v: v.location["type"][0]["coding"][0]["code"],
    "birth.facility": lambda v: v.location["name"],
}


def leaves(data: dict, prefix: str = "") -> dict:
    found = {}
    for name, value in data.items():
        if isinstance(value, dict):
            found.update(leaves(value, f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = value
    return found


def references(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if "reference" in node else []
        return own + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


# --- every message ---------------------------------------------------------------------


def test_every_bundle_is_valid_fhir(sent):
    data = fhir.bundle(sent)
    assert json.loads(json.dumps(data)) == data  # plain JSON, nothing else
    Bundle.model_validate(data)
    for entry in data["entry"]:
        resource = entry["resource"]
        module = importlib.import_module(f"fhir.resources.R4B.{resource['resourceType'].lower()}")
        getattr(module, resource["resourceType"]).model_validate(resource)


def test_every_bundle_is_a_document_of_resolvable_entries(sent):
    data = fhir.bundle(sent)
    view = View(data)
    assert data["type"] == "document"
    assert data["identifier"] == {
        "system": "urn:ietf:rfc:3986",
        "value": f"urn:uuid:{sent.message_id}",
    }
    assert view.composition["resourceType"] == "Composition"
    assert data["entry"][0]["fullUrl"] == f"urn:uuid:{uuid.uuid5(sent.message_id, 'composition')}"
    urls = [entry["fullUrl"] for entry in data["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in data["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    assert set(references(data)) <= set(urls)
    in_sections = {
        ref["reference"] for section in view.composition["section"] for ref in section["entry"]
    }
    author = view.composition["author"][0]["reference"]
    assert in_sections == set(urls) - {urls[0], author}
    for observation in view.of_type("Observation"):
        assert observation["status"] == "final"
        assert observation["subject"]["reference"] in urls
        assert observation["code"]["coding"]
        assert len([key for key in observation if key.startswith("value")]) == 1


def test_every_leaf_of_the_content_lands_in_the_bundle(sent):
    view = View(fhir.bundle(sent))
    for path, value in leaves(sent.content).items():
        assert path in LEAVES, f"{path} has no place in the FHIR bundle"
        assert LEAVES[path](view) == value, path


def test_the_scenarios_reach_every_mapped_leaf():
    reached = {path for sent in MESSAGES.values() for path in leaves(sent.content)}
    assert reached == set(LEAVES)


def test_times_come_from_the_birth_and_the_json_never_changes(sent):
    data = fhir.bundle(sent)
    if sent.kind == "notification":
        assert data["timestamp"] == LOCAL_BIRTH == sent.content["birth"]["dateTime"]
    else:
        assert data["timestamp"] == f"{sent.content['birth']['date']}T00:00:00+00:00"
    again = fhir.bundle(
        Message(
            sent.kind,
            sent.message_id,
            sent.revision,
            sent.corrects,
            json.loads(json.dumps(sent.content)),
        )
    )
    assert json.dumps(again) == json.dumps(data) == json.dumps(fhir.bundle(sent))


def test_resource_ids_belong_to_the_message():
    ids = [{entry["fullUrl"] for entry in fhir.bundle(sent)["entry"]} for sent in MESSAGES.values()]
    assert all(not a & b for i, a in enumerate(ids) for b in ids[i + 1 :])


# --- specific mappings -----------------------------------------------------------------


def test_a_live_singleton_is_a_live_birth_report():
    notification = View(fhir.bundle(MESSAGES["live singleton, notification"]))
    form = View(fhir.bundle(MESSAGES["live singleton, statistical"]))
    for view in (notification, form):
        assert view.composition["status"] == "final"
        assert "relatesTo" not in view.composition
        assert view.composition["type"]["coding"] == [
            {
                "system": "http://loinc.org",
                "code": "68998-4",
                "display": "U.S. standard certificate of live birth - 2003 revision",
            }
        ]
        assert view.child["gender"] == "female"
        assert view.child["multipleBirthBoolean"] is False
        assert "deceasedBoolean" not in view.child
        assert [s["code"]["coding"][0]["code"] for s in view.composition["section"]][
            -1
        ] == "57075-4"
    assert notification.child["birthDate"] == "2025-03-10"
    assert notification.child["_birthDate"]["extension"] == [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
            "valueDateTime": LOCAL_BIRTH,
        }
    ]
    assert notification.mother["identifier"] == [
        {
            "system": "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
            "value": "90073012345",
        }
    ]
    assert notification.mother["address"] == [
        {
            "use": "home",
            "line": ["Markt 7"],
            "city": "Brugge",
            "postalCode": "8000",
            "country": "BE",
        }
    ]
    assert notification.location["name"] == "AZ Sint-Jan Brugge, materniteit"
    assert notification.location["type"][0]["coding"][1] == {
        "system": "http://snomed.info/sct",
        "code": "22232009",
        "display": "Hospital",
    }
    assert form.observation("8339-4")["valueQuantity"] == {
        "value": 3350,
        "unit": "g",
        "system": "http://unitsofmeasure.org",
        "code": "g",
    }
    assert form.observation("8339-4")["category"][0]["coding"][0]["code"] == "vital-signs"
    assert (form.value("9272-6"), form.value("9274-2")) == (8, 9)
    assert form.observation("11884-4")["valueQuantity"]["code"] == "wk"
    assert form.observation("11884-4")["component"][0]["valueQuantity"] == {
        "value": 4,
        "unit": "d",
        "system": "http://unitsofmeasure.org",
        "code": "d",
    }
    assert form.observation("30525-0")["valueQuantity"]["value"] == 34
    assert (
        form.observation("30525-0")["subject"]["reference"]
        == form.composition["section"][0]["focus"]["reference"]
    )
    assert form.value("73757-7") is True
    assert form.observation("73761-9")["valueCodeableConcept"]["coding"] == [
        {"system": "urn:be:moederschapsdossier:ebirth:Presentation", "code": "cephalic"},
        {
            "system": "http://snomed.info/sct",
            "code": "70028003",
            "display": "Vertex presentation (finding)",
        },
    ]
    assert form.observation("73762-7")["valueCodeableConcept"]["coding"][1]["code"] == "700000006"


def test_a_stillbirth_is_a_fetal_death_report():
    for kind in KINDS:
        view = View(fhir.bundle(MESSAGES[f"stillbirth, {kind}"]))
        assert view.composition["type"]["coding"][0]["code"] == "69045-3"
        assert view.composition["section"][-1]["code"]["coding"][0]["code"] == "76400-1"
        assert view.child["deceasedBoolean"] is True
        assert view.fetal_death
        assert view.child["gender"] == "unknown"
        assert "name" not in view.location  # born at home
        assert view.location["type"][0]["coding"][1]["code"] == "unknownplannedhomebirth"
    form = View(fhir.bundle(MESSAGES["stillbirth, statistical"]))
    assert not form.observations("9272-6") and not form.observations("9274-2")
    assert not form.observations("73757-7")  # not "infant living": never born alive
    assert form.mother["address"] == [{"state": "WLG", "country": "BE"}]


def test_a_twin_carries_its_birth_order_and_plurality():
    for kind in KINDS:
        view = View(fhir.bundle(MESSAGES[f"twin, {kind}"]))
        assert view.child["gender"] == "male"
        assert view.child["multipleBirthInteger"] == 2
        assert view.child["_multipleBirthInteger"]["extension"] == [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-multipleBirthTotal",
                "valuePositiveInt": 2,
            }
        ]
        assert view.value("73771-8") == 2
        assert view.value("57722-1") == 2
        assert (
            view.observation("57722-1")["subject"]["reference"]
            != view.composition["subject"]["reference"]
        )  # plurality is the pregnancy's
    form = View(fhir.bundle(MESSAGES["twin, statistical"]))
    assert form.value("73757-7") is False  # died in the neonatal period
    assert form.child["deceasedBoolean"] is True and not form.fetal_death
    assert form.value("neonatalAdmission") is True
    assert form.observation("congenitalAnomaly")["note"] == [{"text": "Cheilognathopalatoschisis"}]
    assert [c["code"] for c in form.observation("73762-7")["valueCodeableConcept"]["coding"]] == [
        "emergency_caesarean",
        "11466000",
    ]
    assert form.observation("73761-9")["valueCodeableConcept"]["coding"][1]["code"] == "OTH"


def test_a_correction_replaces_the_original_message():
    for kind in KINDS:
        original, corrected = MESSAGES[f"live singleton, {kind}"], MESSAGES[f"correction, {kind}"]
        view = View(fhir.bundle(corrected))
        assert view.composition["status"] == "amended"
        assert view.composition["relatesTo"] == [
            {
                "code": "replaces",
                "targetIdentifier": {
                    "system": "urn:ietf:rfc:3986",
                    "value": f"urn:uuid:{original.message_id}",
                },
            }
        ]
        assert fhir.bundle(corrected)["identifier"]["value"] == f"urn:uuid:{corrected.message_id}"
    assert View(fhir.bundle(MESSAGES["correction, statistical"])).value("8339-4") == 3530


def test_only_the_notification_names_the_mother():
    notification = fhir.bundle(MESSAGES["live singleton, notification"])
    assert View(notification).mother["name"] == [
        {"use": "official", "family": "Peeters", "given": ["Lotte"]}
    ]
    for name, sent in MESSAGES.items():
        if sent.kind != "statistical":
            continue
        data = fhir.bundle(sent)
        text = json.dumps(data)
        for identity in ("90073012345", "Lotte", "Peeters", "Markt 7", "1990-07-30", fhir.SSIN):
            assert identity not in text, name
        for patient in View(data).of_type("Patient"):
            assert "name" not in patient
            assert all(i["system"] != fhir.SSIN for i in patient.get("identifier", []))
        assert set(View(data).mother) == {"resourceType", "id", "address"}
