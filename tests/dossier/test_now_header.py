"""The record opens on "now" (issue 14): the header per phase and per reader's rights, the
sections in the phase's order with their navigation, and the page's queries constant."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careplan import content, services
from dossier.models import Measurement
from tests.factories import NewbornFactory, join
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    network = build_network()
    griet = network.users["coordinator"].professional
    griet.phone = "0470 12 34 56"
    griet.save(update_fields=["phone"])
    return network


def page(client, user, dossier) -> str:
    response = sign_in(client, user).get(reverse("dossier:detail", args=[dossier.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def header(text: str) -> str:
    return text[text.index('class="card now-header"') : text.index('class="record-nav"')]


def weigh(newborn, grams, hours_ago):
    Measurement.objects.create(
        newborn=newborn,
        weight_g=grams,
        measured_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_before_the_birth_the_gestational_age_today_and_the_pregnancy_first(net, client):
    text = page(client, net.users["coordinator"], net.b)
    weeks, days = net.b.gestational_age_on(timezone.localdate())
    now = header(text)
    assert 'data-now="gestational-age"' in now and f"{weeks}+{days}" in now
    assert 'data-now="baby"' not in now and 'data-now="day"' not in now
    assert (
        text.index('id="s-identity"') < text.index('id="s-prenatal"') < text.index('id="s-network"')
    )
    anchors = re.findall(r'<a href="#s-([a-z]+)">', text)
    assert anchors[:2] == ["identity", "prenatal"]
    assert all(f'id="s-{anchor}"' in text for anchor in anchors)


def test_without_the_pregnancy_section_no_gestational_age(net, client):
    join(net.b, net.users["assistant"])  # a maternity assistant never sees the pregnancy
    now = header(page(client, net.users["assistant"], net.b))
    assert 'data-now="gestational-age"' not in now
    assert 'href="#s-prenatal"' not in page(client, net.users["assistant"], net.b)


def test_after_the_birth_the_day_per_baby_with_the_weight_trend_and_follow_up_first(net, client):
    weigh(net.newborn, 3300, 20)
    weigh(net.newborn, 3250, 2)  # 50 g less than the weighing before
    text = page(client, net.users["coordinator"], net.a)
    now = header(text)
    assert now.count('data-now="baby"') == 1
    day = (timezone.localdate() - timezone.localtime(net.a.delivery.born_at).date()).days
    assert f": day {day} post partum" in now or f"dag {day}" in now.lower()
    assert "3.250 g" in now and "-50 g" in now
    # the actions of the moment
    assert (
        reverse("dossier:entries", args=[net.a.public_id, "huisbezoeken"])
        + "?toevoegen=1#h-entry-form"
    ) in now
    assert reverse("dossier:weight", args=[net.a.public_id, net.newborn.public_id]) in now
    assert 'href="tel:' not in now  # she is the one who answers: no button to call herself
    assert 'href="tel:0470 12 34 56"' in header(page(client, net.users["gp"], net.a))
    # the follow-up before the identity and the pregnancy
    assert (
        text.index('id="s-postnatal"')
        < text.index('id="s-newborn"')
        < text.index('id="s-identity"')
        < text.index('id="s-prenatal"')
    )
    assert re.findall(r'<a href="#s-([a-z]+)">', text)[0] == "postnatal"


def test_twins_each_their_line_and_weighing(net, client):
    twin = NewbornFactory(dossier=net.a, birth_order=2)
    weigh(twin, 3000, 3)
    now = header(page(client, net.users["coordinator"], net.a))
    assert now.count('data-now="baby"') == 2
    assert "not weighed since birth" in now or "niet gewogen" in now
    assert reverse("dossier:weight", args=[net.a.public_id, twin.public_id]) in now


def test_the_next_appointment_and_with_whom_only_with_the_care_plan(net, client):
    anne = net.users["paediatrician"]
    today = timezone.localdate()
    services.plan_save(
        actor=net.users["coordinator"],
        dossier=net.a,
        base_number=0,
        content={
            **content.empty_plan(),
            "appointments": [
                content.new_appointment(
                    "paediatric",
                    today + datetime.timedelta(6),
                    today + datetime.timedelta(9),
                    member=str(anne.professional.public_id),
                ),
                content.new_appointment(
                    "home_visit", today - datetime.timedelta(5), today - datetime.timedelta(3)
                ),
            ],
        },
    )  # over: not next
    now = header(page(client, net.users["gp"], net.a))
    assert 'data-now="next"' in now and anne.get_full_name() in now
    from network import services as network_services
    from network.models import Level

    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section="careplan",
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=net.users["gp"]),
    )
    assert 'data-now="next"' not in header(page(client, net.users["gp"], net.a))


def test_a_reader_who_may_not_write_visits_gets_no_visit_button(net, client):
    now = header(page(client, net.users["paediatrician"], net.a))
    assert "?toevoegen=1#h-entry-form" not in now
    assert 'data-now="baby"' in now  # she sees the newborns


def test_the_mother_sees_her_header_and_whom_to_call(net, client):
    now = header(page(client, net.users["mother"], net.a))
    assert 'data-now="baby"' in now and 'href="tel:0470 12 34 56"' in now


def test_the_same_queries_with_more_weighings_babies_and_appointments(net, client):
    griet = net.users["coordinator"]
    url = reverse("dossier:detail", args=[net.a.public_id])
    sign_in(client, griet)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    weigh(net.newborn, 3300, 20)
    services.plan_save(
        actor=griet,
        dossier=net.a,
        base_number=0,
        content={
            **content.empty_plan(),
            "appointments": [
                content.new_appointment("home_visit", timezone.localdate(), timezone.localdate())
            ],
        },
    )
    few = count()
    twin = NewbornFactory(dossier=net.a, birth_order=2)
    for hours in (10, 8, 6, 4):
        weigh(net.newborn, 3200 + hours, hours)
        weigh(twin, 3100 + hours, hours)
    services.plan_save(
        actor=griet,
        dossier=net.a,
        base_number=1,
        content={
            **content.empty_plan(),
            "appointments": [
                content.new_appointment(
                    "home_visit",
                    timezone.localdate() + datetime.timedelta(n),
                    timezone.localdate() + datetime.timedelta(n),
                )
                for n in range(6)
            ],
        },
    )
    assert count() == few
