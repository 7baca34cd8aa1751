"""The mother's own login (R5): the coordinator creates it, she chooses her password from
the e-mailed link, and from then on she sees her record and decides who sees what."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from network import access
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    network = build_network()
    mother = network.a.mother
    mother.user, mother.email, mother.preferred_language = None, "Sofie.Maes@Example.org", "nl"
    # her own name, not a generated one: the password the test chooses must not resemble
    # it, or Django's UserAttributeSimilarityValidator refuses it (a generated
    # "Goossens-Vanderlinden" did, for about 1 name in 300)
    mother.given_name, mother.family_name = "Sofie", "Maes"
    mother.save()
    access.recompute_permissions(network.a)
    return network


def invite(client, network, persona="coordinator"):
    sign_in(client, network.users[persona])
    return client.post(reverse("network:invite_mother", args=[network.a.public_id]))


def invitation_link():
    return re.search(r"https?://\S+", mail.outbox[-1].body).group(0)


def test_the_coordinator_invites_and_the_mother_chooses_her_password(
    client, network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, network)
    assert response.status_code == 302
    mother = network.a.mother
    mother.refresh_from_db()
    assert mother.user.username == "sofie.maes@example.org"
    assert not mother.user.has_usable_password()
    assert mail.outbox[-1].to == ["sofie.maes@example.org"]
    assert "Kies uw wachtwoord" in mail.outbox[-1].body

    client.logout()
    form = client.get(invitation_link(), follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "lange-zin-met-woorden", "new_password2": "lange-zin-met-woorden"},
    )
    assert done.status_code == 302
    assert client.login(username="sofie.maes@example.org", password="lange-zin-met-woorden")
    page = client.get(reverse("dossier:dashboard"), follow=True)  # lands on her record
    assert page.redirect_chain[-1][0] == reverse("dossier:detail", args=[network.a.public_id])
    assert client.get(reverse("network:consent", args=[network.a.public_id])).status_code == 200
    # the link works once
    assert not client.get(invitation_link(), follow=True).context["validlink"]


def test_the_invitation_speaks_the_mothers_language(
    client, network, django_capture_on_commit_callbacks
):
    mother = network.a.mother
    mother.preferred_language = "fr"
    mother.save()
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, network)
    assert "Choisissez votre mot de passe" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("persona", "status"), [("gp", 403), ("outsider", 404), ("other_mother", 404)]
)
def test_only_the_coordinator_creates_the_account(client, network, persona, status):
    assert invite(client, network, persona).status_code == status
    network.a.mother.refresh_from_db()
    assert network.a.mother.user is None and not mail.outbox


def test_without_an_e_mail_address_nothing_is_created_and_the_page_says_why(client, network):
    mother = network.a.mother
    mother.email = ""
    mother.save()
    response = invite(client, network)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("e-mailadres" in m for m in messages)
    mother.refresh_from_db()
    assert mother.user is None and not mail.outbox


def test_a_second_invitation_is_refused(client, network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, network)
        invite(client, network)
    assert len(mail.outbox) == 1


def test_forgot_password_sends_a_link_to_a_known_address_only(
    client, network, django_capture_on_commit_callbacks
):
    user = network.users["coordinator"]
    user.email = "griet@example.org"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "griet@example.org"})
        client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert [m.to for m in mail.outbox] == [["griet@example.org"]]


def test_a_mother_is_offered_two_step_sign_in_until_she_has_it(client, network):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    mother = network.users["mother"]
    network.a.mother.user = mother
    network.a.mother.save()
    access.recompute_permissions(network.a)
    sign_in(client, mother)
    # she lands on her one record (issue 14): the offer comes with her
    setup = reverse("signin_setup")
    assert setup in client.get(reverse("dossier:dashboard"), follow=True).content.decode()
    TOTPDevice.objects.create(user=mother, name="telefoon", confirmed=True)
    sign_in(client, mother)
    assert setup not in client.get(reverse("dossier:dashboard"), follow=True).content.decode()
    sign_in(client, network.users["coordinator"])
    assert not client.get(reverse("dossier:dashboard")).context["offer_two_step"]


def test_the_invitation_and_a_forgotten_password_go_through_the_outbox(
    client, network, django_capture_on_commit_callbacks
):
    """Written in the request's transaction, sent by the worker, retried like any message —
    and in the mother's language."""
    from network.models import OutboxMessage

    mother = network.a.mother
    mother.preferred_language = "fr"
    mother.save()
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, network)
    invitation = OutboxMessage.objects.get(key__startswith="mother-invitation:")
    assert invitation.status == "sent" and invitation.language == "fr"
    assert invitation.address == "sofie.maes@example.org"
    assert mail.outbox[-1].subject == invitation.subject
    client.logout()
    account = invitation.recipient
    account.set_password("a-password-she-forgot-77")
    account.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "sofie.maes@example.org"})
    reset = OutboxMessage.objects.get(key__startswith="password-reset:")
    assert reset.language == "fr" and reset.status == "sent"
