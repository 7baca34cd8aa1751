"""A useful inbox (issue 14): nobody is told of their own action, one record's arrivals of
a day are one line, each notice names whose record (as far as the reader may see) and
leads to the thing itself, read one by one or all at once."""

import pytest
from django.conf import settings
from django.urls import reverse

from careplan import content as plan_content
from careplan import services as plan_services
from dossier.sections import Section
from network import notices, selectors, services
from network.models import Level, Notification, Profession, Role
from tests.factories import ProfessionalFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    net = build_network()
    net.a.mother.given_name, net.a.mother.family_name = "Wilhelmina", "Zwartvleugel"
    net.a.mother.save()
    return net


def arrive(net, count=1):
    for _n in range(count):
        services.membership_add(
            actor=net.users["coordinator"],
            dossier=net.a,
            professional=ProfessionalFactory(profession=Profession.LACTATION_CONSULTANT),
        )


def inbox(client, reader):
    sign_in(client, reader)
    return client.get(reverse("network:inbox"))


def test_the_actor_is_not_told_of_her_own_action(net):
    arrive(net)
    coordinator = net.users["coordinator"]
    assert not Notification.objects.filter(recipient=coordinator).exists()
    assert Notification.objects.filter(recipient=net.users["gp"]).count() == 1
    assert Notification.objects.filter(recipient=net.users["mother"]).count() == 1


def test_a_days_arrivals_in_one_record_are_one_line(client, net):
    arrive(net, 3)
    page = inbox(client, net.users["gp"])
    [item] = page.context["items"]
    assert item.is_group and len(item.notices) == 3
    assert "3 people joined the care network." in page.text
    assert "Wilhelmina Zwartvleugel" in page.text  # whose record
    assert item.link == reverse("dossier:detail", args=[net.a.public_id])


def test_whose_record_is_named_only_as_far_as_the_reader_may_see(client, net):
    services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        role=Role.GP,
    )
    plan = plan_content.empty_plan()
    plan["checklist"]["car_seat"] = True
    plan_services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )
    page = inbox(client, net.users["gp"])
    [item] = page.context["items"]
    assert "Zwartvleugel" not in page.text
    assert item.whose == "the mother"
    # a care-plan notice leads to the plan itself
    assert item.link == reverse("careplan:plan", args=[net.a.public_id])
    assert f'href="{item.link}"' in page.text
    page = inbox(client, net.users["paediatrician"])
    assert page.context["items"][0].whose == "Wilhelmina Zwartvleugel"


def test_an_alert_notice_leads_to_the_alerts_page(net):
    from dossier.alerts import BY_CODE, Severity
    from network.alerting import raised

    alert = type(
        "Alert",
        (),
        {
            "dossier": net.a,
            "section": Section.POSTNATAL,
            "rule": next(iter(BY_CODE)),
            "severity": Severity.TODAY,
            "pk": None,
        },
    )()
    raised([alert], net.users["coordinator"])
    gp = net.users["gp"]
    [notice] = notices.render(selectors.notifications_for(gp), gp)
    assert notice.link == reverse("dossier:alerts", args=[net.a.public_id])


def test_every_linked_msgid_is_one_the_code_writes():
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    code = " ".join(
        " ".join(p.read_text().split())
        for app in ("network", "careplan", "dossier")
        for p in (root / app).rglob("*.py")
    )
    # the msgids are written as adjacent string literals; compare their words in order
    for msgid in notices.LINKS:
        first, last = msgid.split()[:3], msgid.split()[-2:]
        assert " ".join(first) in code and " ".join(last) in code, msgid


def test_one_notice_is_marked_read_then_all(client, net):
    arrive(net)
    plan = plan_content.empty_plan()
    plan["checklist"]["car_seat"] = True
    plan_services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )
    gp = net.users["gp"]
    page = inbox(client, gp)
    assert page.context["unread_notifications"] == 2
    first = page.context["items"][0]
    response = client.post(reverse("network:inbox"), {"notice": str(first.public_id)})
    assert response.status_code == 302
    assert selectors.unread_count(gp) == 1
    assert Notification.objects.get(public_id=first.public_id).read_at is not None
    assert client.post(reverse("network:inbox"), {"notice": "nope"}).status_code == 400
    # another reader's notice is not touched by a forged id
    other = Notification.objects.filter(recipient=net.users["mother"]).first()
    client.post(reverse("network:inbox"), {"notice": str(other.public_id)})
    other.refresh_from_db()
    assert other.read_at is None
    client.post(reverse("network:inbox"))
    assert selectors.unread_count(gp) == 0
