"""Statements sent ahead (``config.prepared.together`` and ``Prepared.later``) and the
access log written while a page renders (``network.audit.written_during``): the same rows
and the same events as without, only sooner; nothing but reads while the connection sends
ahead; an error in what was sent ahead still stops the answer (issue 16).

These run outside a test transaction (``transaction=True``): inside one, nothing is sent
ahead (the fallback, tested last) and every other test of the suite runs that way."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.prepared import STAND_IN_ID, STAND_IN_IDS, STAND_IN_NUMBER, Prepared, together
from dossier import selectors
from dossier.models import Dossier
from network import audit
from network.models import AccessEvent
from tests.factories import DossierFactory, UserFactory
from tests.network.conftest import build_network, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = Prepared(selectors.list_rows_query, user_id=STAND_IN_ID, ids=STAND_IN_IDS)
IDS = Prepared(
    lambda ids: Dossier.objects.filter(pk__any=ids).order_by("pk").values_list("pk", "status"),
    ids=STAND_IN_IDS,
)
MOTHERS = Prepared(
    lambda ids: (
        Dossier.objects.filter(pk__any=ids).order_by("-pk").values("pk", "mother__family_name")
    ),
    ids=STAND_IN_IDS,
)
# fails when run with n=0: division by zero, found by the database, not before
DIVIDED = Prepared(
    lambda n: Dossier.objects.annotate(x=RawSQL("1 / %s", [n])).values_list("x", flat=True),
    n=STAND_IN_NUMBER,
)


# takes a tenth of a second per n: still running when the answer before it is read
SLEEPY = Prepared(
    lambda n: Dossier.objects.annotate(
        x=RawSQL("(SELECT 1 FROM pg_sleep(%s / 10.0))", [n])
    ).values_list("x", flat=True)[:1],
    n=STAND_IN_NUMBER,
)


def in_pipeline() -> bool:
    return connection.connection is not None and connection.connection._pipeline is not None


def sql_of(queries) -> list[str]:
    return [query["sql"].split()[0] for query in queries]


@pytest.fixture
def records():
    dossiers = [DossierFactory() for _ in range(4)]
    return dossiers, [d.pk for d in dossiers]


def test_rows_sent_ahead_are_the_rows_of_the_call_read_in_any_order(records):
    _dossiers, ids = records
    user = UserFactory(is_superuser=True)
    expected = (ROWS(user_id=user.pk, ids=ids), IDS(ids=ids), MOTHERS(ids=ids))
    with CaptureQueriesContext(connection) as queries, together():
        assert in_pipeline()
        rows = ROWS.later(user_id=user.pk, ids=ids)
        pairs = IDS.later(ids=ids)
        mothers = MOTHERS.later(ids=ids)
        assert len(queries) == 3, "each statement is sent when asked for, not when read"
        mothers_got, rows_got, pairs_got = mothers(), rows(), pairs()  # not in sent order
        got = rows_got, pairs_got, mothers_got
        assert pairs() == pairs_got, "read again: the same rows, no statement more"
        assert len(queries) == 3
    assert not in_pipeline()
    assert got[1] == expected[1] and got[2] == expected[2]
    assert got[0] == expected[0]  # model rows, with their related objects and flags
    for row, same in zip(got[0], expected[0], strict=True):
        assert row.mother.family_name == same.mother.family_name
        assert row.newborn_count == same.newborn_count
        assert row.can_view_identity == same.can_view_identity


def test_reading_a_statement_does_not_wait_for_those_sent_after_it(records):
    """Reading an answer reads those sent before it and its own, never those after it:
    the database goes on with them while Python makes these rows (psycopg's own reading
    would wait for every answer sent)."""
    _dossiers, ids = records
    expected = IDS(ids=ids)
    with together():
        pipeline = connection.connection._pipeline
        first = SLEEPY.later(n=2)  # not arrived yet when it is read
        slow = SLEEPY.later(n=5)
        pairs = IDS.later(ids=ids)
        assert first() == [1]
        assert len(pipeline.result_queue) == 2, "the slow answer and the one after it: unread"
        assert slow() == [1]
        assert pairs() == expected
        assert not pipeline.result_queue


def test_an_answer_before_a_failing_statement_is_read_and_the_failure_raised_when_read(records):
    _dossiers, ids = records
    with pytest.raises(DatabaseError, match="division by zero"), together():
        pairs = IDS.later(ids=ids)
        failing = DIVIDED.later(n=0)
        assert [pk for pk, _status in pairs()] == ids
        failing()
    assert not in_pipeline()
    assert [pk for pk, _status in IDS(ids=ids)] == ids


def test_outside_together_a_later_statement_runs_when_read(records):
    _dossiers, ids = records
    with CaptureQueriesContext(connection) as queries:
        pairs = IDS.later(ids=ids)
        assert len(queries) == 0
        assert pairs() == IDS(ids=ids)
    assert len(queries) == 2


def test_inside_a_transaction_nothing_is_sent_ahead(records):
    _dossiers, ids = records
    with transaction.atomic(), together(), CaptureQueriesContext(connection) as queries:
        assert not in_pipeline()
        pairs = IDS.later(ids=ids)
        assert len(queries) == 0
        assert [pk for pk, _status in pairs()] == ids


def test_only_reads_run_while_statements_are_sent_ahead(records):
    dossiers, _ids = records
    with pytest.raises(RuntimeError, match="Only reads"), together():
        Dossier.objects.filter(pk=dossiers[0].pk).update(status="closed")
    assert not in_pipeline()
    dossiers[0].refresh_from_db()
    assert dossiers[0].status != "closed"


def test_an_error_in_a_statement_sent_ahead_is_raised_and_the_connection_goes_on(records):
    _dossiers, ids = records
    with pytest.raises(DatabaseError, match="division by zero"), together():
        failing = DIVIDED.later(n=0)
        failing()
    with pytest.raises(DatabaseError, match="division by zero"), together():
        DIVIDED.later(n=0)  # never read: leaving waits for it and raises
    assert not in_pipeline()
    assert [pk for pk, _status in IDS(ids=ids)] == ids
    assert DIVIDED(n=1) == [1] * len(ids)


# --- the access log written while the page renders -------------------------------------


def events() -> list[tuple[int, list[str]]]:
    return list(AccessEvent.objects.order_by("id").values_list("dossier_id", "sections"))


def test_the_reads_are_committed_when_the_block_ends_one_event_per_record(records):
    dossiers, _ids = records
    reader = UserFactory()
    with audit.one_request():
        audit.record_read_list(reader, [(d, "identity") for d in dossiers])
        with CaptureQueriesContext(connection) as queries, audit.written_during():
            assert in_pipeline()
            assert sql_of(queries)[0] == "BEGIN" and sql_of(queries)[-1] == "COMMIT"
            IDS(ids=[dossiers[0].pk])  # a read while the write goes on
            # read again in the block: already written, not a second event
            audit.record_read_list(reader, [(dossiers[0], "identity")])
            # a section not written yet: written when the request ends
            audit.record_read_list(reader, [(dossiers[1], "prenatal")])
        assert not in_pipeline()
        assert events() == [(d.pk, ["identity"]) for d in dossiers]
    assert events()[-1] == (dossiers[1].pk, ["prenatal"])
    assert len(events()) == len(dossiers) + 1
    assert audit.verify().broken is None


def test_a_write_that_fails_stops_the_answer_and_leaves_nothing(records):
    dossiers, _ids = records
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the log is down'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON network_accessevent "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        shown = []
        with pytest.raises(DatabaseError, match="the log is down"), audit.one_request():
            audit.record_read_list(UserFactory(), [(dossiers[0], "identity")])
            with audit.written_during():
                shown.append("the page")
        # the failure stops the answer whether it arrived before the page was rendered
        # (raised when COMMIT is sent) or after (raised when the block ends)
        assert shown in ([], ["the page"])
        assert not in_pipeline()
        assert connection.connection.info.transaction_status == 0  # idle, in autocommit
        assert events() == []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse ON network_accessevent")
            cursor.execute("DROP FUNCTION test_refuse()")


def test_nothing_is_written_ahead_inside_a_transaction_or_outside_a_request(records):
    dossiers, _ids = records
    reader = UserFactory()
    with transaction.atomic(), audit.one_request():
        audit.record_read_list(reader, [(dossiers[0], "identity")])
        with CaptureQueriesContext(connection) as queries, audit.written_during():
            assert not in_pipeline()
        assert queries.captured_queries == []
    assert events() == [(dossiers[0].pk, ["identity"])]
    with audit.written_during():  # no request: reads are written at once, as always
        audit.record_read_list(reader, [(dossiers[1], "prenatal")])
    assert events()[-1] == (dossiers[1].pk, ["prenatal"])


def test_my_records_writes_one_event_per_record_and_shows_the_same_page(client):
    """ "My records" sends its rows, panels and log ahead: its events and its page are the
    ones the page had without (a test transaction sends nothing ahead)."""
    from network import services
    from network.models import Urgency

    network = build_network(gp_without_delivery=True)
    coordinator = network.users["coordinator"]
    services.concern_raise(
        actor=network.users["gp"], dossier=network.a, text="Somber.", urgency=Urgency.TODAY
    )
    sign_in(client, coordinator)
    last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("dossier:dashboard"))
    assert answer.status_code == 200
    assert "COMMIT" in sql_of(queries), "the reads were written while the page rendered"
    written = list(AccessEvent.objects.filter(id__gt=last).values_list("dossier_id", "sections"))
    records = [dossier_id for dossier_id, _sections in written]
    assert written and len(records) == len(set(records))
    assert network.a.pk in records
    page = answer.content.decode()
    assert "Somber." not in page  # the concern's text stays on its own page
    with transaction.atomic():  # the same page, nothing sent ahead
        again = client.get(reverse("dossier:dashboard"))
    assert _without_tokens(again.content.decode()) == _without_tokens(page)


def _without_tokens(page: str) -> str:
    import re

    return re.sub(r'(value|nonce)="[^"]{20,}"', "", page)
