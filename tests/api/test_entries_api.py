"""The clinical entries over the API: the same rules as the pages (section access, who
writes which kind, validation, amendments with a reason, history, the access log), per
persona, and nothing of a section the caller may not see."""

import datetime

import pytest
from django.utils import timezone

from dossier.models import Delivery, EntryChange, HomeVisit, Measurement, PsychosocialAnamnesis
from network.models import Outcome
from tests.api.conftest import token_client
from tests.conftest import shared_rows
from tests.factories import noon_days_ago
from tests.network.test_permission_matrix import ENTRY_PAGES, PERSONAS, level, may_write
from tests.personas import build_network

pytestmark = pytest.mark.django_db
API_NAMES = {
    "consultaties": "consultations",
    "labo": "prenatal-labs",
    "psychosociaal": "psychosocial-anamnesis",
    "kort-verblijf": "short-stay",
    "ontslag": "discharge",
    "huisbezoeken": "home-visits",
    "telefoon": "phone-contacts",
    "opnames": "admissions",
    "kraamhulp": "home-help-need",
    "kraamhulp-uren": "home-help-days",
    "eigen-metingen": "own-observations",
    "voeding-luiers": "feeds-nappies",
}
SINGLE = {"psychosociaal", "kort-verblijf", "ontslag", "kraamhulp"}


# the matrix's network, built once for the module (tests.conftest.shared_rows)
_shared, network = shared_rows(lambda: build_network(gp_without_delivery=True), name="network")


def client_of(network, persona):
    user = network.users[persona]
    if user is None:
        from rest_framework.test import APIClient

        return APIClient()
    return token_client(user)


def base(network, kind):
    return f"/api/dossiers/{network.a.public_id}/{API_NAMES[kind]}/"


def when(minutes=10):
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", ENTRY_PAGES)
def test_reading_and_writing_each_kind_follows_the_policy(network, persona, kind, events):
    client = client_of(network, persona)
    url = base(network, kind)
    response = client.get(url)
    sees = level(persona, ENTRY_PAGES[kind]) >= 1
    if persona == "anonymous":
        assert response.status_code in (401, 403)
        return
    if persona in ("outsider", "other_mother"):
        assert response.status_code == 404
    elif not sees:
        assert response.status_code == 403
    else:  # a kind recorded once answers 404 until it is filled in
        assert response.status_code == (404 if kind in SINGLE else 200)
    events.reset()
    write = client.put if kind in SINGLE else client.post
    response = write(url, {}, format="json")
    if sees and may_write(persona, kind):
        assert response.status_code in (200, 201, 400)
    else:
        assert response.status_code in (403, 404)
        assert [e.outcome for e in events.since()] == [Outcome.DENIED]


def test_a_home_visit_with_a_baby_weight_over_the_api(network, events):
    # born and visited at noon in Belgium: "day 1" whatever the hour the test runs at (a visit
    # ten minutes ago, just after midnight, is still the day of a birth 24 hours ago)
    born = noon_days_ago(2)
    Delivery.objects.filter(dossier=network.a).update(
        born_at=born, admitted_at=born - datetime.timedelta(hours=8)
    )
    client = client_of(network, "coordinator")
    newborn = str(network.newborn.public_id)
    response = client.post(
        base(network, "huisbezoeken"),
        {
            "visited_at": noon_days_ago(1).isoformat(),
            "temperature_c": "37.3",
            "bp_systolic": 115,
            "bp_diastolic": 70,
            "epds_score": 13,
            "babies": [{"newborn": newborn, "weight_g": 3020, "jaundice": "mild"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["day_post_partum"] == 1 and data["epds_alarming"] is True
    assert data["babies"][0]["weight_g"] == 3020
    assert Measurement.objects.get().weight_g == 3020
    # the maternity assistant sees the visit (postnatal, view) and the babies (newborn, view)
    listing = client_of(network, "assistant").get(base(network, "huisbezoeken")).json()
    assert listing["count"] == 1 and listing["results"][0]["babies"]


def test_the_babies_are_absent_for_whoever_may_not_see_the_newborn(network):
    from dossier.sections import Section
    from network import services
    from network.models import Level

    client_of(network, "coordinator").post(
        base(network, "huisbezoeken"),
        {
            "visited_at": when(),
            "babies": [{"newborn": str(network.newborn.public_id), "weight_g": 3000}],
        },
        format="json",
    )
    assistant = network.users["assistant"]
    services.consent_set(
        actor=network.users["mother"],
        dossier=network.a,
        section=Section.NEWBORN,
        level=Level.NONE,
        membership=network.a.memberships.get(professional__user=assistant),
    )
    row = client_of(network, "assistant").get(base(network, "huisbezoeken")).json()["results"][0]
    assert "babies" not in row


def test_an_amendment_needs_a_reason_and_keeps_the_history(network):
    client = client_of(network, "coordinator")
    created = client.post(
        base(network, "telefoon"),
        {
            "started_at": when(),
            "duration_minutes": 8,
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
        },
        format="json",
    ).json()
    url = base(network, "telefoon") + created["id"] + "/"
    refused = client.patch(url, {"duration_minutes": 18}, format="json")
    assert refused.status_code == 400 and "change_reason" in refused.json()
    amended = client.patch(url, {"duration_minutes": 18, "change_reason": "tikfout"}, format="json")
    assert amended.status_code == 200 and amended.json()["duration_minutes"] == 18
    change = EntryChange.objects.filter(table_name="dossier_phonecontact").first()
    assert change.reason == "tikfout" and change.old_values["duration_minutes"] == 8


def test_validation_messages_name_the_field(network):
    response = client_of(network, "coordinator").post(
        base(network, "huisbezoeken"),
        {"visited_at": when(), "temperature_c": "44.0"},
        format="json",
    )
    assert response.status_code == 400 and "temperature_c" in response.json()
    assert not HomeVisit.objects.exists()


def test_the_discharge_is_confirmed_only_with_every_step_or_a_reason(network):
    client = client_of(network, "coordinator")
    url = base(network, "ontslag")
    refused = client.put(
        url,
        {"needs_mother_assessed": True, "confirm": True, "discharged_at": when()},
        format="json",
    )
    assert refused.status_code == 400 and "open_steps_reason" in refused.json()
    accepted = client.put(
        url,
        {"confirm": True, "discharged_at": when(), "open_steps_reason": "Vertrek op eigen verzoek"},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["is_confirmed"] and accepted.json()["open_steps"]
    network.a.refresh_from_db()
    assert network.a.status == "postnatal"


def test_the_anamnesis_flags_vulnerability_and_stays_with_the_coordinator(network):
    response = client_of(network, "coordinator").put(
        base(network, "psychosociaal"),
        {"interviewed_on": timezone.localdate().isoformat(), "violence": "now"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["vulnerable"] is True
    assert PsychosocialAnamnesis.objects.get().vulnerable
    assert client_of(network, "assistant").get(base(network, "psychosociaal")).status_code == 403


def test_the_mother_adds_her_own_temperature(network):
    response = client_of(network, "mother").post(
        base(network, "eigen-metingen"),
        {"kind": "temperature", "noted_at": when(), "value": "37.9"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["unit"] == "°C"
    refused = client_of(network, "coordinator").post(
        base(network, "eigen-metingen"),
        {"kind": "temperature", "noted_at": when(), "value": "37.9"},
        format="json",
    )
    assert refused.status_code == 403


def test_the_schema_lists_every_entry_route(db):
    import json

    from rest_framework.test import APIClient

    paths = set(json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)["paths"])
    for kind, name in API_NAMES.items():
        assert f"/api/dossiers/{{public_id}}/{name}/" in paths
        if kind not in SINGLE:
            assert f"/api/dossiers/{{public_id}}/{name}/{{entry_id}}/" in paths


def test_the_screenings_of_a_newborn_over_the_api(network):
    url = f"/api/dossiers/{network.a.public_id}/newborns/{network.newborn.public_id}/screenings/"
    states = client_of(network, "assistant").get(url).json()
    assert {s["kind"] for s in states} == {"cchd", "bilirubin", "heel_prick", "hearing"}
    assert all(s["last"] is None for s in states)
    refused = client_of(network, "assistant").post(
        url, {"kind": "hearing", "done_at": when(), "result": "normal"}, format="json"
    )
    assert refused.status_code == 403  # the assistant sees the newborn, does not write it
    missing_note = client_of(network, "coordinator").post(
        url, {"kind": "hearing", "done_at": when(), "result": "refer"}, format="json"
    )
    assert missing_note.status_code == 400 and "note" in missing_note.json()
    done = client_of(network, "coordinator").post(
        url, {"kind": "hearing", "done_at": when(), "result": "normal"}, format="json"
    )
    assert done.status_code == 201
    states = {s["kind"]: s for s in client_of(network, "coordinator").get(url).json()}
    assert states["hearing"]["status"] == "done"
