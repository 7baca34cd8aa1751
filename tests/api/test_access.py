"""Who reaches what through the API: the same answers as the pages, from network.access.

A dossier outside the user's network is a 404 on every route (and the refusal is logged);
a section the user may not see is absent from the output, not null."""

import uuid

import pytest

from dossier.sections import Section
from network import access, services
from network.models import ConsentRule, Level, Membership, Outcome
from tests.api.conftest import Events, token_client
from tests.factories import ProfessionalFactory, UserFactory

SECTIONS = set(Section.values)


def routes(network):
    """Every API route of one dossier, with a body that would be valid for a member."""
    a, newborn = network.a, network.newborn
    gp = a.memberships.get(professional__user=network.users["gp"])
    base = f"/api/dossiers/{a.public_id}/"
    return [
        ("get", base, None),
        ("patch", base, {"risk_notes": "Gezien"}),
        ("get", base + "newborns/", None),
        (
            "post",
            base + "newborns/",
            {"sex": "M", "birth_weight_g": 3000, "apgar_1": 8, "apgar_5": 9},
        ),
        ("get", f"{base}newborns/{newborn.public_id}/", None),
        ("patch", f"{base}newborns/{newborn.public_id}/", {"given_name": "Lena"}),
        ("get", base + "memberships/", None),
        ("post", base + "memberships/", {"professional": str(ProfessionalFactory().public_id)}),
        ("post", f"{base}memberships/{gp.public_id}/end/", {"reason": "care_ended"}),
        ("get", base + "consent/", None),
        ("post", base + "consent/", {"section": "identity", "level": 0, "role": "gp"}),
    ]


def call(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body else client.get(path)


def snapshot(dossier):
    dossier.refresh_from_db()
    return (
        dossier.risk_notes,
        dossier.updated_at,
        list(dossier.newborns.values_list("given_name", "updated_at")),
        list(Membership.objects.filter(dossier=dossier).values_list("pk", "ended_at")),
        ConsentRule.objects.filter(dossier=dossier).count(),
    )


@pytest.mark.parametrize("persona", ["outsider", "other_mother", "no_role"])
def test_it_answers_404_outside_the_network_on_every_route_and_logs_it(network, persona):
    user = network.users.get(persona) or UserFactory(username="zonderrol")
    client = token_client(user)
    before = snapshot(network.a)
    for method, path, body in routes(network):
        events = Events()
        response = call(client, method, path, body)
        assert response.status_code == 404, (method, path)
        assert network.a.mother.family_name not in response.content.decode()
        denied = events.since()
        assert [(e.actor, e.dossier, e.outcome) for e in denied] == [
            (user, network.a, Outcome.DENIED)
        ], (method, path)
    assert snapshot(network.a) == before


def test_an_unknown_dossier_is_the_same_404_and_logged(api, network, events):
    reference = uuid.uuid4()
    response = api("coordinator").get(f"/api/dossiers/{reference}/")
    assert response.status_code == 404
    assert [(e.dossier, e.dossier_ref, e.outcome) for e in events.since()] == [
        (None, str(reference), Outcome.DENIED)
    ]


def test_an_ended_membership_answers_404_on_the_very_next_request(api, network):
    gp = api("gp")
    assert gp.get(f"/api/dossiers/{network.a.public_id}/").status_code == 200
    response = api("coordinator").post(
        f"/api/dossiers/{network.a.public_id}/memberships/"
        f"{network.a.memberships.get(professional__user=network.users['gp']).public_id}/end/",
        {"reason": "care_ended"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["ended_at"] is not None
    assert gp.get(f"/api/dossiers/{network.a.public_id}/").status_code == 404


def detail(client, dossier):
    response = client.get(f"/api/dossiers/{dossier.public_id}/")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("persona", ["coordinator", "gp", "paediatrician", "assistant", "mother"])
def test_it_shows_exactly_the_sections_the_persona_may_see(network, persona):
    user = network.users[persona]
    body = detail(token_client(user), network.a)
    assert set(body) & SECTIONS == access.visible_sections(user, network.a)
    assert {"public_id", "status", "url", "newborns_url", "memberships_url", "consent_url"} <= set(
        body
    )
    assert all(value is not None for key, value in body.items() if key in SECTIONS)


def test_the_coordinator_and_the_mother_see_every_section(api, network):
    for persona in ("coordinator", "mother"):
        body = detail(api(persona), network.a)
        assert set(body) >= SECTIONS
        assert body["identity"]["family_name"] == network.a.mother.family_name
        assert body["prenatal"]["gravidity"] == network.a.gravidity
        assert body["delivery"]["mode"] == network.a.delivery.mode
        assert [n["public_id"] for n in body["newborn"]] == [str(network.newborn.public_id)]
        assert body["psychosocial"] == {}


def test_a_maternity_assistant_never_gets_the_psychosocial_section(api, network):
    body = detail(api("assistant"), network.a)
    assert "psychosocial" not in body
    assert "identity" in body
    # Not even the mother can open it to her: it lies above the role's limit.
    response = api("mother").post(
        f"/api/dossiers/{network.a.public_id}/consent/",
        {"section": "psychosocial", "level": Level.VIEW, "role": "maternity_assistant"},
        format="json",
    )
    assert response.status_code == 400
    assert "hoogstens" in response.json()["level"][0]  # keyed by the field it is about
    assert "psychosocial" not in detail(api("assistant"), network.a)


def test_the_mothers_narrowing_hides_the_key_on_the_very_next_request(api, network):
    gp = api("gp")
    assert "prenatal" in detail(gp, network.a)
    services.consent_set(
        actor=network.users["mother"],
        dossier=network.a,
        section=Section.PRENATAL,
        level=Level.NONE,
        membership=network.a.memberships.get(professional__user=network.users["gp"]),
    )
    body = detail(gp, network.a)
    assert "prenatal" not in body
    assert "last_menstrual_period" not in str(body)
    assert "identity" in body


def test_the_mother_narrows_and_restores_through_the_api(api, network):
    gp, mother = api("gp"), api("mother")
    member = network.a.memberships.get(professional__user=network.users["gp"])
    consent = f"/api/dossiers/{network.a.public_id}/consent/"
    assert "delivery" in detail(gp, network.a)
    response = mother.post(
        consent,
        {"section": "delivery", "level": Level.NONE, "membership": str(member.public_id)},
        format="json",
    )
    assert response.status_code == 200
    levels = {m["membership"]: m["levels"] for m in response.json()["members"]}
    assert levels[str(member.public_id)]["delivery"] == Level.NONE
    assert "delivery" not in detail(gp, network.a)
    response = mother.post(
        consent,
        {"section": "delivery", "level": None, "membership": str(member.public_id)},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["rules"] == []
    assert "delivery" in detail(gp, network.a)


def test_a_section_without_data_is_null_only_when_granted(api, network):
    body = detail(api("coordinator"), network.b)
    assert body["delivery"] is None
    assert body["newborn"] == []


def test_a_hidden_newborn_section_is_refused_inside_the_network(api, network, events):
    services.consent_set(
        actor=network.users["mother"],
        dossier=network.a,
        section=Section.NEWBORN,
        level=Level.NONE,
        membership=network.a.memberships.get(professional__user=network.users["gp"]),
    )
    gp = api("gp")
    events.reset()
    base = f"/api/dossiers/{network.a.public_id}/newborns/"
    for path in (base, f"{base}{network.newborn.public_id}/"):
        response = gp.get(path)
        assert response.status_code == 403
        assert "niet met u gedeeld" in response.json()["detail"]
    assert [(e.sections, e.action, e.outcome) for e in events.since()] == [
        ([Section.NEWBORN], "read", Outcome.DENIED)
    ] * 2
    assert "newborn" not in detail(gp, network.a)


def test_only_the_mother_and_the_coordinator_see_the_consent(api, network, events):
    path = f"/api/dossiers/{network.a.public_id}/consent/"
    for persona in ("mother", "coordinator"):
        response = api(persona).get(path)
        assert response.status_code == 200
        assert len(response.json()["members"]) == 4
    events.reset()
    response = api("gp").get(path)
    assert response.status_code == 403
    assert [(e.actor, e.outcome) for e in events.since()] == [(network.users["gp"], Outcome.DENIED)]
