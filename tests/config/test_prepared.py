"""``config.prepared``: a statement compiled once answers every call as the queryset built
for that call would (same rows, same objects, same conversions), in its own values."""

import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from config.prepared import (
    STAND_IN_ID,
    STAND_IN_IDS,
    STAND_IN_TEXT,
    STAND_IN_UUID,
    Prepared,
    planned_for_its_values,
)
from dossier.models import Dossier, Mother
from network.models import Membership
from tests.factories import DeliveryFactory, DossierFactory, ProfessionalFactory, join

pytestmark = pytest.mark.django_db


def _members(dossier_id):
    return (
        Membership.objects.filter(dossier_id=dossier_id, ended_at__isnull=True)
        .select_related("professional__user", "professional__organisation")
        .order_by("pk")
    )


def test_each_call_answers_with_its_own_values_as_the_queryset_would():
    prepared = Prepared(_members, dossier_id=STAND_IN_ID)
    first, second = DossierFactory(), DossierFactory()
    join(second, ProfessionalFactory(profession="gp").user)
    for dossier in (first, second, first):
        expected = list(_members(dossier.pk))
        with CaptureQueriesContext(connection) as queries:
            rows = prepared(dossier_id=dossier.pk)
        assert rows == expected
        assert len(queries) == 1, "select_related objects come with the rows"
        assert [m.professional.user.username for m in rows] == [
            m.professional.user.username for m in expected
        ]
    assert prepared(dossier_id=0) == []


def test_it_is_built_and_compiled_once_per_database():
    built = []

    def build(dossier_id):
        built.append(dossier_id)
        return _members(dossier_id)

    prepared = Prepared(build, dossier_id=STAND_IN_ID)
    for dossier in (DossierFactory(), DossierFactory()):
        prepared(dossier_id=dossier.pk)
    assert built == [STAND_IN_ID]


def test_values_and_converters_as_the_orm_reads_them():
    delivery = DeliveryFactory()
    dossier = delivery.dossier
    prepared = Prepared(
        lambda public_id: Dossier.objects.filter(public_id=public_id).values_list(
            "pk", "delivery__born_at", "risk_factors", "public_id"
        ),
        public_id=STAND_IN_UUID,
    )
    expected = list(
        Dossier.objects.filter(public_id=dossier.public_id).values_list(
            "pk", "delivery__born_at", "risk_factors", "public_id"
        )
    )
    assert prepared(public_id=dossier.public_id) == expected
    ((_pk, born_at, _risks, public_id),) = expected
    assert born_at.tzinfo is not None and isinstance(public_id, uuid.UUID)
    flat = Prepared(
        lambda family_name: Mother.objects.filter(family_name=family_name).values_list(
            "pk", flat=True
        ),
        family_name=STAND_IN_TEXT,
    )
    assert flat(family_name=dossier.mother.family_name) == [dossier.mother.pk]
    assert flat(family_name="x' OR 1=1 --") == []


def test_a_list_is_one_parameter_whatever_its_length():
    dossiers = [DossierFactory() for _ in range(3)]
    prepared = Prepared(
        lambda ids: Dossier.objects.filter(pk__any=ids).order_by("pk").values_list("pk", flat=True),
        ids=STAND_IN_IDS,
    )
    statements = set()
    for ids in ([], [dossiers[0].pk], [d.pk for d in dossiers], [dossiers[1].pk, -5]):
        with CaptureQueriesContext(connection) as queries:
            assert prepared(ids=ids) == sorted(i for i in ids if i > 0)
        statements.add(queries[0]["sql"].split(" WHERE ")[0])
    assert len(statements) == 1
    # the lookup alone, without preparing, is __in's equal
    wanted = [dossiers[2].pk, dossiers[0].pk]
    assert set(Dossier.objects.filter(pk__any=wanted)) == set(Dossier.objects.filter(pk__in=wanted))
    assert not Dossier.objects.filter(pk__any=[]).exists()
    # and on a foreign key, by its id
    assert list(Membership.objects.filter(dossier_id__any=[dossiers[1].pk])) == list(
        Membership.objects.filter(dossier=dossiers[1])
    )


def test_a_stand_in_the_statement_does_not_carry_is_refused():
    prepared = Prepared(
        lambda name: Mother.objects.filter(family_name__icontains=name), name=STAND_IN_TEXT
    )
    with pytest.raises(ImproperlyConfigured, match="'name'"):
        prepared(name="Peeters")


def test_the_values_must_be_the_stand_ins_names():
    prepared = Prepared(_members, dossier_id=STAND_IN_ID)
    with pytest.raises(TypeError):
        prepared(dossier=1)
    with pytest.raises(TypeError):
        prepared()
    with pytest.raises(TypeError, match="None"):
        prepared(dossier_id=None)


def test_prefetching_is_refused():
    prepared = Prepared(
        lambda dossier_id: Dossier.objects.filter(pk=dossier_id).prefetch_related("newborns"),
        dossier_id=STAND_IN_ID,
    )
    with pytest.raises(ImproperlyConfigured):
        prepared(dossier_id=1)


@pytest.mark.django_db(transaction=True)
def test_threads_each_run_it_on_their_own_connection():
    prepared = Prepared(_members, dossier_id=STAND_IN_ID)
    dossiers = [DossierFactory() for _ in range(4)]
    prepared(dossier_id=dossiers[0].pk)  # compiled on this thread's connection
    answers, errors = {}, []

    def read(dossier):
        try:
            answers[dossier.pk] = (
                [m.pk for m in prepared(dossier_id=dossier.pk)],
                id(connections["default"]),
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read, args=(d,)) for d in dossiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for dossier in dossiers:
        assert answers[dossier.pk][0] == [m.pk for m in _members(dossier.pk)]
    assert id(connections["default"]) not in {conn for _rows, conn in answers.values()}


def test_a_migration_or_flush_compiles_it_again():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    built = []

    def build(dossier_id):
        built.append(dossier_id)
        return _members(dossier_id)

    prepared = Prepared(build, dossier_id=STAND_IN_ID)
    prepared(dossier_id=1)
    network = apps.get_app_config("network")
    post_migrate.send(
        sender=network, app_config=network, verbosity=0, interactive=False, using="default"
    )
    prepared(dossier_id=1)
    assert built == [STAND_IN_ID, STAND_IN_ID]


def test_a_value_the_driver_wraps_for_its_column_is_wrapped_alike():
    """On PostgreSQL a small integer column's value reaches psycopg as ``Int2``/``Int4``;
    a positive one cannot take a negative stand-in (the ORM drops a lookup out of range)."""
    from config.prepared import STAND_IN_NUMBER

    first, second = DossierFactory(gravidity=2), DossierFactory(gravidity=3)
    prepared = Prepared(
        lambda gravidity, ids: Dossier.objects.filter(gravidity=gravidity, pk__any=ids).values_list(
            "pk", flat=True
        ),
        gravidity=STAND_IN_NUMBER,
        ids=STAND_IN_IDS,
    )
    ids = [first.pk, second.pk]
    assert prepared(gravidity=2, ids=ids) == [first.pk]
    assert prepared(gravidity=3, ids=ids) == [second.pk]
    assert prepared(gravidity=4, ids=ids) == []


def test_a_stand_in_left_undeclared_in_the_statement_is_refused():
    """A stand-in a helper built in, that the statement does not declare, would run as a
    value (no rows, silently): compiling refuses it."""
    from config.prepared import STAND_IN_OTHER_ID

    prepared = Prepared(
        lambda dossier_id: _members(dossier_id).filter(professional_id=STAND_IN_OTHER_ID),
        dossier_id=STAND_IN_ID,
    )
    with pytest.raises(ImproperlyConfigured, match="not declared"):
        prepared(dossier_id=1)


# --- planned for its values (config.prepared.planned_for_its_values) -------------------------


def _kept_on_the_server(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchone()[0]


def test_a_statement_planned_for_its_values_is_never_kept_prepared():
    """Inside ``planned_for_its_values`` a statement run more often than the threshold is
    planned anew each time (not prepared on the server); outside, the same statement is
    prepared. The connection's threshold comes back, after an error too."""
    threshold = connection.connection.prepare_threshold
    assert threshold is not None, "the connection prepares (config.database)"
    runs = threshold + 3
    with planned_for_its_values(), connection.cursor() as cursor:
        assert connection.connection.prepare_threshold is None
        for value in range(runs):
            cursor.execute("SELECT %s::int AS planned_each_time", [value])
            assert cursor.fetchone() == (value,)
    assert _kept_on_the_server("planned_each_time") == 0
    assert connection.connection.prepare_threshold == threshold
    with connection.cursor() as cursor:
        for value in range(runs):
            cursor.execute("SELECT %s::int AS kept_prepared", [value])
    assert _kept_on_the_server("kept_prepared") == 1
    with pytest.raises(ZeroDivisionError), planned_for_its_values():
        1 / 0  # noqa: B018
    assert connection.connection.prepare_threshold == threshold


def test_a_prepared_statement_for_its_values_answers_alike_and_is_not_kept():
    """``Prepared(..., for_its_values=True)``: the same rows as the queryset, and its
    statement is not kept on the server however often it runs; without the flag it is."""
    dossier = DossierFactory()
    join(dossier, ProfessionalFactory(profession="gp").user)
    expected = list(_members(dossier.pk))
    planned = Prepared(_members, for_its_values=True, dossier_id=STAND_IN_ID)
    kept = Prepared(
        lambda dossier_id: _members(dossier_id).filter(public_id__isnull=False),
        dossier_id=STAND_IN_ID,
    )
    runs = connection.connection.prepare_threshold + 3
    for _ in range(runs):
        assert planned(dossier_id=dossier.pk) == expected
        assert kept(dossier_id=dossier.pk) == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    membership_table = '"network_membership"'
    shown = [s for s in statements if membership_table in s and '"dossier_id" = $1' in s]
    assert len(shown) == 1 and "IS NOT NULL" in shown[0], shown
