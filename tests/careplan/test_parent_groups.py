"""Parent groups (R27): a group with its sessions, run by an organisation; the referral of a
mother from her care plan; her answer; the attendance per session — and the organisers,
outside her network, see her name only once she accepted, each time in her access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from careplan.group_models import Attendance, GroupReferral, GroupSession, ParentGroup
from dossier.sections import Section
from network.models import AccessEvent, Action, Organisation, OrganisationKind
from tests.conftest import sign_in_verified
from tests.factories import ProfessionalFactory
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    net = build_network()
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    other = Organisation.objects.create(name="Kraamzorg Elders", kind="home_help_private")
    net.users["organiser"] = ProfessionalFactory(user__username="roos", organisation=practice).user
    net.users["elsewhere"] = ProfessionalFactory(user__username="bram", organisation=other).user
    net.group = ParentGroup.objects.create(
        name="Samen ouder worden",
        organisation=practice,
        place="Groepsruimte De Wieg, Gent",
        language="nl",
        created_by=net.users["organiser"],
    )
    net.session = GroupSession.objects.create(
        group=net.group,
        starts_at=timezone.now() + datetime.timedelta(days=7),
        topic="Slapen en huilen",
    )
    return net


def as_(client, net, persona):
    client.logout()
    return sign_in_verified(client, net.users[persona])


def refer(client, net, persona="coordinator"):
    as_(client, net, persona)
    return client.post(
        reverse("careplan:group_refer", args=[net.a.public_id]), {"group": net.group.public_id}
    )


def answer(client, net, referral, value):
    as_(client, net, "mother")
    url = reverse("careplan:group_answer", args=[net.a.public_id, referral.public_id])
    return client.post(url, {"answer": value})


def group_page(client, net, persona="organiser"):
    as_(client, net, persona)
    return client.get(reverse("careplan:group", args=[net.group.public_id]))


def test_an_organisation_member_creates_a_group_and_plans_its_sessions(client, net):
    as_(client, net, "organiser")
    response = client.post(
        reverse("careplan:groups"),
        {"name": "CenteringParenting", "place": "Gent", "language": "fr", "description": ""},
    )
    group = ParentGroup.objects.get(name="CenteringParenting")
    assert response.status_code == 302 and group.organisation.name == "Vroedvrouwenpraktijk De Wieg"
    url = reverse("careplan:group", args=[group.public_id])
    response = client.post(
        url, {"starts_at": "2031-03-04T10:00", "duration_minutes": 90, "topic": "Voeding"}
    )
    assert response.status_code == 302 and group.sessions.get().topic == "Voeding"
    # bad input is refused on the field, no 5xx
    response = client.post(url, {"starts_at": "gisteren", "duration_minutes": 5, "topic": ""})
    assert response.status_code == 400
    assert "groups" in client.get(reverse("careplan:groups")).context
    # another organisation's professional does not find it; a mother runs no groups
    assert group_page(client, net, "elsewhere").status_code == 404
    as_(client, net, "mother")
    assert client.get(reverse("careplan:groups")).status_code == 403


def test_a_referral_from_the_plan_shows_her_name_only_once_she_accepts(client, net):
    assert refer(client, net).status_code == 302
    referral = GroupReferral.objects.get(dossier=net.a)
    assert referral.status == "proposed" and referral.referred_by == net.users["coordinator"]
    plan = client.get(reverse("careplan:plan", args=[net.a.public_id])).content.decode()
    assert "Samen ouder worden" in plan
    name = escape(net.a.mother.full_name)  # as the page writes it (D'hondt: D&#x27;hondt)
    page = group_page(client, net).content.decode()
    assert name not in page and escape(net.a.mother.family_name) not in page
    assert not AccessEvent.objects.filter(actor=net.users["organiser"], dossier=net.a).exists()
    # she sees the referral on her plan and accepts
    as_(client, net, "mother")
    plan = client.get(reverse("careplan:plan", args=[net.a.public_id])).content.decode()
    assert reverse("careplan:group_answer", args=[net.a.public_id, referral.public_id]) in plan
    assert answer(client, net, referral, "accept").status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.answered_by) == ("accepted", net.users["mother"])
    assert name in group_page(client, net).content.decode()
    seen = AccessEvent.objects.filter(actor=net.users["organiser"], dossier=net.a).get()
    assert (seen.action, seen.sections) == (Action.READ, [Section.IDENTITY])


def test_a_declined_referral_never_shows_her_name(client, net):
    refer(client, net)
    referral = GroupReferral.objects.get(dossier=net.a)
    answer(client, net, referral, "decline")
    referral.refresh_from_db()
    assert referral.status == "declined"
    assert net.a.mother.family_name not in group_page(client, net).content.decode()
    # declined: she can be referred again later
    assert refer(client, net).status_code == 302
    assert GroupReferral.objects.filter(dossier=net.a).count() == 2


@pytest.mark.parametrize(("persona", "status"), [("mother", 403), ("outsider", 404)])
def test_who_may_not_refer(client, net, persona, status):
    assert refer(client, net, persona).status_code == status
    assert not GroupReferral.objects.exists()


def test_a_mother_is_referred_once_per_group_and_only_she_answers(client, net):
    refer(client, net)
    refer(client, net)
    assert GroupReferral.objects.count() == 1
    referral = GroupReferral.objects.get()
    as_(client, net, "coordinator")
    url = reverse("careplan:group_answer", args=[net.a.public_id, referral.public_id])
    assert client.post(url, {"answer": "accept"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == "proposed"
    withdraw = reverse("careplan:group_withdraw", args=[net.a.public_id, referral.public_id])
    assert client.post(withdraw).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert answer(client, net, referral, "accept").status_code == 302  # refused with a message
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


def test_the_organiser_records_the_attendance(client, net):
    refer(client, net)
    referral = GroupReferral.objects.get()
    answer(client, net, referral, "accept")
    # another mother's referral, not answered: no row, even if posted
    refer_b = GroupReferral.objects.create(
        group=net.group, dossier=net.b, referred_by=net.users["coordinator"]
    )
    as_(client, net, "organiser")
    url = reverse("careplan:group_attendance", args=[net.group.public_id, net.session.public_id])
    response = client.post(url, {"present": [str(referral.public_id), str(refer_b.public_id)]})
    assert response.status_code == 302
    (row,) = Attendance.objects.all()
    assert (row.referral, row.present, row.recorded_by) == (
        referral,
        True,
        net.users["organiser"],
    )
    logged = AccessEvent.objects.filter(actor=net.users["organiser"], action=Action.UPDATE).get()
    assert (logged.dossier, logged.sections) == (net.a, [Section.CAREPLAN])
    as_(client, net, "mother")
    plan = client.get(reverse("careplan:plan", args=[net.a.public_id])).content.decode()
    assert "1 sessie bijgewoond" in plan or "1 session attended" in plan
    # someone of another organisation cannot record it
    as_(client, net, "elsewhere")
    assert client.post(url, {"present": []}).status_code == 404
    assert Attendance.objects.get().present is True
