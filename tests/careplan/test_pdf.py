"""The care plan as a PDF: downloaded by a reader of the plan, in the reader's language,
with the mother's name only for whoever may see her identity; the download logged; a 404
outside the network and before there is a plan."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from careplan import content, services
from careplan.pdf import plan_pdf
from dossier.sections import Section
from network.models import AccessEvent, Level, Outcome
from network.services import consent_set
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 10)


@pytest.fixture
def net():
    return build_network()


def member_id(net, persona):
    return str(net.users[persona].professional.public_id)


def make_plan(net):
    plan = content.empty_plan()
    plan["preferences"]["feeding"] = content.FeedingPreference.BREAST
    plan["expected_course"] = "Kort verblijf als alles vlot verloopt."
    plan["home_help"] = {"wish": content.HomeHelpWish.WANTED, "estimated_hours": 24}
    plan["discharge_notify"] = [member_id(net, "gp")]
    plan["checklist"]["car_seat"] = True
    plan["appointments"] = [
        content.new_appointment(
            content.AppointmentKind.PAEDIATRIC,
            DAY + datetime.timedelta(7),
            DAY + datetime.timedelta(10),
            member=member_id(net, "paediatrician"),
        ),
        content.new_appointment(
            content.AppointmentKind.FIRST_HOME_VISIT,
            DAY,
            DAY + datetime.timedelta(1),
            member=member_id(net, "coordinator"),
            note="Na 14 uur",
        ),
    ]
    return services.plan_save(
        actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0
    )


def url(net):
    return reverse("careplan:pdf", args=[net.a.public_id])


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def squeezed(text: str) -> str:
    """Without any white space: a table cell may wrap a label anywhere, depending on how
    wide the other columns (the random names) make it."""
    return "".join(text.split())


def last_event_id():
    return AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_the_coordinator_downloads_the_plan_in_dutch_and_it_is_logged(client, net):
    version = make_plan(net)
    sign_in(client, net.users["coordinator"])
    before = last_event_id()
    response = client.get(url(net))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="zorgplan-v{version.number}.pdf"'
    )
    text = pdf_text(response.content)
    with translation.override("nl"):
        kind = words(gettext(content.AppointmentKind.PAEDIATRIC.label))
        item = words(gettext(content.CHECKLIST["car_seat"]))
        done, to_do = gettext("done"), gettext("to do")
        product = gettext("Maternity record")
        due = gettext("expected due date")
    assert kind != "Paediatric consultation (day 7–10)"  # a real Dutch text, not the msgid
    assert squeezed(net.a.mother.full_name) in squeezed(text)
    assert squeezed(kind) in squeezed(text) and squeezed(item) in squeezed(text)
    assert done in text and to_do in text
    assert squeezed(product) in squeezed(text)
    assert squeezed("17-03-2025 – 20-03-2025") in squeezed(text)
    assert squeezed(f"{due.lower()}: {net.a.expected_due_date:%d-%m-%Y}") in squeezed(text.lower())
    assert squeezed(net.users["paediatrician"].get_full_name()) in squeezed(text)  # contact
    assert squeezed("Kort verblijf als alles vlot verloopt.") in squeezed(text)
    downloads = AccessEvent.objects.filter(id__gt=before, action="download")
    event = downloads.get()  # one event: the download, listing the parts it holds
    assert event.actor == net.users["coordinator"] and event.dossier == net.a
    assert event.outcome == Outcome.ALLOWED
    assert {Section.CAREPLAN, Section.IDENTITY} <= set(event.sections)


def test_the_pdf_follows_the_language_cookie(client, net, settings):
    make_plan(net)
    sign_in(client, net.users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(url(net)).content)
    assert squeezed("Paediatric consultation (day 7–10)") in squeezed(text)
    assert squeezed("A car seat for the way home") in squeezed(text)
    assert re.search(r"page 1 of [12]\b", text)
    assert squeezed("Who must be told of the discharge") in squeezed(text)


def test_a_reader_without_the_identity_section_gets_no_name(client, net):
    # a name no generated professional can share (Faker once gave a GP her surname)
    type(net.a.mother).objects.filter(pk=net.a.mother.pk).update(
        given_name="Zoëlle", family_name="Quintyn-Vermaelen"
    )
    net.a.mother.refresh_from_db()
    make_plan(net)
    mother, paediatrician = net.users["mother"], net.users["paediatrician"]
    consent_set(
        actor=mother,
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=paediatrician),
    )
    sign_in(client, paediatrician)
    before = last_event_id()
    response = client.get(url(net))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert net.a.mother.given_name not in text and net.a.mother.family_name not in text
    assert str(net.a.public_id)[:8] in text  # the record is named by its short id
    with translation.override("nl"):
        due, born = gettext("expected due date"), gettext("Born")
    assert due.lower() not in text.lower() and f"{born}:" not in text
    downloads = AccessEvent.objects.filter(id__gt=before, action="download")
    assert list(downloads.values_list("sections", flat=True)) == [[Section.CAREPLAN]]
    with translation.override("en"):  # the same rule outside the view
        assert net.a.mother.family_name not in pdf_text(plan_pdf(paediatrician, net.a))


def test_a_member_without_the_care_plan_is_refused_and_logged(client, net):
    make_plan(net)
    paediatrician = net.users["paediatrician"]
    consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.CAREPLAN,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=paediatrician),
    )
    sign_in(client, paediatrician)
    before = last_event_id()
    assert client.get(url(net)).status_code == 403
    events = AccessEvent.objects.filter(id__gt=before)
    assert [(e.sections, e.outcome) for e in events] == [([Section.CAREPLAN], Outcome.DENIED)]


def test_an_outsider_gets_a_404_and_the_denial_is_logged(client, net):
    make_plan(net)
    outsider = net.users["outsider"]
    sign_in(client, outsider)
    before = last_event_id()
    assert client.get(url(net)).status_code == 404
    events = AccessEvent.objects.filter(id__gt=before)
    assert events.count() == 1
    denied = events.get()
    assert denied.outcome == Outcome.DENIED and denied.actor == outsider
    assert denied.dossier == net.a


def test_no_plan_yet_is_a_404(client, net):
    sign_in(client, net.users["coordinator"])
    before = last_event_id()
    assert client.get(url(net)).status_code == 404
    assert not AccessEvent.objects.filter(id__gt=before, action="download").exists()


def test_anonymous_is_sent_to_sign_in(client, net, settings):
    make_plan(net)
    response = client.get(url(net))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_plan_page_links_to_the_pdf_once_there_is_a_plan(client, net):
    sign_in(client, net.users["coordinator"])
    plan_url = reverse("careplan:plan", args=[net.a.public_id])
    assert url(net) not in client.get(plan_url).text
    make_plan(net)
    assert url(net) in client.get(plan_url).text
