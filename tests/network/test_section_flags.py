"""A list's section flags (``access.with_section_flags``): the same answer as the access
rules for every persona, section and record, whether each flag is probed per row (a page's
rows) or may be answered from all of the user's rights at once; and probed per row, a page
of rows does not read all the rights of a user who holds thousands (issue 16)."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from dossier import selectors
from dossier.models import Dossier
from dossier.sections import Section
from network import access
from network.models import DossierUserObjectPermission
from tests.factories import DossierFactory
from tests.personas import build_network

pytestmark = pytest.mark.django_db
PERSONAS = ("coordinator", "gp", "paediatrician", "assistant", "mother", "outsider")


@pytest.mark.parametrize("per_row", [False, True])
def test_every_flag_is_what_the_access_rules_say(per_row):
    """Karim has the delivery section closed to him: his flag says so, the others' not."""
    net = build_network(gp_without_delivery=True)
    records = Dossier.objects.filter(pk__in=[net.a.pk, net.b.pk])
    for persona in PERSONAS:
        user = net.users[persona]
        rows = access.with_section_flags(records, user, sections=list(Section), per_row=per_row)
        for row in rows:
            for section in Section:
                expected = access.can_view(user, row, section)
                assert getattr(row, f"can_view_{section}") is expected, (persona, section)
    assert not access.can_view(net.users["gp"], net.a, Section.DELIVERY)
    assert access.can_view(net.users["gp"], net.a, Section.PRENATAL)


def test_a_page_of_rows_probes_her_rights_per_row_however_many_she_holds():
    """A midwife in 3,000 networks: the statement of a page's 20 rows asks for her right to
    each row (an index probe each) and never reads her 3,000 rights of a section at once
    (a hashed subplan), the plan PostgreSQL chose for the busiest midwife nationally."""
    net = build_network()
    griet = net.users["coordinator"]
    records = DossierFactory.create_batch(20, coordinator=griet)
    others = Dossier.objects.bulk_create(
        [
            Dossier(mother=records[0].mother, expected_due_date=records[0].expected_due_date)
            for _ in range(3000)
        ],
        batch_size=500,
    )
    identity = Permission.objects.get(codename=f"view_{Section.IDENTITY}")
    DossierUserObjectPermission.objects.bulk_create(
        [
            DossierUserObjectPermission(user=griet, content_object=d, permission=identity)
            for d in others
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE network_dossieruserobjectpermission")
        cursor.execute("ANALYZE dossier_dossier")
        # a server priced for spinning disks: where a hash of her rights looks cheapest
        cursor.execute("SET LOCAL random_page_cost = 4")
    page = selectors.list_rows_query(griet.pk, [d.pk for d in records])
    plan = page.explain(verbose=True)
    assert "SubPlan" in plan  # the flags are subplans of the rows ...
    assert "hashed" not in plan  # ... each run for its row
    rows = selectors.list_rows(griet, [d.pk for d in records])
    assert [row.pk for row in rows] == [d.pk for d in records]
    assert all(row.can_view_identity and row.can_view_prenatal for row in rows)
