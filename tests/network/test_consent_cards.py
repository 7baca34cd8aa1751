""" "Wie ziet wat?" on a phone (issue 14): one card per provider and per profession, a plain
sentence of what each sees and may change, and a form per card that changes that card only."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from dossier.sections import Section
from network import access
from network.models import ConsentRule, Level, Role
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(network):
    return reverse("network:consent", args=[network.a.public_id])


def card_key(network, persona):
    member = network.a.memberships.get(
        professional__user=network.users[persona], ended_at__isnull=True
    )
    return f"member:{member.public_id}"


def test_each_member_and_role_has_a_card_with_a_plain_sentence(client, network):
    sign_in(client, network.users["mother"])
    page = client.get(url(network))
    assert page.status_code == 200
    cards = {
        card["key"]: card for card in page.context["member_cards"] + page.context["role_cards"]
    }
    gp = cards[card_key(network, "gp")]
    # the mother closed the delivery to Karim (tests/network/conftest.py)
    assert "delivery" not in gp["sees"].lower()
    assert "delivery" in gp["hidden"].lower()
    html = page.content.decode()
    karim = network.users["gp"].get_full_name()
    assert re.search(
        rf"<strong>{re.escape(karim)}</strong> \([^)]+\) sees: [^<]*prenatal", html, re.I
    )
    assert f"role:{Role.GP}" in cards
    # one form per card, each posting only its own cells
    assert html.count('name="card"') == len(cards)
    assert "wijziging(en)" not in html and "change(s)" not in html


def test_a_card_saves_only_its_own_cells(client, network):
    mother, gp = network.users["mother"], network.users["gp"]
    sign_in(client, mother)
    key = card_key(network, "gp")
    before = set(
        ConsentRule.objects.filter(dossier=network.a).values_list(
            "role", "membership_id", "section", "level"
        )
    )
    response = client.post(
        url(network),
        {
            "card": key,
            f"{key}:{Section.PRENATAL}": str(Level.NONE),
            # a cell of another card in the same post is ignored
            f"role:{Role.PAEDIATRICIAN}:{Section.PRENATAL}": str(Level.NONE),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#" + key.replace(":", "-"))
    after = set(
        ConsentRule.objects.filter(dossier=network.a).values_list(
            "role", "membership_id", "section", "level"
        )
    )
    added = after - before
    assert len(added) == 1 and after >= before
    [(role, membership_id, section, level)] = added
    assert membership_id == network.a.memberships.get(professional__user=gp).pk
    assert (role, section, level) == ("", Section.PRENATAL, Level.NONE)
    assert not access.can_view(gp, network.a, Section.PRENATAL)
    assert access.can_view(network.users["paediatrician"], network.a, Section.PRENATAL)
    page = client.get(url(network))
    assert "Your choices have been saved: 1 change, in force from now on." in page.text


def test_several_changes_are_counted_with_a_proper_plural(client, network):
    sign_in(client, network.users["mother"])
    key = f"role:{Role.PAEDIATRICIAN}"
    client.post(
        url(network),
        {"card": key, f"{key}:{Section.PRENATAL}": "0", f"{key}:{Section.POSTNATAL}": "0"},
    )
    page = client.get(url(network))
    assert "2 changes, in force from now on" in page.text
    client.post(url(network), {"card": key, f"{key}:{Section.PRENATAL}": "0"})
    assert "Nothing was changed." in client.get(url(network)).text


def test_a_card_refuses_an_unknown_level_and_the_coordinator_gets_no_form(client, network):
    sign_in(client, network.users["mother"])
    key = f"role:{Role.GP}"
    refused = client.post(url(network), {"card": key, f"{key}:{Section.NEWBORN}": "7"})
    assert refused.status_code == 400
    assert "Newborn: unknown access level." in refused.text
    assert access.can_view(network.users["gp"], network.a, Section.NEWBORN)
    sign_in(client, network.users["coordinator"])
    page = client.get(url(network))
    assert page.status_code == 200 and 'name="card"' not in page.text
    assert "sees:" in page.text
    client.post(url(network), {"card": key, f"{key}:{Section.NEWBORN}": "0"})
    assert access.can_view(network.users["gp"], network.a, Section.NEWBORN)
