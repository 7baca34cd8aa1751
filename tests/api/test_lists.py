"""Lists start from network.access.visible_dossiers: a persona counts what it may open,
25 to a page, and a row names the mother only when she shares her identity."""

import pytest

from dossier.sections import Section
from network import access, services
from network.models import Level, Outcome
from tests.api.conftest import token_client
from tests.factories import DossierFactory

LIST = "/api/dossiers/"


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("coordinator", 2),
        ("gp", 1),
        ("paediatrician", 1),
        ("assistant", 1),
        ("mother", 1),
        ("other_mother", 1),
        ("outsider", 0),
    ],
)
def test_the_count_is_what_the_persona_may_open(network, persona, expected):
    user = network.users[persona]
    body = token_client(user).get(LIST).json()
    assert body["count"] == expected == access.visible_dossiers(user).count()
    assert {row["public_id"] for row in body["results"]} == {
        str(d.public_id) for d in access.visible_dossiers(user)
    }


def test_it_pages_by_25(midwife):
    DossierFactory.create_batch(30, coordinator=midwife)
    client = token_client(midwife)
    first = client.get(LIST).json()
    assert first["count"] == 30
    assert len(first["results"]) == 25
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert not {r["public_id"] for r in first["results"]} & {
        r["public_id"] for r in second["results"]
    }


def test_a_row_names_the_mother_only_when_she_shares_her_identity(api, network, events):
    gp = api("gp")
    row = gp.get(LIST).json()["results"][0]
    assert row["identity"]["family_name"] == network.a.mother.family_name
    assert [(e.dossier, e.sections) for e in events.since()] == [(network.a, [Section.IDENTITY])]
    services.consent_set(
        actor=network.users["mother"],
        dossier=network.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=network.a.memberships.get(professional__user=network.users["gp"]),
    )
    events.reset()
    row = gp.get(LIST).json()["results"][0]
    assert "identity" not in row
    assert row["public_id"] == str(network.a.public_id)
    assert events.since() == []
    # ... and a search on her name finds nothing for him.
    assert gp.get(LIST, {"q": network.a.mother.family_name}).json()["count"] == 0


def test_a_list_logs_one_identity_read_per_row_shown(api, network, events):
    body = api("coordinator").get(LIST).json()
    logged = events.since()
    assert sorted(str(e.dossier.public_id) for e in logged) == sorted(
        r["public_id"] for r in body["results"]
    )
    assert {(tuple(e.sections), e.action, e.outcome) for e in logged} == {
        ((Section.IDENTITY,), "read", Outcome.ALLOWED)
    }


def test_it_filters_on_status_and_refuses_an_unknown_one(api, network):
    client = api("coordinator")
    body = client.get(LIST, {"status": "delivered"}).json()
    assert [r["public_id"] for r in body["results"]] == [str(network.a.public_id)]
    response = client.get(LIST, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_the_newborn_and_member_lists_are_paged_too(api, network):
    client = api("coordinator")
    base = f"/api/dossiers/{network.a.public_id}/"
    newborns = client.get(base + "newborns/").json()
    assert newborns["count"] == 1
    assert newborns["results"][0]["birth_weight_g"] == network.newborn.birth_weight_g
    members = client.get(base + "memberships/").json()
    assert members["count"] == 4
    assert members["results"][0]["role"] == "coordinator"
    assert members["results"][0]["professional"]["public_id"] == str(
        network.users["coordinator"].professional.public_id
    )


@pytest.mark.parametrize("asked", [None, "1", "2", "last", "3", "abc", "0", "1.0"])
def test_the_first_pages_read_in_one_statement_answer_as_the_paginator(midwife, monkeypatch, asked):
    """A care provider's first pages without a search come from one statement (the ids and
    the count, ``selectors.first_list_page``), as "My records" reads them: the answer is
    the paginator's own, a page that does not exist included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dossier import selectors

    DossierFactory.create_batch(30, coordinator=midwife)
    client = token_client(midwife)
    params = {} if asked is None else {"page": asked}
    with CaptureQueriesContext(connection) as one:
        fast = client.get(LIST, params)
    # the list paged as usual (no compiled page)
    monkeypatch.setattr(selectors, "current_list_page_later", lambda *_a, **_k: lambda: None)
    with CaptureQueriesContext(connection) as apart:
        slow = client.get(LIST, params)
    assert (fast.status_code, fast.json()) == (slow.status_code, slow.json())
    if asked in (None, "1", "2"):
        assert fast.status_code == 200 and len(one) == len(apart) - 1
