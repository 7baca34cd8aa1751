"""Notifications are stored as references and rendered when the inbox is read (issue 13):
in the reader's language of the moment, under her rights of the moment. A member whose
membership ended no longer sees those about that record; a notice created after the
mother closed her identity names "the mother"; a notice about a section the reader lost
is gone; the inbox costs the same queries for one notice or many."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_noop

from careplan import content as plan_content
from careplan import services as plan_services
from dossier.sections import Section
from network import notices, selectors, services
from network.models import EndReason, Level, Notification, Profession, Role
from tests.factories import DossierFactory, ProfessionalFactory, join
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Wilhelmina", "Zwartvleugel"


@pytest.fixture
def net():
    net = build_network()
    mother = net.a.mother
    mother.given_name, mother.family_name = GIVEN, FAMILY
    mother.save()
    return net


def newcomer(net, dossier=None, **names):
    """A lactation consultant joins: every member and the mother hear of it."""
    professional = ProfessionalFactory(profession=Profession.LACTATION_CONSULTANT, **names)
    services.membership_add(
        actor=net.users["coordinator"], dossier=dossier or net.a, professional=professional
    )
    return professional


def inbox(client, reader):
    sign_in(client, reader)
    return client.get(reverse("network:inbox"))


def shown(page) -> list[str]:
    return [n.shown for n in notices.render(page.context["page"].object_list, page.context["user"])]


def test_an_ended_member_no_longer_sees_the_notices_about_that_record(client, net):
    gp, coordinator = net.users["gp"], net.users["coordinator"]
    elsewhere = DossierFactory(coordinator=coordinator)
    join(elsewhere, gp)
    newcomer(net, user__first_name="Ellen", user__last_name="Dupont")
    newcomer(net, elsewhere, user__first_name="Sofie", user__last_name="Claes")
    before = inbox(client, gp)
    assert "Ellen Dupont" in before.text and "Sofie Claes" in before.text
    assert before.context["unread_notifications"] == 2

    services.membership_end(
        actor=coordinator,
        membership=net.a.memberships.get(professional__user=gp),
        reason=EndReason.CARE_ENDED,
    )
    after = inbox(client, gp)
    assert "Ellen Dupont" not in after.text and FAMILY not in after.text
    assert "Sofie Claes" in after.text  # the other record's notices stay
    assert {n.dossier_id for n in after.context["page"].object_list} == {elsewhere.pk}
    assert after.context["unread_notifications"] == 1
    # the rows are kept (the recipient's history), only not shown
    assert Notification.objects.filter(recipient=gp, dossier=net.a).count() >= 2


def test_a_notice_renders_under_the_readers_rights_of_the_moment(client, net):
    gp, mother = net.users["gp"], net.users["mother"]
    newcomer(net, user__first_name="Ellen", user__last_name="Dupont")  # before the change
    assert FAMILY in inbox(client, gp).text
    services.consent_set(
        actor=mother, dossier=net.a, section=Section.IDENTITY, level=Level.NONE, role=Role.GP
    )
    newcomer(net, user__first_name="Sofie", user__last_name="Claes")  # after the change
    page = inbox(client, gp)
    assert GIVEN not in page.text and FAMILY not in page.text
    texts = shown(page)
    assert len(texts) == 2
    assert all("de moeder" in text for text in texts if "Dupont" in text or "Claes" in text)
    # the paediatrician, who sees her identity, reads her name in the same notices (the
    # coordinator, who added them, is not told of her own action: issue 14)
    assert FAMILY in inbox(client, net.users["paediatrician"]).text
    # the mother gives it back: the stored notices name her again, nothing was rewritten
    services.consent_set(
        actor=mother, dossier=net.a, section=Section.IDENTITY, level=None, role=Role.GP
    )
    assert FAMILY in inbox(client, gp).text


def test_a_notice_is_rendered_in_the_readers_language_of_the_moment(client, net):
    gp = net.users["gp"]
    services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        role=Role.GP,
    )
    newcomer(net, user__first_name="Ellen", user__last_name="Dupont")
    assert "de moeder" in inbox(client, gp).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("network:inbox"))
    assert "a rejoint le réseau de soins de la mère" in page.text
    assert "de moeder" not in page.text


def test_a_notice_about_a_section_the_reader_lost_is_not_shown(client, net):
    gp, mother = net.users["gp"], net.users["mother"]
    plan = plan_content.empty_plan()
    plan["checklist"]["car_seat"] = True
    plan_services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )
    page = inbox(client, gp)
    assert page.context["unread_notifications"] == 1
    assert Notification.objects.get(recipient=gp).section == Section.CAREPLAN
    services.consent_set(
        actor=mother, dossier=net.a, section=Section.CAREPLAN, level=Level.NONE, role=Role.GP
    )
    page = inbox(client, gp)
    assert list(page.context["page"].object_list) == []
    assert page.context["unread_notifications"] == 0
    assert selectors.unread_count(gp) == 0


def test_a_notice_stored_as_text_before_is_shown_only_under_the_rights_of_the_moment(client, net):
    gp = net.users["gp"]
    Notification.objects.create(
        recipient=gp, dossier=net.a, text=f"Iemand vervoegde het zorgnetwerk van {GIVEN} {FAMILY}."
    )
    assert FAMILY in inbox(client, gp).text
    services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        role=Role.GP,
    )
    page = inbox(client, gp)
    assert FAMILY not in page.text and len(page.context["page"].object_list) == 1


def test_the_stored_notice_holds_ids_not_names(net):
    professional = newcomer(net, user__first_name="Ellen", user__last_name="Dupont")
    stored = Notification.objects.filter(recipient=net.users["gp"]).get()
    assert stored.text == ""
    assert stored.params["member"] == {"user": professional.user_id}
    assert stored.params["mother"] == {"mother": net.a.mother.pk}
    assert "Dupont" not in str(stored.params) and FAMILY not in str(stored.params)


def test_a_notice_needs_its_parameters_when_written_not_when_read(net):
    with pytest.raises(KeyError):
        services.notify(net.a, [net.users["gp"]], gettext_noop("%(missing)s left."))
    assert not Notification.objects.exists()


def test_the_inbox_costs_the_same_queries_for_one_notice_or_many(client, net):
    gp = net.users["gp"]
    newcomer(net)
    sign_in(client, gp)
    url = reverse("network:inbox")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert len(page.context["page"].object_list) == 1
    elsewhere = DossierFactory(coordinator=net.users["coordinator"])
    join(elsewhere, gp)
    for dossier in (net.a, elsewhere, net.a, elsewhere, net.a):
        newcomer(net, dossier)
    concern = services.concern_raise(actor=gp, dossier=net.a, text="Zorgen.", urgency="today")
    services.concern_acknowledge(
        actor=net.users["coordinator"], concern=concern, response="Gebeld."
    )
    plan = plan_content.empty_plan()
    plan["checklist"]["car_seat"] = True
    plan_services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["page"].object_list) == 8
    assert len(many) == len(one), "\n".join(q["sql"][:300] for q in many.captured_queries)


def test_an_alert_notice_names_its_rule_and_severity_in_the_readers_language(net):
    from django.utils import translation

    from dossier.alerts import BY_CODE, Severity
    from network.alerting import raised

    code, rule = next(iter(BY_CODE.items()))
    alert = type(
        "Alert",
        (),
        {
            "dossier": net.a,
            "section": Section.POSTNATAL,
            "rule": code,
            "severity": Severity.TODAY,
            "pk": None,
        },
    )()
    raised([alert], net.users["coordinator"])
    gp = net.users["gp"]
    stored = Notification.objects.get(recipient=gp)
    assert stored.params == {
        "severity": {"choice": "dossier.alerts.Severity", "value": "today"},
        "title": {"alert_rule": code},
    }
    for language in ("nl", "fr"):
        with translation.override(language):
            [text] = [n.shown for n in notices.render(selectors.notifications_for(gp), gp)]
            assert str(rule.title) in text and str(Severity.TODAY.label) in text


def test_the_header_count_rides_on_the_roles_and_asks_again_when_there_are_unread(net):
    """The header's first look (any unread?) is read with the user's roles, which every
    page reads: a reader with none costs no statement more; one with some is counted, and a
    notification read after the roles were read is not counted (issue 16)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from network import access

    gp = User.objects.get(pk=net.users["gp"].pk)  # a fresh user: nothing read yet
    assert access.is_care_provider(gp)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_count(gp) == 0
    assert len(queries) == 0
    Notification.objects.create(recipient=gp, dossier=net.a, text="Iemand vervoegde het netwerk.")
    still = User.objects.get(pk=gp.pk)
    assert access.is_care_provider(still)
    assert access.any_unread(still) is True
    assert selectors.unread_count(still) == 1
    Notification.objects.filter(recipient=gp).update(read_at=timezone.now())
    assert selectors.unread_count(still) == 0  # read since the roles: counted again
    fresh = User.objects.get(pk=gp.pk)
    assert access.any_unread(fresh) is None  # roles not read: the count asks as before
    assert selectors.unread_count(fresh) == 0


def test_my_records_counts_her_unread_notifications_once(client, net):
    """'My records' writes its header ahead with the count; the ``inbox`` context processor,
    which every template gets, counts only when a template asks (issue 16)."""
    gp = net.users["gp"]
    Notification.objects.create(recipient=gp, dossier=net.a, text="Iemand vervoegde het netwerk.")
    sign_in(client, gp)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("dossier:dashboard"))
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and "network_notification" in q["sql"]
    ]
    assert len(counts) == 1, counts
    assert page.context["unread_notifications"] == 1
    assert '<span class="badge">1</span>' in page.text
