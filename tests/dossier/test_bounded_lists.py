"""Lists that stay bounded (issue 16): a record closed through the services leaves the
current lists — "My records", the watch list (its alerts and screenings), "Today" and the
API's list — and is still found by a search on the mother's name and by the "closed"
filter; who may open it, and what they see of it, does not change. The lists walk the
``current_dossier`` marker rows, which closing removes; the coordinator's watch lists walk
the ``coordinate_dossier`` marker rows of the open records she coordinates."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from careplan import content, today
from careplan import services as plan_services
from careplan import watch as care_watch
from dossier import selectors, services
from dossier.models import Dossier, DossierStatus
from dossier.sections import COORDINATING_CODENAME, CURRENT_CODENAME, Section
from network import access
from network import services as network_services
from network.models import DossierUserObjectPermission
from tests.api.conftest import token_client
from tests.factories import AlertFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
LIST = "/api/dossiers/"
PERSONAS = ("coordinator", "gp", "paediatrician", "assistant", "mother", "outsider")


@pytest.fixture
def net():
    """Griet's record A (delivered yesterday, a newborn with screenings due) with an urgent
    alert and a home visit due today in its care plan; her record B stays open."""
    network = build_network()
    griet = network.users["coordinator"]
    plan_services.plan_save(
        actor=griet,
        dossier=network.a,
        base_number=0,
        content={
            **content.empty_plan(),
            "appointments": [
                content.new_appointment(
                    "home_visit",
                    timezone.localdate() - datetime.timedelta(days=1),
                    timezone.localdate() + datetime.timedelta(days=1),
                    member=str(griet.professional.public_id),
                    appointment_id="visit",
                )
            ],
        },
    )
    AlertFactory(dossier=network.a, section=Section.POSTNATAL, raised_by=griet)
    return network


def close(dossier, actor):
    """Closed the way the record's page closes it: through the service, by the coordinator
    (the newborn's screenings are still open, so she says why)."""
    dossier = Dossier.objects.get(pk=dossier.pk)
    dossier.status = DossierStatus.CLOSED
    dossier.closure_reason = "Follow-up continued in the neonatal unit's own record."
    services.dossier_update(actor=actor, dossier=dossier)


def dashboard_ids(client, **params):
    page = client.get(reverse("dossier:dashboard"), params).context["page"]
    return {d.pk for d in page.object_list}


def api_ids(user, **params):
    return {row["public_id"] for row in token_client(user).get(LIST, params).json()["results"]}


def current(net):
    """Where record A appears in the coordinator's current lists."""
    griet = net.users["coordinator"]
    client = sign_in(net.client, griet)
    return {
        "my records": net.a.pk in dashboard_ids(client),
        "urgent alerts": net.a.pk in {a.dossier_id for a in selectors.watched_alerts(griet)[0]},
        "screenings": net.a.pk in {r["dossier"].pk for r in selectors.missing_screenings(griet)},
        "watch": net.a.pk in care_watch.Mine(griet).sections,
        "today": net.a.pk in {row.dossier.pk for row in today.today_list(griet)},
        "api": str(net.a.public_id) in api_ids(griet),
        "gp's api": str(net.a.public_id) in api_ids(net.users["gp"]),
    }


def test_a_closed_record_leaves_the_current_lists(net, client):
    net.client = client
    assert all(current(net).values()), current(net)
    close(net.a, net.users["coordinator"])
    assert not any(current(net).values()), current(net)
    # the open record B stays, and the count says "current"
    page = client.get(reverse("dossier:dashboard"))
    assert {d.pk for d in page.context["page"].object_list} == {net.b.pk}
    assert page.context["current_only"] is True


def test_a_closed_record_is_found_by_search_and_by_the_closed_filter(net, client):
    griet = net.users["coordinator"]
    close(net.a, griet)
    sign_in(client, griet)
    mother = net.a.mother
    assert net.a.pk in dashboard_ids(client, q=mother.given_name)
    assert net.a.pk in dashboard_ids(client, q=f"{mother.given_name} {mother.family_name}")
    assert dashboard_ids(client, status=DossierStatus.CLOSED) == {net.a.pk}
    assert str(net.a.public_id) in api_ids(griet, q=mother.family_name)
    assert api_ids(griet, status=DossierStatus.CLOSED) == {str(net.a.public_id)}
    # an open status still filters the current records
    assert net.a.pk not in dashboard_ids(client, status=DossierStatus.DELIVERED)


def test_closing_changes_nobody_s_access(net, client):
    people = net.users
    before = {
        p: (
            set(access.visible_dossiers(people[p])),
            access.section_levels(people[p], net.a),
        )
        for p in PERSONAS
    }
    close(net.a, people["coordinator"])
    net.a.refresh_from_db()
    for persona in PERSONAS:
        user = people[persona]
        assert set(access.visible_dossiers(user)) == before[persona][0], persona
        assert access.section_levels(user, net.a) == before[persona][1], persona
    for persona in ("coordinator", "gp", "mother"):
        sign_in(client, people[persona])
        page = client.get(reverse("dossier:detail", args=[net.a.public_id]))
        assert page.status_code == 200, persona
    sign_in(client, people["outsider"])
    assert client.get(reverse("dossier:detail", args=[net.a.public_id])).status_code == 404
    # the mother's own list keeps her closed record (a few pregnancies, not a career)
    assert api_ids(people["mother"]) == {str(net.a.public_id)}


def marked(user, codename=CURRENT_CODENAME) -> set[int]:
    return set(
        DossierUserObjectPermission.objects.filter(
            user=user, permission__codename=codename
        ).values_list("content_object_id", flat=True)
    )


def coordinating(user) -> set[int]:
    return marked(user, COORDINATING_CODENAME)


def open_coordinated(user) -> set[int]:
    return set(access.coordinated_sections(user, [Section.IDENTITY]))


def test_the_coordinators_lists_walk_the_marker_of_the_records_she_coordinates(net):
    """Only the active coordinator of an open record holds its ``coordinate_dossier``
    marker: handing over moves it, closing removes it, and ``coordinated_sections`` (the
    screenings panel, the watch list) finds exactly the records marked and open."""
    griet, karim = net.users["coordinator"], net.users["gp"]
    assert coordinating(griet) == {net.a.pk, net.b.pk}
    assert not any(coordinating(net.users[p]) for p in PERSONAS if p != "coordinator")
    assert open_coordinated(griet) == {net.a.pk, net.b.pk}
    network_services.coordinator_hand_over(
        actor=griet, dossier=net.a, to=net.a.memberships.get(professional__user=karim)
    )
    assert coordinating(griet) == {net.b.pk} and coordinating(karim) == {net.a.pk}
    assert open_coordinated(griet) == {net.b.pk}
    assert open_coordinated(karim) == {net.a.pk}
    assert net.a.pk in {r["dossier"].pk for r in selectors.missing_screenings(karim)}
    assert net.a.pk not in {r["dossier"].pk for r in selectors.missing_screenings(griet)}
    close(net.a, karim)
    assert coordinating(karim) == set()
    assert not open_coordinated(karim)
    # the records she coordinates, closed ones included, are still hers (all, not current)
    assert net.a in set(access.coordinated_dossiers(karim))
    # a record closed past the services (a stale marker) is left out: the status rules
    Dossier.objects.filter(pk=net.b.pk).update(status=DossierStatus.CLOSED)
    assert coordinating(griet) == {net.b.pk}
    assert not open_coordinated(griet)


def test_a_deactivated_coordinator_holds_no_marker(net):
    griet = net.users["coordinator"]
    griet.is_active = False
    griet.save()
    access.recompute_permissions(net.b)
    assert coordinating(griet) == {net.a.pk}  # B recomputed, A not yet
    assert not open_coordinated(griet)  # inactive: none


def test_the_lists_walk_only_the_open_records_marker_rows(net):
    griet, karim = net.users["coordinator"], net.users["gp"]
    assert marked(griet) == {net.a.pk, net.b.pk}
    assert marked(karim) == {net.a.pk}
    close(net.a, griet)
    # closing removed every marker of A (members and mother); recomputing keeps it off
    assert not DossierUserObjectPermission.objects.filter(
        content_object=net.a, permission__codename=CURRENT_CODENAME
    ).exists()
    access.recompute_permissions(net.a)
    assert marked(griet) == {net.b.pk} and marked(karim) == set()
    assert set(access.current_dossiers(griet)) == {net.b}
    # a record closed past the services (a stale marker) is still left out: the status rules
    Dossier.objects.filter(pk=net.b.pk).update(status=DossierStatus.CLOSED)
    assert marked(griet) == {net.b.pk}
    assert not access.current_dossiers(griet).exists()


def test_the_migration_marks_the_coordinators_of_the_records_open_at_the_time(net):
    migration = importlib.import_module("dossier.migrations.0029_coordinator_marker")
    close(net.a, net.users["coordinator"])
    rows = DossierUserObjectPermission.objects.filter(permission__codename=COORDINATING_CODENAME)
    rows.delete()
    with connection.schema_editor(atomic=False) as editor:
        migration.mark_coordinators(apps, editor)
    assert set(rows.values_list("user_id", "content_object_id")) == {
        (net.users["coordinator"].pk, net.b.pk)
    }
    # what recomputing writes: the same rows
    access.recompute_permissions(net.b)
    assert set(rows.values_list("user_id", "content_object_id")) == {
        (net.users["coordinator"].pk, net.b.pk)
    }


def test_the_migration_marks_the_records_open_at_the_time(net):
    migration = importlib.import_module("dossier.migrations.0024_open_records_index")
    close(net.a, net.users["coordinator"])
    DossierUserObjectPermission.objects.filter(permission__codename=CURRENT_CODENAME).delete()
    with connection.schema_editor(atomic=False) as editor:
        migration.mark_open_records(apps, editor)
    expected = set(
        DossierUserObjectPermission.objects.filter(
            permission__codename="view_dossier", content_object=net.b
        ).values_list("user_id", flat=True)
    )
    rows = DossierUserObjectPermission.objects.filter(permission__codename=CURRENT_CODENAME)
    assert set(rows.values_list("content_object_id", flat=True)) == {net.b.pk}
    assert set(rows.values_list("user_id", flat=True)) == expected


def test_a_page_s_rows_are_the_chosen_ids_in_their_order_with_the_reader_s_flags(net):
    """``selectors.list_rows`` reads the rows of the ids ``dossier_list`` chose, in that
    order, with each reader's own section flags and the columns a row shows."""
    griet, karim = net.users["coordinator"], net.users["gp"]
    ids = list(selectors.dossier_list(griet).values_list("pk", flat=True))
    assert set(ids) == {net.a.pk, net.b.pk}
    rows = selectors.list_rows(griet, list(reversed(ids)))
    assert [row.pk for row in rows] == list(reversed(ids))
    assert all(row.can_view_identity and row.can_view_delivery for row in rows)
    assert rows[0].mother.family_name  # the mother is joined, no query per row
    gp_ids = list(selectors.dossier_list(karim).values_list("pk", flat=True))
    assert gp_ids == [net.a.pk]
    (row,) = selectors.list_rows(karim, gp_ids)
    assert row.can_view_identity == access.can_view(karim, net.a, Section.IDENTITY)
    assert row.newborn_count == net.a.newborns.count()
    assert selectors.list_rows(griet, []) == []
