""" "Vandaag": the professional's appointments due today and overdue, from the current
care plans; fulfilled ones leave; only hers; the mother named only with the identity
section; the same queries however many records."""

import datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careplan import content, services, today
from dossier.models import HomeVisit
from dossier.sections import Section
from network import services as network_services
from network.models import AccessEvent, Level
from tests.factories import DeliveryFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
URL = "/vandaag/"


def day(offset: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=offset)


def member(user) -> str:
    return str(user.professional.public_id)


def plan(dossier, actor, *appointments):
    services.plan_save(
        actor=actor,
        dossier=dossier,
        base_number=0,
        content={**content.empty_plan(), "appointments": list(appointments)},
    )


@pytest.fixture
def net():
    network = build_network()
    griet, anne = network.users["coordinator"], network.users["paediatrician"]
    plan(
        network.a,
        griet,
        content.new_appointment(
            "home_visit", day(-1), day(1), member=member(griet), appointment_id="due", time="10:00"
        ),
        content.new_appointment(
            "child_health", day(-6), day(-2), member=member(griet), appointment_id="overdue"
        ),
        content.new_appointment(
            "home_visit", day(2), day(4), member=member(griet), appointment_id="later"
        ),
        content.new_appointment(
            "home_visit",
            day(-1),
            day(0),
            member=member(griet),
            appointment_id="cancelled",
            status="cancelled",
        ),
        content.new_appointment(
            "paediatric", day(0), day(2), member=member(anne), appointment_id="annes"
        ),
    )
    return network


def ids(user):
    return [row.appointment["id"] for row in today.today_list(user)]


def test_due_today_and_overdue_only_hers_overdue_first(net):
    assert ids(net.users["coordinator"]) == ["overdue", "due"]
    assert ids(net.users["paediatrician"]) == ["annes"]
    assert ids(net.users["gp"]) == []


def test_a_home_visit_in_the_window_fulfils_it(net):
    HomeVisit.objects.create(
        dossier=net.a, visited_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert ids(net.users["coordinator"]) == ["overdue"]


def test_closed_records_and_a_plan_she_may_not_read_are_left_out(net):
    mother, anne = net.users["mother"], net.users["paediatrician"]
    network_services.consent_set(
        actor=mother,
        dossier=net.a,
        section=Section.CAREPLAN,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=anne),
    )
    assert ids(anne) == []


def test_the_page_names_the_mother_with_the_address_and_one_tap_into_the_form(net, client):
    before = AccessEvent.objects.count()
    page = sign_in(client, net.users["coordinator"]).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    mother = net.a.mother
    assert escape(mother.full_name) in text and escape(mother.municipality) in text
    assert "openstreetmap.org/search?query=" in text
    assert (
        reverse("dossier:entries", args=[net.a.public_id, "huisbezoeken"])
        + "?toevoegen=1#h-entry-form"
    ) in text
    assert text.index('data-appointment="overdue"') < text.index('data-appointment="due"')
    reads = AccessEvent.objects.order_by("pk")[before:]
    assert [(e.dossier_id, e.sections) for e in reads] == [
        (net.a.pk, [Section.CAREPLAN, Section.IDENTITY]),
    ]


def test_without_the_identity_section_she_is_the_mother_and_no_address(net, client):
    anne = net.users["paediatrician"]
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=anne),
    )
    text = sign_in(client, anne).get(URL).content.decode()
    assert 'data-appointment="annes"' in text
    assert escape(net.a.mother.full_name) not in text
    assert escape(net.a.mother.municipality) not in text
    assert "de moeder" in text and "openstreetmap" not in text


def test_empty_state(net, client):
    text = sign_in(client, net.users["gp"]).get(URL).content.decode()
    assert '<p class="empty">' in text and "today-row" not in text


@pytest.mark.parametrize("persona", ["mother", "other_mother"])
def test_not_for_a_mother(net, client, persona):
    assert sign_in(client, net.users[persona]).get(URL).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_same_queries_for_one_record_or_many(net, client):
    griet = net.users["coordinator"]

    def another_record():
        dossier = DeliveryFactory(dossier__coordinator=griet).dossier
        plan(
            dossier,
            griet,
            content.new_appointment("heel_prick", day(-1), day(1), member=member(griet)),
        )

    another_record()  # one of each kind first: each kind's queries are then counted
    sign_in(client, griet)
    client.get(URL)  # warm (content types, permissions)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    one = count()
    for _n in range(4):
        another_record()
    assert len(today.today_list(griet)) == 7
    assert count() == one


def test_pages_of_twenty(net, client):
    griet = net.users["coordinator"]
    for _n in range(21):
        dossier = DeliveryFactory(dossier__coordinator=griet).dossier
        plan(
            dossier,
            griet,
            content.new_appointment("home_visit", day(0), day(0), member=member(griet)),
        )
    sign_in(client, griet)
    first = client.get(URL).content.decode()
    assert first.count('class="card today-row') == 20
    second = client.get(URL + "?page=2").content.decode()
    assert second.count('class="card today-row') == 3
