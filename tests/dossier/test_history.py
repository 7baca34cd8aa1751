"""An entry is amended, never silently overwritten: every change keeps who, when, the
previous value and the reason, also when made in bulk or behind the application's back."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from dossier import history, services
from dossier.models import EntryChange, Newborn
from tests.factories import NewbornFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return build_network()


def changes(instance):
    return EntryChange.objects.filter(table_name=instance._meta.db_table, row_id=instance.pk)


def test_a_change_through_a_service_keeps_who_when_why_and_the_old_value(midwife):
    newborn = NewbornFactory(coordinator=midwife, birth_weight_g=3400)
    newborn.birth_weight_g = 3450
    services.newborn_record(actor=midwife, newborn=newborn, reason="herwogen, schaal gecorrigeerd")
    change = changes(newborn).latest("id")
    assert change.operation == "UPDATE"
    assert change.actor == midwife
    assert change.reason == "herwogen, schaal gecorrigeerd"
    assert change.old_values["birth_weight_g"] == 3400
    assert change.new_values["birth_weight_g"] == 3450
    assert [(f.label, f.before, f.after) for f in history.field_changes(change)] == [
        ("Geboortegewicht (g)", "3.400", "3.450")
    ]


def test_bulk_updates_are_recorded_row_by_row_with_their_author(midwife):
    first = NewbornFactory(coordinator=midwife)
    twin = NewbornFactory(coordinator=midwife)
    with transaction.atomic():
        history.attribute(midwife, "voeding bijgewerkt na huisbezoek")
        updated = Newborn.objects.filter(pk__in=[first.pk, twin.pk]).update(feeding="mixed")
    assert updated == 2
    for newborn in (first, twin):
        change = changes(newborn).latest("id")
        assert (change.actor, change.reason) == (midwife, "voeding bijgewerkt na huisbezoek")
        assert change.new_values["feeding"] == "mixed"


def test_a_change_behind_the_applications_back_is_still_recorded():
    newborn = NewbornFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dossier_newborn SET apgar_5 = 7 WHERE id = %s", [newborn.pk])
    change = changes(newborn).latest("id")
    assert change.actor is None and change.old_values["apgar_5"] == 10


def test_saving_without_a_change_adds_nothing():
    newborn = NewbornFactory()
    before = changes(newborn).count()
    newborn.save()
    assert changes(newborn).count() == before


def test_the_history_itself_cannot_be_edited():
    newborn = NewbornFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        changes(newborn).update(reason="nooit gebeurd")


def test_the_edit_form_asks_why(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife)
    url = reverse("dossier:newborn_edit", args=[newborn.dossier.public_id, newborn.public_id])
    data = {
        "birth_order": "1",
        "sex": "F",
        "vital_status": "live",
        "birth_weight_g": "3500",
        "apgar_1": "9",
        "apgar_5": "10",
        "status": "with_mother",
    }
    refused = midwife_client.post(url, data)
    assert refused.status_code == 200 and "change_reason" in refused.context["form"].errors
    assert midwife_client.post(url, {**data, "change_reason": "tikfout"}).status_code == 302
    assert changes(newborn).latest("id").reason == "tikfout"


def test_the_history_page_shows_the_change_and_is_logged(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife, birth_weight_g=3400)
    newborn.birth_weight_g = 3300
    services.newborn_record(actor=midwife, newborn=newborn, reason="tikfout")
    page = midwife_client.get(
        reverse("dossier:history", args=[newborn.dossier.public_id, "newborn"])
    )
    assert page.status_code == 200
    assert "tikfout" in page.text and "3.400" in page.text and "3.300" in page.text


def test_the_history_follows_the_section_rights(client, network):
    for persona, status in [
        ("assistant", 403),
        ("outsider", 404),
        ("mother", 200),
        ("coordinator", 200),
    ]:
        sign_in(client, network.users[persona])
        url = reverse("dossier:history", args=[network.a.public_id, "prenatal"])
        assert client.get(url).status_code == status, persona
    assert (
        client.get(reverse("dossier:history", args=[network.a.public_id, "bogus"])).status_code
        == 404
    )


def test_an_api_change_carries_its_reason_into_the_history(network):
    from tests.api.conftest import token_client

    newborn = network.newborn
    response = token_client(network.users["coordinator"]).patch(
        f"/api/dossiers/{network.a.public_id}/newborns/{newborn.public_id}/",
        {"apgar_5": 9, "reason": "Apgar opnieuw beoordeeld"},
        format="json",
    )
    assert response.status_code == 200, response.content
    change = changes(newborn).latest("id")
    assert change.reason == "Apgar opnieuw beoordeeld" and change.new_values["apgar_5"] == 9
