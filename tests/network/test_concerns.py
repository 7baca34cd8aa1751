"""Signalling a worrying situation (R28): every member and the mother may signal one, it
reaches the coordinator at once (without its text in the message), only the coordinator and
whoever signalled it read it, only the coordinator acknowledges it, and every read, write
and refusal is in the access log."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from dossier.sections import Section
from network import access, notices, selectors, services
from network.forms import ConcernAcknowledgeForm, ConcernForm
from network.models import AccessEvent, Action, Concern, Notification, Outcome, Urgency
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db

# The pages render in Dutch (tests/conftest.py); expected messages follow the catalogue.
TEXT_REQUIRED = ConcernForm.base_fields["text"].error_messages["required"]
RESPONSE_REQUIRED = ConcernAcknowledgeForm.base_fields["response"].error_messages["required"]
GP_TEXT = "Moeder huilt veel, slaapt niet, partner lijkt dreigend."
ASSISTANT_TEXT = "Baby drinkt slecht en moeder is erg uitgeput."


def page(dossier):
    return reverse("network:concerns", args=[dossier.public_id])


def acknowledge_url(concern):
    return reverse(
        "network:concern_acknowledge", args=[concern.dossier.public_id, concern.public_id]
    )


def last_event_id():
    return AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(last_id, **filters):
    return AccessEvent.objects.filter(id__gt=last_id, **filters)


def raise_as(user, dossier, text=GP_TEXT, urgency=Urgency.TODAY):
    return services.concern_raise(actor=user, dossier=dossier, text=text, urgency=urgency)


# --- raising --------------------------------------------------------------------------------


def test_a_gp_signals_and_the_coordinator_is_told_at_once_without_the_text(client, network):
    gp, coordinator, dossier = network.users["gp"], network.users["coordinator"], network.a
    sign_in(client, gp)
    before = last_event_id()
    response = client.post(page(dossier), {"urgency": Urgency.NOW, "text": GP_TEXT})
    assert response.status_code == 302 and response.url == page(dossier)
    concern = Concern.objects.get(dossier=dossier)
    assert (concern.raised_by, concern.urgency, concern.text) == (gp, Urgency.NOW, GP_TEXT)
    assert concern.acknowledged_at is None

    notifications = Notification.objects.filter(recipient=coordinator)
    assert notifications.count() == 1
    message = notifications.get()
    assert message.dossier == dossier
    [shown] = [n.shown for n in notices.render([message], coordinator)]
    assert dossier.mother.full_name in shown
    assert str(Urgency.NOW.label) in shown
    assert "huilt" not in shown and GP_TEXT not in shown
    assert "huilt" not in str(message.params) and GP_TEXT not in str(message.params)
    # nobody else in the network hears of it
    assert not Notification.objects.exclude(recipient=coordinator).exists()

    assert list(selectors.open_concerns_for_coordinator(coordinator)) == [concern]
    created = events_since(before, actor=gp, dossier=dossier, action=Action.CREATE)
    assert list(created.values_list("sections", "outcome")) == [
        ([Section.PSYCHOSOCIAL], Outcome.ALLOWED)
    ]


def test_the_mother_may_signal_herself(client, network):
    mother, dossier = network.users["mother"], network.a
    sign_in(client, mother)
    assert client.get(page(dossier)).status_code == 200
    response = client.post(
        page(dossier), {"urgency": Urgency.TODAY, "text": "Ik voel me heel somber."}
    )
    assert response.status_code == 302
    concern = Concern.objects.get(dossier=dossier)
    assert concern.raised_by == mother
    assert Notification.objects.filter(recipient=network.users["coordinator"]).count() == 1
    assert "Ik voel me heel somber." in client.get(page(dossier)).text


@pytest.mark.parametrize("persona", ["outsider", "other_mother"])
def test_outside_the_network_it_is_a_logged_404_and_nothing_is_saved(client, network, persona):
    user, dossier = network.users[persona], network.a
    sign_in(client, user)
    before = last_event_id()
    assert client.get(page(dossier)).status_code == 404
    assert client.post(page(dossier), {"urgency": Urgency.NOW, "text": GP_TEXT}).status_code == 404
    assert not Concern.objects.exists()
    assert not Notification.objects.exists()
    denied = events_since(before, dossier=dossier, outcome=Outcome.DENIED)
    assert denied.count() == 2 and set(denied.values_list("actor", flat=True)) == {user.pk}
    assert not access.can_raise_concern(user, dossier)
    with pytest.raises(access.AccessDenied):
        raise_as(user, dossier)
    assert not Concern.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, network):
    response = client.get(page(network.a))
    assert response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert client.post(page(network.a), {"urgency": Urgency.NOW, "text": "x"}).status_code == 302
    assert not Concern.objects.exists()


def test_a_former_member_can_no_longer_signal(client, network):
    assistant, dossier = network.users["assistant"], network.a
    services.membership_end(
        actor=network.users["coordinator"],
        membership=dossier.memberships.get(professional__user=assistant),
        reason="care_ended",
    )
    assert not access.can_raise_concern(assistant, dossier)
    sign_in(client, assistant)
    assert (
        client.post(page(dossier), {"urgency": Urgency.NOW, "text": ASSISTANT_TEXT}).status_code
        == 404
    )
    assert not Concern.objects.exists()


def test_an_empty_situation_is_refused_with_a_clear_message(client, network):
    gp, dossier = network.users["gp"], network.a
    sign_in(client, gp)
    response = client.post(page(dossier), {"urgency": Urgency.NOW, "text": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == [str(TEXT_REQUIRED)]
    assert escape(str(TEXT_REQUIRED)) in response.text
    assert not Concern.objects.exists() and not Notification.objects.exists()
    with pytest.raises(ValidationError) as refused:
        raise_as(gp, dossier, text=" \n ")
    assert "text" in refused.value.message_dict
    assert not Concern.objects.exists()


def test_the_urgency_must_be_chosen(client, network):
    gp, dossier = network.users["gp"], network.a
    sign_in(client, gp)
    response = client.post(page(dossier), {"text": GP_TEXT})
    assert response.status_code == 200 and not Concern.objects.exists()
    with pytest.raises(ValidationError) as refused:
        raise_as(gp, dossier, urgency="someday")
    assert "urgency" in refused.value.message_dict
    assert not Concern.objects.exists()


def test_a_too_long_situation_is_refused(network):
    with pytest.raises(ValidationError):
        raise_as(network.users["gp"], network.a, text="x" * (Concern.TEXT_MAX + 1))
    assert not Concern.objects.exists()


# --- who reads what -------------------------------------------------------------------------


def test_the_assistant_may_signal_but_does_not_read_the_gps_concern(client, network):
    gp, assistant, dossier = network.users["gp"], network.users["assistant"], network.a
    gp_concern = raise_as(gp, dossier)
    sign_in(client, assistant)
    before = last_event_id()
    empty = client.get(page(dossier))
    assert empty.status_code == 200
    assert GP_TEXT not in empty.text
    assert escape(gettext("No worrying situations signalled.")) in empty.text
    assert empty.context["concerns"] == []
    # nothing shown, so no psychosocial read in the log
    assert not events_since(before, actor=assistant, action=Action.READ).exists()

    assert (
        client.post(page(dossier), {"urgency": Urgency.TODAY, "text": ASSISTANT_TEXT}).status_code
        == 302
    )
    before = last_event_id()
    shown = client.get(page(dossier))
    assert ASSISTANT_TEXT in shown.text and GP_TEXT not in shown.text
    assert [c.raised_by for c in shown.context["concerns"]] == [assistant]
    assert acknowledge_url(gp_concern) not in shown.text
    reads = events_since(before, actor=assistant, action=Action.READ)
    assert list(reads.values_list("sections", flat=True)) == [[Section.PSYCHOSOCIAL]]
    assert not access.can_read_concern(assistant, gp_concern)
    assert list(selectors.concerns_of(gp, dossier)) == [gp_concern]


def test_the_assistant_cannot_acknowledge_403_logged_and_nothing_changes(client, network):
    gp, assistant, dossier = network.users["gp"], network.users["assistant"], network.a
    concern = raise_as(gp, dossier)
    sign_in(client, assistant)
    before = last_event_id()
    response = client.post(acknowledge_url(concern), {"response": "Ik heb gebeld."})
    assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.acknowledged_at is None and concern.response == ""
    assert not Notification.objects.filter(recipient=gp).exists()
    denied = events_since(before, outcome=Outcome.DENIED)
    assert list(denied.values_list("actor", "dossier", "sections", "action")) == [
        (assistant.pk, dossier.pk, [Section.PSYCHOSOCIAL], Action.UPDATE)
    ]
    with pytest.raises(access.AccessDenied):
        services.concern_acknowledge(actor=gp, concern=concern, response="Zelf opgelost.")
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_the_coordinator_reads_all_and_logs_the_read(client, network):
    coordinator, dossier = network.users["coordinator"], network.a
    first = raise_as(network.users["gp"], dossier)
    second = raise_as(network.users["assistant"], dossier, text=ASSISTANT_TEXT)
    sign_in(client, coordinator)
    before = last_event_id()
    response = client.get(page(dossier))
    assert response.status_code == 200
    assert GP_TEXT in response.text and ASSISTANT_TEXT in response.text
    assert response.context["concerns"] == [second, first]  # newest first
    assert acknowledge_url(first) in response.text and acknowledge_url(second) in response.text
    reads = events_since(before, actor=coordinator, dossier=dossier, action=Action.READ)
    assert list(reads.values_list("sections", flat=True)) == [[Section.PSYCHOSOCIAL]]


def test_open_concerns_come_call_me_first_then_oldest_and_only_coordinated(network):
    coordinator, dossier = network.users["coordinator"], network.a
    old_today = raise_as(network.users["gp"], dossier, urgency=Urgency.TODAY)
    new_today = raise_as(network.users["mother"], dossier, text="Somber.", urgency=Urgency.TODAY)
    now = raise_as(network.users["assistant"], dossier, text=ASSISTANT_TEXT, urgency=Urgency.NOW)
    Concern.objects.filter(pk=old_today.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=3)
    )
    assert list(selectors.open_concerns_for_coordinator(coordinator)) == [now, old_today, new_today]
    # the GP coordinates nothing; an acknowledged concern leaves the list
    assert not selectors.open_concerns_for_coordinator(network.users["gp"]).exists()
    services.concern_acknowledge(actor=coordinator, concern=now, response="Gebeld, bezoek.")
    assert list(selectors.open_concerns_for_coordinator(coordinator)) == [old_today, new_today]


# --- acknowledging --------------------------------------------------------------------------


def test_acknowledging_without_a_response_is_refused(client, network):
    coordinator, dossier = network.users["coordinator"], network.a
    concern = raise_as(network.users["gp"], dossier)
    sign_in(client, coordinator)
    response = client.post(acknowledge_url(concern), {"response": "  "})
    assert response.status_code == 200
    assert escape(str(RESPONSE_REQUIRED)) in response.text
    concern.refresh_from_db()
    assert concern.acknowledged_at is None
    with pytest.raises(ValidationError) as refused:
        services.concern_acknowledge(actor=coordinator, concern=concern, response="")
    assert "response" in refused.value.message_dict
    concern.refresh_from_db()
    assert concern.acknowledged_at is None and concern.acknowledged_by is None


def test_acknowledging_records_the_response_logs_it_and_tells_the_raiser(client, network):
    gp, coordinator, dossier = network.users["gp"], network.users["coordinator"], network.a
    concern = raise_as(gp, dossier, urgency=Urgency.NOW)
    sign_in(client, coordinator)
    before = last_event_id()
    response = client.post(
        acknowledge_url(concern), {"response": "Moeder gebeld, huisbezoek morgen."}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.acknowledged_at is not None and concern.acknowledged_by == coordinator
    assert concern.response == "Moeder gebeld, huisbezoek morgen."
    told = Notification.objects.filter(recipient=gp)
    assert told.count() == 1 and told.get().dossier == dossier
    assert "huisbezoek" not in notices.render(told, gp)[0].shown
    updated = events_since(before, actor=coordinator, dossier=dossier, action=Action.UPDATE)
    assert list(updated.values_list("sections", "outcome")) == [
        ([Section.PSYCHOSOCIAL], Outcome.ALLOWED)
    ]
    # the GP reads the coordinator's response on the page
    sign_in(client, gp)
    assert "Moeder gebeld, huisbezoek morgen." in client.get(page(dossier)).text
    # a second acknowledgement is refused and changes nothing
    with pytest.raises(ValidationError):
        services.concern_acknowledge(actor=coordinator, concern=concern, response="Nog eens.")
    concern.refresh_from_db()
    assert concern.response == "Moeder gebeld, huisbezoek morgen."
    assert Notification.objects.filter(recipient=gp).count() == 1


def test_a_concern_of_another_dossier_is_not_found_through_this_one(client, network):
    coordinator = network.users["coordinator"]
    concern = raise_as(network.users["other_mother"], network.b, text="Het gaat niet.")
    sign_in(client, coordinator)
    url = reverse("network:concern_acknowledge", args=[network.a.public_id, concern.public_id])
    assert client.post(url, {"response": "Gebeld."}).status_code == 404
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_the_coordinators_dashboard_lists_open_concerns_by_name_not_by_text(client, network):
    raise_as(network.users["gp"], network.a, urgency=Urgency.NOW)
    coordinator = network.users["coordinator"]
    sign_in(client, coordinator)
    before = last_event_id()
    dashboard = client.get(reverse("dossier:dashboard"))
    assert network.a.mother.full_name in dashboard.text
    assert str(Urgency.NOW.label) in dashboard.text or gettext(Urgency.NOW.label) in dashboard.text
    assert escape(GP_TEXT) not in dashboard.text
    assert events_since(
        before, actor=coordinator, dossier=network.a, sections__contains=[Section.IDENTITY]
    ).exists()
    sign_in(client, network.users["gp"])
    assert "h-concerns" not in client.get(reverse("dossier:dashboard")).text
