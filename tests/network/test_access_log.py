"""The access log (issue 16): one event per request and record, a hash chain per record
with its head, signed checkpoints, monthly partitions and archived months. Tampering is
simulated as an intruder with database rights would do it: with the triggers switched off
for the session."""

import datetime
import gzip
import threading
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from network import audit, partitions
from network.models import (
    AccessArchive,
    AccessChainHead,
    AccessEvent,
    Action,
    Outcome,
)
from tests.factories import DossierFactory, UserFactory
from tests.network.conftest import sign_in

pytestmark = pytest.mark.django_db

SECTIONS = ("identity", "prenatal", "delivery", "newborn", "postnatal")


@pytest.fixture
def log(db):
    """Three records, five requests each (one record's events in between the others')."""
    dossiers = [DossierFactory() for _ in range(3)]
    user = UserFactory(first_name="Griet", last_name="Peeters")
    for section in SECTIONS:
        for dossier in dossiers:
            audit.record_read(user, dossier, [section, "identity"])
    return dossiers


def events_of(dossier):
    return list(AccessEvent.objects.filter(dossier=dossier).order_by("seq"))


def tamper(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def broken():
    return audit.verify(batch_size=2).broken  # small batches: cross their seams


def test_an_intact_log_verifies(log, capsys):
    assert broken() is None
    audit.checkpoint()
    call_command("verify_access_log")
    out = capsys.readouterr().out
    assert "intact: 15 events in 3 record chains, 1 checkpoints" in out
    assert "Last checkpoint:" in out


def test_a_request_is_one_event_per_record_with_its_sections(log):
    first = events_of(log[0])
    assert [e.seq for e in first] == [1, 2, 3, 4, 5]
    assert first[1].sections == ["identity", "prenatal"]
    audit.record_read_list(UserFactory(), [(log[0], "identity"), (log[1], "identity")])
    audit.record_read_list(UserFactory(), [(log[0], "prenatal"), (log[0], "identity")])
    assert AccessEvent.objects.count() == 15 + 2 + 1
    assert events_of(log[0])[-1].sections == ["identity", "prenatal"]
    assert broken() is None


def test_the_database_refuses_to_edit_or_delete_events_and_heads(log):
    event = events_of(log[0])[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessChainHead.objects.filter(chain=log[0].pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessChainHead.objects.filter(chain=log[0].pk).update(seq=1)


def test_an_edited_row_is_found(log):
    target = events_of(log[1])[2]
    tamper("UPDATE network_accessevent SET sections = '{psychosocial}' WHERE id = %s", [target.pk])
    assert (broken().event_id, broken().chain) == (target.pk, log[1].pk)
    with pytest.raises(CommandError, match=f"broken at event {target.pk}"):
        call_command("verify_access_log")


def test_a_removed_row_is_found(log):
    events = events_of(log[1])
    tamper("DELETE FROM network_accessevent WHERE id = %s", [events[2].pk])
    assert broken().event_id == events[3].pk
    assert "missing" in broken().reason


def test_rows_removed_from_the_end_are_found_by_the_head(log):
    events = events_of(log[2])
    tamper("DELETE FROM network_accessevent WHERE id = ANY(%s)", [[e.pk for e in events[3:]]])
    assert "removed from its end" in broken().reason
    assert broken().chain == log[2].pk


def test_reordered_rows_are_found(log):
    events = events_of(log[0])
    tamper("UPDATE network_accessevent SET seq = -1 WHERE id = %s", [events[1].pk])
    tamper("UPDATE network_accessevent SET seq = 2 WHERE id = %s", [events[3].pk])
    tamper("UPDATE network_accessevent SET seq = 4 WHERE id = %s", [events[1].pk])
    assert broken().event_id == events[3].pk


def test_a_forged_row_with_a_made_up_hash_is_found(log):
    events = events_of(log[0])
    tamper("UPDATE network_accessevent SET hash = %s WHERE id = %s", [b"\xff" * 32, events[4].pk])
    assert broken().event_id == events[4].pk


def test_a_chain_deleted_whole_is_found_by_its_head(log):
    tamper("DELETE FROM network_accessevent WHERE dossier_id = %s", [log[1].pk])
    assert "deleted whole" in broken().reason
    assert broken().chain == log[1].pk


def test_a_chain_deleted_with_its_head_is_found_by_the_checkpoint(log):
    audit.checkpoint()
    tamper("DELETE FROM network_accessevent WHERE dossier_id = %s", [log[1].pk])
    tamper("DELETE FROM network_accesschainhead WHERE chain = %s", [log[1].pk])
    assert "checkpoint" in broken().reason
    assert broken().chain == log[1].pk


def test_checkpoints_hold_only_the_heads_that_moved_and_cannot_be_dropped(log):
    first = audit.checkpoint()
    assert first.chains == 3
    assert audit.checkpoint() is None  # nothing moved
    audit.record_read(UserFactory(), log[0], ["identity"])
    second = audit.checkpoint()
    assert second.chains == 1
    assert broken() is None
    tamper("DELETE FROM network_accesscheckpointhead WHERE checkpoint_id = %s", [first.pk])
    tamper("DELETE FROM network_accesscheckpoint WHERE id = %s", [first.pk])
    assert "signature does not hold" in broken().reason


def test_a_checkpoint_signed_with_another_key_does_not_verify(log, settings):
    audit.checkpoint()
    settings.ACCESS_LOG_KEY = "another key"
    assert "signature" in broken().reason


def test_events_about_no_record_share_chain_zero(log):
    audit.record_denied(UserFactory(), dossier_ref="not-a-record")
    audit.record_denied(UserFactory(), dossier_ref="another")
    unattached = AccessEvent.objects.filter(dossier__isnull=True).order_by("seq")
    assert [(e.seq, e.dossier_ref, e.outcome, e.sections) for e in unattached] == [
        (1, "not-a-record", Outcome.DENIED, []),
        (2, "another", Outcome.DENIED, []),
    ]
    assert broken() is None
    tamper("UPDATE network_accessevent SET dossier_ref = 'x' WHERE id = %s", [unattached[0].pk])
    assert broken().chain == 0


def test_postgresql_hashes_the_content_python_verifies_whatever_the_text(log):
    """The append writes each event's content in SQL (``_APPEND``); ``verify`` recomputes
    it in Python (``_content``) from the stored row. Names and references holding the
    separator, quotes, accents and characters beyond the basic plane hash the same on both
    sides, and the fields are stored as given."""
    odd = UserFactory(first_name="Zoë \x1f 'O''Brien'", last_name="Ŝ😀; DROP TABLE x; --")
    reference = "ref\x1f\"';--😀"
    written = audit.append(
        odd,
        [(log[0], "", ["prenatal", "identity"]), (None, reference, []), (log[1], "", [])],
        action="read",
    )
    assert written == 3
    mine = AccessEvent.objects.filter(actor=odd)
    assert {(e.chain, e.reference, tuple(e.sections)) for e in mine} == {
        (log[0].pk, "", ("identity", "prenatal")),
        (log[1].pk, "", ()),
        (0, reference, ()),
    }
    assert {e.actor_label for e in mine} == {odd.get_full_name()}
    assert broken() is None
    tamper("UPDATE network_accessevent SET actor_label = 'Zoe' WHERE actor_id = %s", [odd.pk])
    assert broken() is not None


def test_events_carry_no_clinical_content():
    fields = {f.name for f in AccessEvent._meta.get_fields()}
    assert fields == {
        "id",
        "at",
        "actor",
        "actor_label",
        "dossier",
        "dossier_ref",
        "sections",
        "action",
        "outcome",
        "request_id",
        "seq",
        "hash",
    }


def test_events_go_to_the_month_s_partition_and_months_ahead_exist(log):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM network_accessevent GROUP BY 1"
        )
        where = dict(cursor.fetchall())
    today = datetime.datetime.now(datetime.UTC).date()
    assert where == {partitions.name(today): 15}
    month = partitions.month_start(today)
    for _ in range(partitions.MONTHS_AHEAD):
        month = partitions.next_month(month)
        assert month in partitions.existing()
    assert partitions.ensure() == []  # made already: nothing to do


def test_the_only_index_is_the_chain_and_a_brin_on_the_time():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'network_accessevent'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"network_accessevent_chain", "network_accessevent_at"}
    assert "brin" in indexes["network_accessevent_at"]


def test_a_chain_s_times_never_go_back(log):
    """The head keeps the last time: an append whose clock is behind takes the head's."""
    head = AccessChainHead.objects.get(chain=log[0].pk)
    earlier = head.at - datetime.timedelta(seconds=5)
    with mock.patch("network.audit.timezone.now", return_value=earlier):
        audit.record_read(UserFactory(), log[0], ["identity"])
    assert events_of(log[0])[-1].at == head.at
    assert broken() is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_on_one_record_and_on_many_keep_every_chain_whole():
    shared = DossierFactory()
    own = [DossierFactory() for _ in range(8)]
    users = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(users))
    errors = []

    def work(user, mine):
        try:
            barrier.wait(timeout=10)
            for _ in range(10):
                audit.record_read(user, shared, ["identity", "prenatal"])
                audit.record_read(user, mine, ["identity"])
                audit.record_read_list(user, [(shared, "postnatal"), (mine, "newborn")])
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair) for pair in zip(users, own, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [e.seq for e in events_of(shared)] == list(range(1, 8 * 10 * 2 + 1))
    for dossier in own:
        assert len(events_of(dossier)) == 20
    assert broken() is None


def test_an_old_month_is_archived_and_verification_resumes_after_it(log, tmp_path):
    today = datetime.datetime.now(datetime.UTC).date()
    old = partitions.month_start(today.replace(day=1) - datetime.timedelta(days=100))
    assert partitions.create(old)
    before = datetime.datetime.combine(old, datetime.time(12), datetime.UTC)
    fresh = DossierFactory()
    # events written back then (the heads would refuse a time going back: new records)
    young = [DossierFactory() for _ in range(2)]
    tamper("DELETE FROM network_accesschainhead")  # start the chains over, back in time
    tamper("DELETE FROM network_accessevent")
    with mock.patch("network.audit.timezone.now", return_value=before):
        for dossier in [*log, *young]:
            audit.record_read(UserFactory(), dossier, ["identity"])
    for dossier in [*log, fresh]:
        audit.record_read(UserFactory(), dossier, ["prenatal"])
    audit.checkpoint()
    assert broken() is None

    with pytest.raises(audit.ArchiveRefused, match="less than a month ago"):
        audit.archive(today, folder=tmp_path)
    done = audit.archive(old, folder=tmp_path)
    assert (done.month, done.events) == (old, 5)
    assert old not in partitions.existing()
    with gzip.open(tmp_path / done.file_name, "rt") as archived:
        assert len(archived.read().strip().splitlines()) == 1 + 5
    assert AccessEvent.objects.count() == 4
    result = audit.verify(batch_size=2)
    assert result.broken is None
    assert result.chains == 4  # the young records' chains live on in the archive only
    assert AccessArchive.objects.get().anchors.count() == 5
    # and the archive's anchor does not excuse a break after it
    last = events_of(log[0])[-1]
    tamper("UPDATE network_accessevent SET actor_label = 'x' WHERE id = %s", [last.pk])
    assert broken().event_id == last.pk


def test_archiving_refuses_a_month_that_is_not_the_oldest(log, tmp_path):
    today = datetime.datetime.now(datetime.UTC).date()
    older = partitions.month_start(today - datetime.timedelta(days=200))
    newer = partitions.month_start(today - datetime.timedelta(days=100))
    partitions.create(older)
    partitions.create(newer)
    with pytest.raises(audit.ArchiveRefused, match="oldest month first"):
        audit.archive(newer, folder=tmp_path)
    with pytest.raises(CommandError, match="not YYYY-MM"):
        call_command("archive_access_log", "2024/01")


# --- "Wie bekeek mijn dossier": one row per visit ------------------------------------------


def test_the_mother_sees_one_row_per_visit_her_own_apart_and_refusals_marked(client, network):
    from network.selectors import access_visits

    mother, gp, midwife = (network.users[k] for k in ("mother", "gp", "coordinator"))
    dossier = network.a
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)

    def at(minutes, user, sections, **extra):
        with mock.patch(
            "network.audit.timezone.now", return_value=start + datetime.timedelta(minutes=minutes)
        ):
            audit.record(
                actor=user, dossier=dossier, sections=sections, action=Action.READ, **extra
            )

    tamper("DELETE FROM network_accessevent WHERE dossier_id = %s", [dossier.pk])
    tamper("DELETE FROM network_accesschainhead WHERE chain = %s", [dossier.pk])
    at(0, gp, ["identity", "prenatal"])
    at(5, gp, ["postnatal"])
    at(12, gp, ["identity"])  # one visit of three pages
    at(20, gp, ["delivery"], outcome=Outcome.DENIED)  # refused: a row of its own
    at(25, midwife, ["postnatal"])
    at(90, gp, ["newborn"])  # more than half an hour later: another visit
    at(95, mother, ["identity"])

    visits = access_visits(dossier, others_of=mother)
    assert [(v.actor_id, v.denied, v.sections) for v in visits] == [
        (gp.pk, False, ["newborn"]),
        (midwife.pk, False, ["postnatal"]),
        (gp.pk, True, ["delivery"]),
        (gp.pk, False, ["identity", "postnatal", "prenatal"]),
    ]
    assert visits[-1].requests == 3
    assert (visits[-1].first, visits[-1].last) == (start, start + datetime.timedelta(minutes=12))

    sign_in(client, mother)
    url = reverse("network:access_log", args=[dossier.public_id])
    page = client.get(url)
    assert len(page.context["page"].object_list) == 4
    text = page.content.decode()
    assert text.count('class="visit denied"') == 1
    assert "Geweigerd" in text
    assert {label for _id, label in page.context["people"]} == {
        gp.get_full_name(),
        midwife.get_full_name(),
    }
    only_gp = client.get(url, {"persoon": gp.pk}).context["page"].object_list
    assert {v.actor_id for v in only_gp} == {gp.pk} and len(only_gp) == 3
    own = client.get(url, {"wie": "ik"}).context["page"].object_list
    assert [(v.actor_id, v.sections) for v in own] == [(mother.pk, ["identity"])]
    assert client.get(url, {"persoon": "nobody"}).status_code == 200  # unknown: everyone


def test_a_page_writes_one_event_per_record_it_shows(client, network):
    """The list, its side panels and the record's own reads in one request: one event per
    record, with every section shown (issue 16: rows per page ≤ 1 per record)."""
    from network import services
    from network.models import Urgency

    coordinator = network.users["coordinator"]
    # her record also in the dashboard's panel of open concerns (a second read of it)
    services.concern_raise(
        actor=network.users["gp"], dossier=network.a, text="Somber.", urgency=Urgency.TODAY
    )
    sign_in(client, coordinator)
    for url in (
        reverse("dossier:dashboard"),
        reverse("dossier:detail", args=[network.a.public_id]),
    ):
        last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.get(url).status_code == 200
        written = list(AccessEvent.objects.filter(id__gt=last).values_list("dossier_id", flat=True))
        assert written and len(written) == len(set(written))


def test_one_append_writes_each_record_s_sections_and_refuses_a_comma(log):
    """The events of one append travel as one array per column (``audit.append``): each
    record gets its own sections, none and several included, and a section name with a
    comma (which would split) is refused before anything is written."""
    from tests.factories import DossierFactory

    actor, dossiers = UserFactory(), DossierFactory.create_batch(3)
    written = audit.append(
        actor,
        [
            (dossiers[0], "", ["prenatal", "identity"]),
            (dossiers[1], "", []),
            (dossiers[2], "", ["newborn"]),
            (dossiers[0], "", ["delivery"]),
        ],
        action="read",
    )
    assert written == 3
    events = {e.dossier_id: e.sections for e in AccessEvent.objects.filter(actor=actor)}
    assert events == {
        dossiers[0].pk: ["delivery", "identity", "prenatal"],
        dossiers[1].pk: [],
        dossiers[2].pk: ["newborn"],
    }
    assert broken() is None
    with pytest.raises(ValueError, match="comma"):
        audit.append(actor, [(dossiers[1], "", ["a,b"])], action="read")
    assert AccessEvent.objects.filter(actor=actor).count() == 3
