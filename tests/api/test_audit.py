"""Every read through the API leaves exactly one access-log event per record, listing the
sections shown, as the pages do; a response that shows no section leaves none."""

import pytest

from dossier.sections import Section
from network.models import Action, Outcome

SECTIONS = set(Section.values)


@pytest.mark.parametrize("persona", ["coordinator", "gp", "paediatrician", "assistant", "mother"])
def test_a_dossier_read_logs_one_event_listing_the_sections_shown(api, network, events, persona):
    body = api(persona).get(f"/api/dossiers/{network.a.public_id}/").json()
    logged = events.since()
    assert len(logged) == 1
    assert logged[0].sections == sorted(set(body) & SECTIONS)
    assert {(e.actor, e.dossier, e.action, e.outcome) for e in logged} == {
        (network.users[persona], network.a, Action.READ, Outcome.ALLOWED)
    }


def test_the_log_follows_the_mothers_narrowing(api, network, events):
    api("mother").post(
        f"/api/dossiers/{network.a.public_id}/consent/",
        {"section": "identity", "level": 0, "role": "gp"},
        format="json",
    )
    events.reset()
    body = api("gp").get(f"/api/dossiers/{network.a.public_id}/").json()
    assert "identity" not in body
    assert Section.IDENTITY not in {s for e in events.since() for s in e.sections}


def test_newborn_reads_log_the_newborn_section_once(api, network, events):
    client = api("paediatrician")
    base = f"/api/dossiers/{network.a.public_id}/newborns/"
    client.get(base)
    client.get(f"{base}{network.newborn.public_id}/")
    assert [(e.sections, e.action) for e in events.since()] == [
        ([Section.NEWBORN], Action.READ)
    ] * 2


def test_reads_that_show_no_section_log_nothing(api, network, events):
    client = api("coordinator")
    client.get(f"/api/dossiers/{network.a.public_id}/memberships/")
    client.get(f"/api/dossiers/{network.a.public_id}/consent/")
    assert events.since() == []


def test_a_request_id_is_written_on_the_event(api, network, events):
    api("gp").get(f"/api/dossiers/{network.a.public_id}/", HTTP_X_REQUEST_ID="integratie-0001")
    assert {e.request_id for e in events.since()} == {"integratie-0001"}
