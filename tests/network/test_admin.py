"""The Django admin is for technical support: clinical records read-only, every record it
shows logged as a read, and the one change it allows (linking a mother's existing login)
applied to her access at once."""

import pytest
from django.urls import reverse

from network import access
from network.models import AccessEvent
from tests.factories import UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return sign_in(client, UserFactory(username="root", is_staff=True, is_superuser=True))


def test_viewing_a_record_in_the_admin_is_logged_for_the_mother(admin_client, network):
    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    url = reverse("admin:dossier_newborn_change", args=[network.newborn.pk])
    assert admin_client.get(url).status_code == 200
    [event] = AccessEvent.objects.filter(id__gt=before)
    assert (event.dossier, event.sections, event.actor.username) == (network.a, ["newborn"], "root")


def test_a_list_in_the_admin_logs_every_row_shown(admin_client, network):
    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert admin_client.get(reverse("admin:dossier_mother_changelist")).status_code == 200
    logged = AccessEvent.objects.filter(id__gt=before, sections__contains=["identity"])
    assert sorted(e.dossier_id for e in logged) == sorted([network.a.pk, network.b.pk])


@pytest.mark.parametrize("model", ["dossier", "delivery", "newborn"])
def test_clinical_records_cannot_be_changed_in_the_admin(admin_client, network, model):
    obj = {"dossier": network.a, "delivery": network.a.delivery, "newborn": network.newborn}[model]
    url = reverse(f"admin:dossier_{model}_change", args=[obj.pk])
    assert admin_client.post(url, {}).status_code == 403
    assert admin_client.get(reverse(f"admin:dossier_{model}_add")).status_code == 403


def test_linking_an_existing_login_to_a_mother_opens_her_record_to_her(admin_client, network):
    mother = network.a.mother
    mother.user = None
    mother.save()
    access.recompute_permissions(network.a)
    account = UserFactory(username="lotte.claes")
    url = reverse("admin:dossier_mother_change", args=[mother.pk])
    response = admin_client.post(url, {"user": account.pk})
    assert response.status_code == 302
    mother.refresh_from_db()
    assert mother.user == account
    assert access.visible_dossiers(account).filter(pk=network.a.pk).exists()
    assert mother.given_name  # nothing else was touched


def test_other_admin_pages_do_not_reveal_the_mothers_name(admin_client, network):
    from network import services
    from network.models import Notification
    from tests.factories import ProfessionalFactory

    mother = network.a.mother
    mother.family_name = "Zwartvleugel"  # a name no generated professional carries
    mother.save()
    services.membership_add(
        actor=network.users["coordinator"], dossier=network.a, professional=ProfessionalFactory()
    )
    name = mother.family_name
    assert Notification.objects.filter(params__mother__mother=mother.pk).exists()  # names her
    for page in (
        "admin:network_membership_changelist",
        "admin:network_notification_changelist",
        "admin:network_consentrule_changelist",
        "admin:network_accessevent_changelist",
    ):
        assert name not in admin_client.get(reverse(page)).text, page
