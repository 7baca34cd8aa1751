"""Who hears of a plan's change: invitations (.ics, read back with the icalendar library,
times in UTC for a wall time in Europe/Brussels) and SMS through the outbox, the discharge
told to the GP and the people on the plan's list, the private calendar feed, and the SMS
gateway backend."""

import datetime
import http.server
import json
import threading
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from careplan import content, feeds, services
from dossier import services as dossier_services
from dossier.models import DischargeChecklist, HomeHelpChoice
from network import outbox, sms
from network.models import AccessEvent, Channel, DeliveryStatus, OutboxMessage
from tests.personas import build_network

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


@pytest.fixture
def net():
    network = build_network()
    for persona in ("coordinator", "gp"):
        professional = network.users[persona].professional
        professional.phone = "0470 11 22 33"
        professional.save()
        professional.user.email = f"{professional.user.username}@example.org"
        professional.user.save()
    return network


def pid(net, persona):
    return str(net.users[persona].professional.public_id)


def plan_with(net, *appointments, notify=(), base=0):
    plan = content.empty_plan()
    plan["appointments"] = list(appointments)
    plan["discharge_notify"] = list(notify)
    return services.plan_save(
        actor=net.users["mother"], dossier=net.a, content=plan, base_number=base
    )


def visit(net, member, *, time="10:30"):
    today = timezone.localdate()
    return content.new_appointment(
        "first_home_visit", today, today + datetime.timedelta(1), member=member, time=time
    )


def invitations():
    """The e-mails that carry an .ics (appointments), not the news of a new version."""
    return [m for m in mail.outbox if m.attachments]


def deliver_all(django_capture_on_commit_callbacks, make):
    with django_capture_on_commit_callbacks(execute=True):
        return make()


def test_an_appointment_invites_its_member_and_the_gp_on_the_discharge_list(
    net, django_capture_on_commit_callbacks
):
    appointment = visit(net, pid(net, "coordinator"))
    deliver_all(
        django_capture_on_commit_callbacks,
        lambda: plan_with(net, appointment, notify=[pid(net, "gp")]),
    )
    assert sorted(m.to[0] for m in invitations()) == sorted(
        [net.users["coordinator"].email, net.users["gp"].email]
    )
    texts = OutboxMessage.objects.filter(channel=Channel.SMS, status=DeliveryStatus.SENT)
    assert texts.count() == 2
    invitation = invitations()[0].attachments[0]
    calendar = icalendar.Calendar.from_ical(invitation[1])
    assert calendar["method"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")  # written in UTC: the same instant in every client
    assert start.utcoffset() == datetime.timedelta(0)
    local = start.astimezone(BRUSSELS)
    assert (local.hour, local.minute) == (10, 30)
    assert local.date() == timezone.localdate()


def test_an_unchanged_appointment_is_not_sent_again_and_a_cancelled_one_is_cancelled(
    net, django_capture_on_commit_callbacks
):
    appointment = visit(net, pid(net, "coordinator"), time="")
    deliver_all(django_capture_on_commit_callbacks, lambda: plan_with(net, appointment))
    sent = len(invitations())
    plan = content.empty_plan()
    plan["appointments"] = [appointment]
    plan["expected_course"] = "Rustig verloop"
    deliver_all(
        django_capture_on_commit_callbacks,
        lambda: services.plan_save(
            actor=net.users["mother"], dossier=net.a, content=plan, base_number=1
        ),
    )
    assert len(invitations()) == sent  # the appointment did not change
    plan["appointments"] = [{**appointment, "status": "cancelled"}]
    deliver_all(
        django_capture_on_commit_callbacks,
        lambda: services.plan_save(
            actor=net.users["mother"], dossier=net.a, content=plan, base_number=2
        ),
    )
    cancellation = icalendar.Calendar.from_ical(invitations()[-1].attachments[0][1])
    assert cancellation["method"] == "CANCEL"
    event = cancellation.walk("VEVENT")[0]
    assert isinstance(event.decoded("dtstart"), datetime.date)  # all-day, no time agreed


def test_the_same_change_never_makes_two_messages(net):
    version = plan_with(net, visit(net, pid(net, "coordinator")))
    before = OutboxMessage.objects.count()
    from careplan import messages

    messages.appointments_changed(net.a, version, content.empty_plan())  # replayed
    assert OutboxMessage.objects.count() == before
    message = OutboxMessage.objects.first()
    assert outbox.deliver(message.pk) == "sent"
    assert outbox.deliver(message.pk) == "not due"


def test_the_discharge_is_told_to_the_gp_and_the_plan_list(net, django_capture_on_commit_callbacks):
    plan_with(net, notify=[pid(net, "coordinator")])
    mail.outbox.clear()
    born = net.a.delivery.born_at
    checklist = DischargeChecklist(
        dossier=net.a,
        needs_mother_assessed=True,
        needs_child_assessed=True,
        first_home_visit_at=timezone.now() + datetime.timedelta(hours=3),
        first_home_visit_midwife=net.users["coordinator"],
        paediatric_consultation_on=timezone.localdate(born) + datetime.timedelta(days=8),
        home_help=HomeHelpChoice.NOT_WANTED,
        gp_informed=True,
    )
    deliver_all(
        django_capture_on_commit_callbacks,
        lambda: dossier_services.discharge_checklist_save(
            actor=net.users["coordinator"],
            checklist=checklist,
            discharged_at=timezone.now(),
            confirm=True,
        ),
    )
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([net.users["coordinator"].email, net.users["gp"].email])
    assert net.a.mother.full_name in mail.outbox[0].subject


def test_a_refused_change_sends_nothing(net):
    with pytest.raises(Exception):  # noqa: B017 - the outsider's refusal, any kind
        plan_with(net, visit(net, "not-a-member"))
    assert not OutboxMessage.objects.exists()


def test_the_private_calendar_feed(client, net):
    plan_with(net, visit(net, pid(net, "coordinator")), visit(net, pid(net, "gp")))
    feed = feeds.feed_renew(net.users["coordinator"].professional)
    response = client.get(reverse("careplan:feed", args=[feed.token]))
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1 and net.a.mother.full_name in str(events[0]["summary"])
    assert AccessEvent.objects.filter(
        actor=net.users["coordinator"], action="read", sections__contains=["careplan"]
    ).exists()
    renewed = feeds.feed_renew(net.users["coordinator"].professional)
    assert client.get(reverse("careplan:feed", args=[feed.token])).status_code == 404
    assert client.get(reverse("careplan:feed", args=[renewed.token])).status_code == 200
    feeds.feed_revoke(net.users["coordinator"].professional)
    assert client.get(reverse("careplan:feed", args=[renewed.token])).status_code == 404


class Gateway(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Gateway.received.append(
            (self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        self.send_response(202 if self.path == "/ok" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_http_gateway_backend_posts_to_the_configured_gateway(settings):
    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_BACKEND = "network.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_TOKEN = "geheim"
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/ok"
        sms.send_sms("+32470112233", "Huisbezoek morgen")
        assert Gateway.received[-1] == (
            "Bearer geheim",
            {"to": "+32470112233", "text": "Huisbezoek morgen"},
        )
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/broken"
        with pytest.raises(sms.SmsError):
            sms.send_sms("+32470112233", "?")
    finally:
        server.shutdown()


def test_the_members_the_plan_names_hear_of_a_new_version_by_e_mail(
    net, django_capture_on_commit_callbacks
):
    deliver_all(
        django_capture_on_commit_callbacks,
        lambda: plan_with(net, notify=[pid(net, "gp"), pid(net, "coordinator")]),
    )
    news = [m for m in mail.outbox if not m.attachments]
    assert sorted(m.to[0] for m in news) == sorted(
        [net.users["coordinator"].email, net.users["gp"].email]
    )
    assert all("1" in m.body for m in news)  # the version number


def test_the_discharge_reaches_the_inbox_too(net):
    from network.models import Notification

    plan_with(net, notify=[pid(net, "coordinator")])
    Notification.objects.all().delete()
    born = net.a.delivery.born_at
    dossier_services.discharge_checklist_save(
        actor=net.users["coordinator"],
        discharged_at=timezone.now(),
        confirm=True,
        checklist=DischargeChecklist(
            dossier=net.a,
            needs_mother_assessed=True,
            needs_child_assessed=True,
            first_home_visit_at=timezone.now() + datetime.timedelta(hours=3),
            first_home_visit_midwife=net.users["coordinator"],
            paediatric_consultation_on=timezone.localdate(born) + datetime.timedelta(days=8),
            home_help=HomeHelpChoice.NOT_WANTED,
            gp_informed=True,
        ),
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {net.users["coordinator"].username, net.users["gp"].username}
