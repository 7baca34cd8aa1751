"""The registrar's and the analyst's roles are given, never implied (issue 13): Django lets
a superuser pass every ``has_perm``, but being a superuser (or staff) does not make one an
eBirth registrar or a policy analyst. Given to the user or to their group, it does."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from ebirth import export
from ebirth.tasks import export_births
from network import access
from tests.factories import UserFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    net = build_network()
    net.newborn.congenital_anomaly, net.newborn.neonatal_admission = "none", False
    net.newborn.save()
    net.a.conception = "spontaneous"
    net.a.save()
    net.a.mother.street_address = "Veldstraat 12"
    net.a.mother.save()
    export_births()
    return export.ExportBatch.objects.get()


def export_urls(batch) -> list[str]:
    return [
        reverse("ebirth:exports"),
        reverse("ebirth:export_progress", args=[batch.public_id]),
        reverse("ebirth:export_download", args=[batch.public_id, "xml"]),
    ]


def figures_urls() -> list[str]:
    return [reverse("ebirth:figures"), reverse("ebirth:figures_csv")]


def superuser(username="root"):
    return UserFactory(username=username, is_staff=True, is_superuser=True)


def give(user, codename):
    user.user_permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label="ebirth")
    )


def test_a_superuser_is_no_registrar_until_given_the_permission(client, batch):
    root = superuser()
    assert root.has_perm("ebirth.run_export")  # Django's bypass, which the rule ignores
    sign_in(client, root)
    assert [client.get(url).status_code for url in export_urls(batch)] == [403, 403, 403]
    assert client.post(reverse("ebirth:export_start")).status_code == 403
    assert "ebirth/exports" not in client.get(reverse("dossier:dashboard")).content.decode()

    give(root, "run_export")
    sign_in(client, root)
    assert [client.get(url).status_code for url in export_urls(batch)] == [200, 200, 200]
    # the registrar lands on the exports (issue 14)
    assert client.get(reverse("dossier:dashboard"))["Location"] == reverse("ebirth:exports")


@pytest.mark.parametrize("who", ["superuser", "staff"])
def test_superusers_and_staff_see_the_figures_only_when_given_them(client, db, who):
    user = superuser() if who == "superuser" else UserFactory(username="staf", is_staff=True)
    sign_in(client, user)
    assert [client.get(url).status_code for url in figures_urls()] == [403, 403]
    assert (
        reverse("ebirth:figures") not in client.get(reverse("dossier:dashboard")).content.decode()
    )

    give(user, "view_figures")
    sign_in(client, user)
    assert [client.get(url).status_code for url in figures_urls()] == [200, 200]
    # the analyst lands on the figures (issue 14)
    assert client.get(reverse("dossier:dashboard"))["Location"] == reverse("ebirth:figures")


def test_a_permission_given_to_a_group_counts(db):
    analysts = Group.objects.create(name="beleidsanalisten")
    analysts.permissions.add(Permission.objects.get(codename="view_figures"))
    user = UserFactory(username="analist")
    assert not access.can_view_figures(user)
    user = type(user).objects.get(pk=user.pk)  # a fresh request's user
    user.groups.add(analysts)
    assert access.can_view_figures(user) and not access.can_run_export(user)


def test_an_inactive_user_keeps_no_granted_role(db):
    user = UserFactory(username="oud")
    give(user, "run_export")
    user.is_active = False
    assert not access.can_run_export(user)
