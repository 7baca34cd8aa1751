"""Operators see the outbox in the admin: every message and its state (a stuck one apart),
the backlog above the list, read-only, and "Send again" for what failed or got stuck."""

import datetime

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from network.models import AccessEvent, Channel, DeliveryStatus, OutboxMessage
from tests.factories import DossierFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:network_outboxmessage_changelist"


@pytest.fixture
def admin_client(client):
    return sign_in(client, UserFactory(username="root", is_staff=True, is_superuser=True))


@pytest.fixture
def outbox_messages():
    """One message in every state, each to its own address."""
    now = timezone.now()
    minutes = datetime.timedelta(minutes=1)

    def message(state, status, **fields):
        fields = {
            "channel": Channel.EMAIL,
            "address": f"{state}@example.org",
            "subject": f"About {state}",
            **fields,
        }
        return OutboxMessage.objects.create(
            key=f"test:{state}", body=f"Text {state}", status=status, **fields
        )

    return {
        "waiting": message(
            "waiting",
            DeliveryStatus.PENDING,
            attempts=1,
            next_attempt_at=now + 5 * minutes,
            last_error="SMTP: busy",
        ),
        "sending": message(
            "sending", DeliveryStatus.SENDING, attempts=1, leased_until=now + 5 * minutes
        ),
        "stuck": message(
            "stuck",
            DeliveryStatus.SENDING,
            attempts=2,
            leased_until=now - minutes,
            request_id="req-stuck-123",
        ),
        "failed": message(
            "failed",
            DeliveryStatus.FAILED,
            attempts=5,
            last_error="SMTPRecipientsRefused: no such user",
        ),
        "sent": message(
            "sent",
            DeliveryStatus.SENT,
            attempts=1,
            sent_at=now,
            channel=Channel.SMS,
            address="+32470000000",
            subject="",
        ),
    }


def shown(response) -> set[int]:
    return {message.pk for message in response.context["cl"].result_list}


def test_the_list_shows_every_state_and_the_backlog(admin_client, outbox_messages):
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert shown(response) == {m.pk for m in outbox_messages.values()}
    page = response.text
    for state in ("waiting", "sending", "stuck", "failed"):
        assert f"{state}@example.org" in page
        assert f'data-state="{state}">1<' in page  # the backlog above the list
    assert "Text sent" in page  # the start of an SMS
    assert "SMTPRecipientsRefused: no such user" in page and "req-stuck-123" in page
    results = list(response.context["cl"].result_list)
    assert results == sorted(results, key=lambda m: -m.pk)  # newest first


@pytest.mark.parametrize("state", ["waiting", "sending", "stuck", "failed", "sent"])
def test_the_state_filter_finds_only_that_state(admin_client, outbox_messages, state):
    response = admin_client.get(reverse(CHANGELIST), {"state": state})
    assert response.status_code == 200
    assert shown(response) == {outbox_messages[state].pk}


def test_search_by_address_key_and_request_id(admin_client, outbox_messages):
    for term, state in (
        ("failed@example", "failed"),
        ("test:waiting", "waiting"),
        ("req-stuck-123", "stuck"),
    ):
        response = admin_client.get(reverse(CHANGELIST), {"q": term})
        assert shown(response) == {outbox_messages[state].pk}, term


def test_send_again_requeues_failed_and_stuck_and_skips_the_rest(
    admin_client, outbox_messages, django_capture_on_commit_callbacks
):
    before = {state: (m.status, m.attempts) for state, m in outbox_messages.items()}
    with django_capture_on_commit_callbacks() as scheduled:
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "send_again", "_selected_action": [m.pk for m in outbox_messages.values()]},
        )
    assert response.status_code == 302
    assert len(scheduled) == 2  # handed to Celery after the commit

    for state in ("failed", "stuck"):
        message = OutboxMessage.objects.get(pk=outbox_messages[state].pk)
        assert message.status == DeliveryStatus.PENDING
        assert message.attempts == 0
        assert message.leased_until is None and message.next_attempt_at is None
    for state in ("waiting", "sending", "sent"):
        message = OutboxMessage.objects.get(pk=outbox_messages[state].pk)
        assert (message.status, message.attempts) == before[state], state

    reported = {m.level: str(m) for m in get_messages(response.wsgi_request)}
    assert "2" in reported[messages.SUCCESS]
    assert "3" in reported[messages.WARNING]


def test_messages_cannot_be_added_changed_or_deleted(admin_client, outbox_messages):
    failed = outbox_messages["failed"]
    assert admin_client.get(reverse("admin:network_outboxmessage_add")).status_code == 403
    change = reverse("admin:network_outboxmessage_change", args=[failed.pk])
    assert admin_client.post(change, {"address": "other@example.org"}).status_code == 403
    delete = reverse("admin:network_outboxmessage_delete", args=[failed.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    actions = admin_client.get(reverse(CHANGELIST)).context["action_form"]
    assert [name for name, _label in actions.fields["action"].choices if name] == ["send_again"]
    assert admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [failed.pk], "post": "yes"},
    ).status_code in {200, 302}
    failed.refresh_from_db()
    assert failed.address == "failed@example.org"
    assert OutboxMessage.objects.count() == len(outbox_messages)


def test_the_page_of_a_message_shows_its_state_not_its_text(admin_client, outbox_messages):
    stuck = outbox_messages["stuck"]
    OutboxMessage.objects.filter(pk=stuck.pk).update(
        body="Choose your password: https://example.org/wachtwoord/nieuw/MQ/secret-token/"
    )
    response = admin_client.get(reverse("admin:network_outboxmessage_change", args=[stuck.pk]))
    assert response.status_code == 200
    assert "stuck@example.org" in response.text and "req-stuck-123" in response.text
    assert "secret-token" not in response.text


def test_a_message_about_a_mother_is_logged_as_a_read_of_her_identity(admin_client):
    dossier = DossierFactory()
    OutboxMessage.objects.create(
        key="test:plan",
        channel=Channel.EMAIL,
        dossier=dossier,
        address="gp@example.org",
        body="Text",
        subject=f"Care plan changed: {dossier.mother.full_name}",
    )
    before = AccessEvent.objects.count()
    assert admin_client.get(reverse(CHANGELIST)).status_code == 200
    event = AccessEvent.objects.latest("id")
    assert AccessEvent.objects.count() == before + 1
    assert (event.dossier, event.sections, event.actor.username) == (dossier, ["identity"], "root")


def test_a_non_staff_user_gets_no_access(client, outbox_messages):
    sign_in(client, UserFactory(username="not-staff"))
    failed = outbox_messages["failed"]
    for url in (
        reverse(CHANGELIST),
        reverse("admin:network_outboxmessage_change", args=[failed.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("admin:login")
        ), url
    client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_staff_who_may_only_view_the_outbox_cannot_send_again(client, outbox_messages):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    sign_in(client, viewer)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.context["action_form"] is None or "send_again" not in dict(
        response.context["action_form"].fields["action"].choices
    )
    failed = outbox_messages["failed"]
    client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED
