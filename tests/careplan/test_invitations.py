"""Invitations as calendars and mail clients expect them, in every reader's language:
the MIME shape (plain, HTML, text/calendar with its iTIP method, the .ics attached), a
Message-ID that stays the same on every try, the sender's name and Reply-To; REQUEST and
CANCEL with one UID and a growing SEQUENCE when an appointment is planned, moved, handed
to someone else or deleted; the mother's own invitations, SMS and reminders, which she can
turn off; and texts that name no clinical detail and no mother a reader may not know."""

import datetime
import email
import email.policy

import icalendar
import pytest
import vobject
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from careplan import content, messages, services
from careplan.selectors import current_plan
from dossier.sections import Section
from network import outbox
from network import services as network_services
from network.models import Channel, DeliveryStatus, Level, OutboxMessage
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db
NOTE = "Bloeddruk 170/115, EPDS 22"  # clinical detail that no message may carry


@pytest.fixture
def net():
    network = build_network()
    for persona in ("coordinator", "gp"):
        user = network.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
        user.professional.phone = "0470 11 22 33"
        user.professional.save()
    mother = network.a.mother
    mother.email, mother.phone = "lotte@example.org", "0470 99 88 77"
    mother.save()
    return network


def pid(net, persona):
    return str(net.users[persona].professional.public_id)


def save(net, appointments, *, actor="coordinator", notify=("gp",), base=None):
    plan = content.empty_plan()
    plan["appointments"] = appointments
    plan["discharge_notify"] = [pid(net, p) for p in notify]
    if base is None:
        _plan, version = current_plan(net.a)
        base = version.number if version else 0
    return services.plan_save(actor=net.users[actor], dossier=net.a, content=plan, base_number=base)


def home_visit(net, *, days=1, time="10:30", member="coordinator", appointment_id=""):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return content.new_appointment(
        "home_visit",
        day,
        day,
        time=time,
        note=NOTE,
        member=pid(net, member),
        appointment_id=appointment_id,
    )


def sent_to(address, deliver):
    """The e-mails to this address as they left, parsed back from their bytes."""
    return [
        email.message_from_bytes(m.message().as_bytes(), policy=email.policy.default)
        for m in deliver
        if address in m.to
    ]


def calendar_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part, icalendar.Calendar.from_ical(part.get_content())


def send_all(django_capture_on_commit_callbacks, make):
    with django_capture_on_commit_callbacks(execute=True):
        return make()


def test_an_invitation_has_the_mime_shape_calendars_expect(net, django_capture_on_commit_callbacks):
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [home_visit(net)]))
    message = sent_to("karim@example.org", mail.outbox)[-1]
    types = [part.get_content_type() for part in message.walk()]
    assert types[:5] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert "application/ics" in types  # the same invitation as a file, for webmail
    part, calendar = calendar_of(message)
    assert part.get_param("method") == "REQUEST" == str(calendar["method"])
    event = calendar.walk("VEVENT")[0]
    assert "karim@example.org" in str(event["attendee"]).lower()
    assert str(event["organizer"]).lower() == "mailto:moederschapsdossier@localhost"
    # sent on behalf of the professional who planned it, replies go to her
    griet = net.users["coordinator"]
    assert message["From"].addresses[0].display_name.startswith(griet.get_full_name())
    assert str(message["Reply-To"]) == griet.email
    assert message["Auto-Submitted"] == "auto-generated"
    # a repeat after a crash is recognisable: the same Message-ID on every try
    row = OutboxMessage.objects.get(address="karim@example.org", calendar_method="REQUEST")
    assert outbox.email_message(row).message()["Message-ID"] == message["Message-ID"]


def test_no_clinical_detail_and_no_name_the_reader_may_not_know(
    net, django_capture_on_commit_callbacks
):
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=net.users["gp"]),
    )
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [home_visit(net)]))
    name = net.a.mother.full_name
    for row in OutboxMessage.objects.all():
        for text in (row.subject, row.body, row.html_body, row.calendar):
            assert NOTE not in text and "170/115" not in text
        if (
            row.address in {"karim@example.org", "0470 11 22 33"}
            and row.recipient == net.users["gp"]
        ):
            assert name not in row.subject + row.body + row.html_body + row.calendar
            assert net.a.mother.municipality not in row.body
    griet = OutboxMessage.objects.get(address="griet@example.org", calendar_method="REQUEST")
    assert name in griet.subject  # she may see the identity


def test_a_french_speaking_gp_gets_french(net, django_capture_on_commit_callbacks):
    gp = net.users["gp"].professional
    gp.language = "fr"
    gp.save()
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [home_visit(net)]))
    message = sent_to("karim@example.org", mail.outbox)[-1]
    assert message["Content-Language"] == "fr"
    assert message["Subject"].strip().startswith("Rendez-vous")
    assert "Visite à domicile" in message.get_body(("plain",)).get_content()
    _part, calendar = calendar_of(message)
    assert "Visite à domicile" in str(calendar.walk("VEVENT")[0]["summary"])
    sms = OutboxMessage.objects.get(channel=Channel.SMS, recipient=net.users["gp"])
    assert sms.language == "fr" and "Visite à domicile" in sms.body
    # and the organisation's language is the default of whoever chose none
    griet = OutboxMessage.objects.get(address="griet@example.org", calendar_method="REQUEST")
    assert griet.language == "nl"


def test_moving_reassigning_and_deleting_send_updates_and_cancellations(
    net, django_capture_on_commit_callbacks
):
    first = home_visit(net)
    v1 = send_all(django_capture_on_commit_callbacks, lambda: save(net, [first]))
    moved = {**first, "time": "14:00"}
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [moved]))
    handed = {**moved, "member": pid(net, "paediatrician")}
    net.users["paediatrician"].email = "anne@example.org"
    net.users["paediatrician"].save()
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [handed], notify=()))
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [], notify=()))

    def events(address):
        found = []
        for message in sent_to(address, mail.outbox):
            if any(p.get_content_type() == "text/calendar" for p in message.walk()):
                part, calendar = calendar_of(message)
                event = calendar.walk("VEVENT")[0]
                found.append(
                    (
                        part.get_param("method"),
                        int(event["sequence"]),
                        str(event["uid"]),
                        str(event["status"]),
                    )
                )
        return found

    uid = f"{net.a.public_id}-{first['id']}@moederschapsdossier"
    # Griet: invited, moved, then handed to Anne: cancelled for her
    assert events("griet@example.org") == [
        ("REQUEST", v1.number, uid, "CONFIRMED"),
        ("REQUEST", v1.number + 1, uid, "CONFIRMED"),
        ("CANCEL", v1.number + 2, uid, "CANCELLED"),
    ]
    # the GP left the discharge list with the hand-over: his copy is cancelled too
    assert [e[0] for e in events("karim@example.org")] == ["REQUEST", "REQUEST", "CANCEL"]
    # Anne: invited, then the appointment was deleted: cancelled
    assert events("anne@example.org") == [
        ("REQUEST", v1.number + 2, uid, "CONFIRMED"),
        ("CANCEL", v1.number + 3, uid, "CANCELLED"),
    ]
    # the mother follows every step, in the same calendar entry
    assert [e[:2] for e in events("lotte@example.org")] == [
        ("REQUEST", 1),
        ("REQUEST", 2),
        ("REQUEST", 3),
        ("CANCEL", 4),
    ]
    # a second parser reads the same instant: 14:00 in Brussels
    last_move = sent_to("griet@example.org", mail.outbox)
    part, _calendar = calendar_of(
        next(m for m in last_move if "14:00" in m.get_body(("plain",)).get_content())
    )
    start = vobject.readOne(part.get_content()).vevent.dtstart.value
    assert timezone.localtime(start).strftime("%H:%M") == "14:00"


def test_the_mother_gets_her_invitation_and_sms_unless_she_turned_them_off(
    client, net, django_capture_on_commit_callbacks
):
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [home_visit(net)]))
    mine = OutboxMessage.objects.filter(dossier=net.a, key__contains=f"mother{net.a.mother.pk}")
    assert sorted(mine.values_list("channel", flat=True)) == ["email", "sms"]
    before = list(mine.values_list("pk", flat=True))
    sms = mine.get(channel=Channel.SMS)
    assert "10:30" in sms.body and len(sms.body) <= 160
    mother_page = sign_in_verified(client, net.users["mother"])
    response = mother_page.post(
        reverse("network:message_settings"), {"language": "fr", "by_email": "on"}
    )
    assert response.status_code == 302
    send_all(django_capture_on_commit_callbacks, lambda: save(net, [home_visit(net, days=2)]))
    latest = OutboxMessage.objects.filter(key__contains=f"mother{net.a.mother.pk}").exclude(
        pk__in=before
    )
    # the earlier visit cancelled and the new one planned: by e-mail only, in French
    assert sorted(latest.values_list("channel", "language", "calendar_method")) == [
        ("email", "fr", "CANCEL"),
        ("email", "fr", "REQUEST"),
    ]


def test_the_day_before_the_mother_is_reminded_once(net, django_capture_on_commit_callbacks):
    save(net, [home_visit(net, days=1)])
    OutboxMessage.objects.all().delete()
    now = timezone.localtime()
    morning = now.replace(hour=10, minute=0)
    night = now.replace(hour=22, minute=0)
    assert messages.remind_tomorrow(night) == 0
    assert messages.remind_tomorrow(morning) == 1
    assert messages.remind_tomorrow(morning.replace(hour=15)) == 1  # run again: same keys
    reminders = OutboxMessage.objects.filter(key__startswith="reminder:")
    assert sorted(reminders.values_list("channel", flat=True)) == ["email", "sms"]
    assert all(NOTE not in r.body for r in reminders)
    mother = net.a.mother
    mother.messages_by_sms = False
    mother.save()
    OutboxMessage.objects.all().delete()
    messages.remind_tomorrow(morning)
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["email"]


def test_a_closed_record_gets_no_reminders(net):
    save(net, [home_visit(net, days=1)])
    OutboxMessage.objects.all().delete()
    type(net.a).objects.filter(pk=net.a.pk).update(status="closed")
    assert messages.remind_tomorrow(timezone.localtime().replace(hour=10)) == 0


def test_message_settings_page(client, net, outsider):
    page = sign_in_verified(client, net.users["gp"])
    response = page.get(reverse("network:message_settings"))
    assert response.status_code == 200 and b'name="by_sms"' not in response.content
    assert (
        page.post(reverse("network:message_settings"), {"language": "xx"}).status_code == 200
    )  # refused with the field named, nothing saved
    net.users["gp"].professional.refresh_from_db()
    assert net.users["gp"].professional.language == ""
    page.post(reverse("network:message_settings"), {"language": "en"})
    net.users["gp"].professional.refresh_from_db()
    assert net.users["gp"].professional.language == "en"
    client.logout()
    assert (
        sign_in_verified(client, outsider).get(reverse("network:message_settings")).status_code
        == 404
    )


def test_the_outbox_keeps_a_message_until_it_is_sent(net, settings, caplog):
    """Leases, back-off, failure after the last try, and an operator's retry."""
    settings.EMAIL_BACKEND = "tests.careplan.test_invitations.BrokenBackend"
    save(net, [home_visit(net)])
    message = OutboxMessage.objects.filter(channel=Channel.EMAIL).first()
    OutboxMessage.objects.filter(pk=message.pk).update(request_id="req-12345678")
    assert outbox.deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == DeliveryStatus.PENDING and message.next_attempt_at > timezone.now()
    assert "req-12345678" in caplog.text and "refused" in message.last_error
    assert outbox.deliver(message.pk) == "not due"  # waits for its back-off
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.backlog()["failed"] >= 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.retry([message.pk]) == 1
    assert outbox.deliver(message.pk) == "sent"


def test_a_lease_that_ran_out_is_taken_back_with_the_same_identity(net):
    save(net, [home_visit(net)])
    message = OutboxMessage.objects.filter(channel=Channel.EMAIL).first()
    claimed = outbox.claim(message.pk)  # a worker takes it ... and dies
    assert claimed is not None and outbox.claim(message.pk) is None  # nobody else meanwhile
    assert outbox.backlog()["sending"] >= 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        leased_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert outbox.backlog()["stuck"] == 1 and message.pk in outbox.due()
    first_id = outbox.email_message(claimed).message()["Message-ID"]
    assert outbox.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.attempts == 2
    assert outbox.email_message(message).message()["Message-ID"] == first_id


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


def test_an_sms_carries_the_same_idempotency_key_on_every_try(net, settings):
    import http.server
    import json
    import threading

    received = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers["Idempotency-Key"], body["id"]))
            self.send_response(500 if len(received) == 1 else 202)  # the first try fails
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_BACKEND = "network.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/sms"
        save(net, [home_visit(net)])
        sms = OutboxMessage.objects.filter(channel=Channel.SMS).first()
        assert outbox.deliver(sms.pk) == "retry"
        OutboxMessage.objects.filter(pk=sms.pk).update(next_attempt_at=None)
        assert outbox.deliver(sms.pk) == "sent"
    finally:
        server.shutdown()
    assert len(received) == 2 and received[0] == received[1]
    assert received[0][0] == received[0][1] and len(received[0][0]) == 40
