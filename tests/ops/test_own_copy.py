"""The mother's own copy (issue 15): a ZIP with a FHIR R4 Bundle and a readable PDF, hers
alone, holding her whole record and nothing of another, and logged in her access log. Her
prenatal lab results and how her pregnancy was dated are in it too (issue 18): laboratory
Observations coded with the labs table's LOINC codes, read against its reference.

Which sections the copy holds: she sees every section of her record
(``access.MOTHER_LEVELS``; a consent rule narrows a member's or a role's view, never hers),
so there is no narrowed copy to test — the download is logged with every section."""

import datetime
import importlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pypdf import PdfReader

from careplan import content as plan_content
from careplan import services as plan_services
from dossier import services
from dossier.labs import LabResult, LabTest, Rhesus
from dossier.models import HomeVisit, PhoneContact, PrenatalConsultation, PrenatalLab
from dossier.sections import Section
from network import services as network_services
from network.models import AccessEvent, Action, Level, Outcome
from tests.conftest import shared_rows, sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db

EVERY_TYPE = {
    "Patient",
    "EpisodeOfCare",
    "Observation",
    "Encounter",
    "CarePlan",
    "Consent",
    "AuditEvent",
}


def _fill(net, dossier, newborn, *, weight_kg, baby_g):
    """A consultation, a home visit with the baby weighed, a phone call and a care plan."""
    coordinator = net.users["coordinator"]
    born = dossier.delivery.born_at
    services.entry_record(
        actor=coordinator,
        entry=PrenatalConsultation(
            dossier=dossier,
            consulted_on=(born - datetime.timedelta(days=30)).date(),
            weight_kg=Decimal(weight_kg),
            bp_systolic=118,
            bp_diastolic=76,
            fetal_heart_rate=140,
            fundal_height_cm=Decimal("33.0"),
        ),
    )
    services.home_visit_record(
        actor=coordinator,
        visit=HomeVisit(
            dossier=dossier,
            visited_at=born + datetime.timedelta(hours=10),
            bp_systolic=121,
            bp_diastolic=79,
            temperature_c=Decimal("37.1"),
        ),
        babies=[{"newborn": newborn, "weight_g": baby_g, "temperature_c": Decimal("36.8")}],
    )
    services.entry_record(
        actor=coordinator,
        entry=PhoneContact(
            dossier=dossier,
            started_at=born + datetime.timedelta(hours=20),
            duration_minutes=12,
            caller="mother",
            reason="baby_feeding",
            outcome="advice",
        ),
    )
    day = (born + datetime.timedelta(days=7)).date()
    plan = plan_content.empty_plan()
    plan["appointments"] = [plan_content.new_appointment("paediatric", day, day)]
    plan_services.plan_save(actor=coordinator, dossier=dossier, content=plan, base_number=0)


def _labs(net, dossier, *, hb):
    """Her prenatal labs: a blood group with anti-D, a negative and an indeterminate
    serology, a positive swab, a haemoglobin and a glucose tolerance test."""
    born = dossier.delivery.born_at.date()
    for days, values in (
        (
            70,
            {
                "test": LabTest.BLOOD_GROUP,
                "abo": "O",
                "rhesus": Rhesus.NEGATIVE,
                "anti_d_given_on": born - datetime.timedelta(days=40),
                "anti_d_dose_ug": 300,
            },
        ),
        (70, {"test": LabTest.HBSAG, "result": LabResult.NEGATIVE}),
        (70, {"test": LabTest.SYPHILIS, "result": LabResult.INDETERMINATE}),
        (50, {"test": LabTest.HAEMOGLOBIN, "value": Decimal(hb)}),
        (
            40,
            {
                "test": LabTest.OGTT,
                "value": Decimal("95"),
                "value_1h": Decimal("170"),
                "value_2h": Decimal("140"),
            },
        ),
        (20, {"test": LabTest.GBS, "result": LabResult.POSITIVE}),
    ):
        services.entry_record(
            actor=net.users["coordinator"],
            entry=PrenatalLab(
                dossier=dossier, taken_on=born - datetime.timedelta(days=days), **values
            ),
        )


def _build():
    from django.test import Client

    client = Client()
    net = build_network()
    from tests.factories import DeliveryFactory, NewbornFactory

    # the other record: another mother's, in the same network, filled the same way
    net.b = DeliveryFactory(dossier=net.b).dossier
    other_baby = NewbornFactory(dossier=net.b)
    _fill(net, net.a, net.newborn, weight_kg="71.5", baby_g=3333)
    _fill(net, net.b, other_baby, weight_kg="88.8", baby_g=2777)
    _labs(net, net.a, hb="9.8")
    _labs(net, net.b, hb="12.3")
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.DELIVERY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=net.users["gp"]),
    )
    sign_in_verified(client, net.users["coordinator"])
    client.get(reverse("dossier:detail", args=[net.a.public_id]))  # who looked: Griet
    client.get(reverse("dossier:detail", args=[net.b.public_id]))
    client.logout()
    return net


# both filled records, built once for the module (tests.conftest.shared_rows)
_shared, net = shared_rows(_build, name="net")


def _download(client, user, dossier):
    sign_in_verified(client, user)
    return client.get(reverse("dossier:own_copy", args=[dossier.public_id]))


def _unzip(response) -> tuple[dict, bytes]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="mijn-dossier-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["dossier.fhir.json", "mijn-dossier.pdf"]
        return (json.loads(archive.read("dossier.fhir.json")), archive.read("mijn-dossier.pdf"))


def _resources(data, kind=None):
    return [
        e["resource"]
        for e in data["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def test_the_bundle_validates_as_fhir_r4(client, net):
    data, _pdf = _unzip(_download(client, net.users["mother"], net.a))
    assert data["type"] == "collection"
    Bundle.model_validate(data)
    for resource in _resources(data):
        module = importlib.import_module(f"fhir.resources.R4B.{resource['resourceType'].lower()}")
        getattr(module, resource["resourceType"]).model_validate(resource)
    urls = [entry["fullUrl"] for entry in data["entry"]]
    assert len(set(urls)) == len(urls)
    for resource in _resources(data):  # every reference resolves inside the Bundle
        for key in ("subject", "patient", "encounter"):
            if key in resource:
                assert resource[key]["reference"] in urls


def test_a_filled_record_has_every_resource_type_with_standard_codes(client, net):
    data, pdf = _unzip(_download(client, net.users["mother"], net.a))
    assert {r["resourceType"] for r in _resources(data)} == EVERY_TYPE
    codes = {c["code"] for r in _resources(data, "Observation") for c in r["code"]["coding"]}
    assert {"85354-9", "29463-7", "8310-5", "8339-4", "55283-6", "11881-0"} <= codes
    bp = next(
        r for r in _resources(data, "Observation") if r["code"]["coding"][0]["code"] == "85354-9"
    )
    assert {c["code"]["coding"][0]["code"] for c in bp["component"]} == {"8480-6", "8462-4"}
    baby_weights = [
        r["valueQuantity"]
        for r in _resources(data, "Observation")
        if r["code"]["coding"][0]["code"] == "29463-7" and r["valueQuantity"]["unit"] == "g"
    ]
    assert baby_weights == [
        {"value": 3333, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}
    ]
    encounters = {r["class"]["code"] for r in _resources(data, "Encounter")}
    assert encounters == {"AMB", "HH", "VR"}  # consultation, home visit, phone contact
    (consent,) = _resources(data, "Consent")
    assert consent["provision"]["type"] == "deny"
    gp = net.users["gp"]
    assert consent["provision"]["actor"][0]["reference"]["display"] == gp.get_full_name()
    looked = {r["agent"][0]["who"]["display"] for r in _resources(data, "AuditEvent")}
    assert net.users["coordinator"].get_full_name() in looked
    mother = _resources(data, "Patient")[0]
    assert mother["name"][0]["family"] == net.a.mother.family_name
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Mijn dossier" in text  # her language (Dutch)
    assert "71,5 kg" in text and "3333 g" in text


def test_the_copy_holds_nothing_of_another_record(client, net):
    assert AccessEvent.objects.filter(dossier=net.b).exists()
    logged_before = AccessEvent.objects.filter(dossier=net.a).count()
    data, pdf = _unzip(_download(client, net.users["mother"], net.a))
    text = json.dumps(data)
    assert str(net.b.public_id) not in text
    assert net.b.mother.family_name not in text
    values = {
        r["valueQuantity"]["value"] for r in _resources(data, "Observation") if "valueQuantity" in r
    }
    assert {71.5, 3333} <= values and not {88.8, 2777} & values  # hers, not the other's
    # her log up to this download (the download itself is logged once it is answered)
    assert len(_resources(data, "AuditEvent")) == logged_before
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "88,8" not in pdf_text and net.b.mother.family_name not in pdf_text


@pytest.mark.parametrize("persona", ["coordinator", "gp", "paediatrician"])
def test_a_professional_of_her_network_is_refused(client, net, persona):
    response = _download(client, net.users[persona], net.a)
    assert response.status_code == 403
    refused = AccessEvent.objects.filter(dossier=net.a, actor=net.users[persona]).latest("id")
    assert (refused.outcome, refused.action) == (Outcome.DENIED, Action.DOWNLOAD)


@pytest.mark.parametrize("persona", ["outsider", "other_mother"])
def test_someone_outside_the_record_gets_a_404(client, net, persona):
    assert _download(client, net.users[persona], net.a).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, net):
    response = client.get(reverse("dossier:own_copy", args=[net.a.public_id]))
    assert response.status_code == 302


def test_the_download_is_in_her_access_log(client, net):
    before = AccessEvent.objects.filter(dossier=net.a).count()
    _unzip(_download(client, net.users["mother"], net.a))
    events = AccessEvent.objects.filter(
        dossier=net.a, actor=net.users["mother"], action=Action.DOWNLOAD, outcome=Outcome.ALLOWED
    )
    [event] = events  # one event: the download, listing every section it holds
    assert sorted(event.sections) == sorted(Section.values)
    assert AccessEvent.objects.filter(dossier=net.a).count() == before + 1
    page = client.get(reverse("network:access_log", args=[net.a.public_id]), {"wie": "ik"})
    assert "Gedownload" in page.content.decode() or "Downloaded" in page.content.decode()


def test_her_record_page_offers_the_download_to_her_only(client, net):
    url = reverse("dossier:own_copy", args=[net.a.public_id])
    sign_in_verified(client, net.users["mother"])
    assert url in client.get(reverse("dossier:detail", args=[net.a.public_id])).content.decode()
    client.logout()
    sign_in_verified(client, net.users["coordinator"])
    assert url not in client.get(reverse("dossier:detail", args=[net.a.public_id])).content.decode()


# --- her prenatal labs and the dating (issue 18) ---------------------------------------------

LOINC = "http://loinc.org"


def _labs_of(data) -> dict[str, dict]:
    """Her laboratory Observations by the LOINC code (or the record's own code) of each."""
    found = {}
    for r in _resources(data, "Observation"):
        if r.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "laboratory":
            found[r["code"]["coding"][0]["code"]] = r
    return found


def _interpretation(resource) -> str:
    return resource["interpretation"][0]["coding"][0]["code"]


def test_her_labs_are_laboratory_observations_read_against_the_table(client, net):
    data, _pdf = _unzip(_download(client, net.users["mother"], net.a))
    found = _labs_of(data)
    assert set(found) == {"882-1", "5195-3", "22587-0", "718-7", "lab:ogtt", "72607-5"}
    mother = data["entry"][0]["fullUrl"]  # the first entry: her Patient
    for resource in found.values():
        assert resource["subject"]["reference"] == mother
        assert resource["status"] == "final" and "effectiveDateTime" in resource
    hb = found["718-7"]
    assert hb["code"]["coding"][0]["system"] == LOINC
    assert hb["valueQuantity"] == {
        "value": 9.8,
        "unit": "g/dL",
        "system": "http://unitsofmeasure.org",
        "code": "g/dL",
    }
    assert _interpretation(hb) == "L"  # below the anaemia threshold
    assert hb["referenceRange"][0]["text"]
    hbsag = found["5195-3"]
    assert hbsag["valueCodeableConcept"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "260385009",
        "display": "Negative",
    }
    assert _interpretation(hbsag) == "N"
    assert _interpretation(found["22587-0"]) == "IND"  # to repeat
    assert _interpretation(found["72607-5"]) == "A"  # a positive swab
    ogtt = found["lab:ogtt"]
    assert [c["code"]["coding"][0]["code"] for c in ogtt["component"]] == [
        "1552-9",
        "1507-3",
        "1518-0",
    ]
    assert [c["valueQuantity"]["value"] for c in ogtt["component"]] == [95, 170, 140]
    assert _interpretation(ogtt) == "H"  # fasting 95: gestational diabetes
    group = found["882-1"]
    assert group["valueCodeableConcept"]["coding"][0]["code"] == "LA21322-5"  # O Neg
    assert "interpretation" not in group  # any blood group is normal
    assert group["note"][0]["text"].endswith("(300 µg)")  # the anti-D given


def test_her_labs_validate_and_hold_nothing_of_another_record(client, net):
    data, pdf = _unzip(_download(client, net.users["mother"], net.a))
    for resource in _labs_of(data).values():
        Observation.model_validate(resource)
    values = json.dumps(data)
    assert "9.8" in values and "12.3" not in values
    assert len(_labs_of(data)) == PrenatalLab.objects.filter(dossier=net.a).count()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    with translation.override("nl"):
        assert str(LabTest.HAEMOGLOBIN.label) in text and str(LabTest.HBSAG.label) in text
    assert "9,8 g/dL" in text and "12,3" not in text


def test_the_due_date_says_how_it_was_dated(client, net):
    data, pdf = _unzip(_download(client, net.users["mother"], net.a))
    by_code = {r["code"]["coding"][0]["code"]: r for r in _resources(data, "Observation")}
    due = by_code["11778-8"]
    assert due["valueDateTime"] == net.a.expected_due_date.isoformat()
    assert due["method"]["coding"][0]["code"] == f"dating:{net.a.dating_method}"
    assert by_code["8665-2"]["valueDateTime"] == net.a.last_menstrual_period.isoformat()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert net.a.last_menstrual_period.strftime("%d-%m-%Y") in text
    with translation.override("nl"):
        assert net.a.dating_display in text


def test_her_questions_to_the_maternity_ward_and_their_answers_are_in_it(client, net):
    """The consult with the maternity ward (in her postnatal and newborn sections): each
    question a FHIR Communication about her or her baby, the answer and a later note in
    response to it; the PDF lists them."""
    from fhir.resources.R4B.communication import Communication

    from dossier import consult_services
    from dossier.models import ConsultUrgency
    from network.models import Organisation, OrganisationKind
    from tests.factories import ProfessionalFactory, join

    ward = Organisation.objects.create(
        name=net.a.delivery.maternity_ward,
        kind=OrganisationKind.MATERNITY_WARD,
        ward_phone="09 332 11 11",
    )
    wendy = ProfessionalFactory(user__username="wendy", organisation=ward).user
    join(net.a, wendy)
    baby = net.a.newborns.get()
    consult = consult_services.consult_ask(
        actor=net.users["coordinator"],
        dossier=net.a,
        question="Navel vochtig op dag 5, wat doen jullie?",
        urgency=ConsultUrgency.TODAY,
        newborn=baby,
    )
    consult_services.consult_answer(
        actor=wendy, consult=consult, answer="Droog deppen, kijk morgen."
    )
    consult_services.consult_note_add(actor=wendy, consult=consult, text="Bel ons bij roodheid.")

    data, pdf = _unzip(_download(client, net.users["mother"], net.a))
    talks = _resources(data, "Communication")
    for resource in talks:
        Communication.model_validate(resource)
    question = next(t for t in talks if "inResponseTo" not in t)
    patients = [e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"]
    mother, *babies = patients  # she comes first, then her babies (one here)
    assert question["subject"]["reference"] == babies[0] != mother
    assert question["payload"][0]["contentString"] == "Navel vochtig op dag 5, wat doen jullie?"
    question_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is question)
    replies = [t for t in talks if "inResponseTo" in t]
    assert {r["inResponseTo"][0]["reference"] for r in replies} == {question_url}
    assert sorted(r["payload"][0]["contentString"] for r in replies) == [
        "Bel ons bij roodheid.",
        "Droog deppen, kijk morgen.",
    ]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Navel vochtig" in text and "Droog deppen" in text
