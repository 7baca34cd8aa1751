"""Who sees which births on the completeness worklist and who reaches the exports, for
every persona of the network (DESIGN.md §7). The network's newborn is incomplete (no
answer on congenital anomalies), so it is on the list of whoever may complete it: who may
edit the delivery section."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ebirth import export, worklist
from ebirth.tasks import export_births
from tests.factories import UserFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db

# persona: sees the network's incomplete birth on the worklist
WORKLIST = {
    "coordinator": True,
    "gp": False,
    "paediatrician": False,
    "assistant": False,
    "outsider": False,
    "mother": False,
    "other_mother": False,
}


@pytest.fixture
def net():
    return build_network(gp_without_delivery=True)


@pytest.mark.parametrize(("persona", "sees"), WORKLIST.items())
def test_the_worklist_shows_a_birth_only_to_who_can_complete_it(net, persona, sees):
    items = worklist.worklist(net.users[persona])
    assert [item.birth.newborn_id for item in items] == ([net.newborn.id] if sees else [])


@pytest.mark.parametrize("persona", [*WORKLIST, "anonymous"])
def test_the_worklist_page_answers_every_persona(client, net, persona):
    sign_in(client, net.users[persona])
    response = client.get(reverse("ebirth:worklist"))
    if persona == "anonymous":
        assert response.status_code == 302 and "/aanmelden/" in response["Location"]
        return
    assert response.status_code == 200
    shown = net.a.mother.family_name in response.content.decode()
    assert shown == WORKLIST[persona]


@pytest.mark.parametrize("persona", [*WORKLIST, "anonymous", "staff"])
def test_nobody_but_a_registrar_reaches_an_export(client, net, persona, tmp_path):
    net.newborn.congenital_anomaly, net.newborn.neonatal_admission = "none", False
    net.newborn.save()
    net.a.conception = "spontaneous"
    net.a.save()
    net.a.mother.street_address = "Veldstraat 12"
    net.a.mother.save()
    export_births()
    batch = export.ExportBatch.objects.get()
    user = UserFactory(is_staff=True) if persona == "staff" else net.users[persona]
    sign_in(client, user)
    urls = [
        reverse("ebirth:exports"),
        reverse("ebirth:export_progress", args=[batch.public_id]),
        reverse("ebirth:export_download", args=[batch.public_id, "xml"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == (302 if persona == "anonymous" else 403), url
    assert client.post(reverse("ebirth:export_start")).status_code in (302, 403)
    assert export.ExportBatch.objects.count() == 1

    registrar = UserFactory(username="rita")
    registrar.user_permissions.add(Permission.objects.get(codename="run_export"))
    sign_in(client, registrar)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
