"""The mother's own copy (issue 15): a ZIP with a FHIR R4 Bundle and a readable PDF, hers
alone, holding her whole record and nothing of another, and logged in her access log."""

import datetime
import importlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from careplan import content as plan_content
from careplan import services as plan_services
from dossier import services
from dossier.models import HomeVisit, PhoneContact, PrenatalConsultation
from dossier.sections import Section
from network import services as network_services
from network.models import AccessEvent, Action, Level, Outcome
from tests.conftest import sign_in_verified
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


@pytest.fixture
def net(client):
    net = build_network()
    from tests.factories import DeliveryFactory, NewbornFactory

    # the other record: another mother's, in the same network, filled the same way
    net.b = DeliveryFactory(dossier=net.b).dossier
    other_baby = NewbornFactory(dossier=net.b)
    _fill(net, net.a, net.newborn, weight_kg="71.5", baby_g=3333)
    _fill(net, net.b, other_baby, weight_kg="88.8", baby_g=2777)
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
