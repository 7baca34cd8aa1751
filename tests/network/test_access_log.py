"""The access log is append-only and its hash chain betrays an edited, removed or reordered
row. Tampering is simulated as an intruder with database rights would do it: with the
append-only trigger switched off for the session."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from network import audit
from network.models import AccessEvent, Action
from tests.factories import DossierFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(db):
    dossier = DossierFactory()
    user = UserFactory(first_name="Griet", last_name="Peeters")
    for section in ("identity", "prenatal", "delivery", "newborn", "postnatal"):
        audit.record_read(user, dossier, [section])
    return list(AccessEvent.objects.order_by("id"))


def tamper(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def broken_at():
    _checked, broken = audit.verify_chain(batch_size=2)  # small batches: cross their seams
    return broken.event_id if broken else None


def test_an_intact_log_verifies(log, capsys):
    assert broken_at() is None
    call_command("verify_access_log")
    assert f"intact: {len(log)} events" in capsys.readouterr().out


def test_the_database_refuses_to_edit_or_delete_events(log):
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=log[0].pk).update(actor_label="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=log[0].pk).delete()


def test_an_edited_row_is_found(log):
    tamper("UPDATE network_accessevent SET section = 'psychosocial' WHERE id = %s", [log[2].pk])
    assert broken_at() == log[2].pk
    with pytest.raises(CommandError, match=f"broken at event {log[2].pk}"):
        call_command("verify_access_log")


def test_a_removed_row_is_found(log):
    tamper("DELETE FROM network_accessevent WHERE id = %s", [log[2].pk])
    assert broken_at() == log[3].pk


def test_reordered_rows_are_found(log):
    first, second = log[1], log[3]
    tamper("UPDATE network_accessevent SET id = -1 WHERE id = %s", [first.pk])
    tamper("UPDATE network_accessevent SET id = %s WHERE id = %s", [first.pk, second.pk])
    tamper("UPDATE network_accessevent SET id = %s WHERE id = -1", [second.pk])
    assert broken_at() == first.pk


def test_a_forged_row_with_a_made_up_hash_is_found(log):
    tamper("UPDATE network_accessevent SET hash = %s WHERE id = %s", ["f" * 64, log[4].pk])
    assert broken_at() == log[4].pk


def test_events_carry_no_clinical_content(log):
    fields = {f.name for f in AccessEvent._meta.get_fields()}
    assert fields == {
        "id",
        "at",
        "actor",
        "actor_label",
        "dossier",
        "dossier_ref",
        "section",
        "action",
        "outcome",
        "request_id",
        "previous_hash",
        "hash",
    }


def test_one_append_for_several_sections_keeps_the_chain(log):
    audit.record(
        actor=UserFactory(),
        dossier=log[0].dossier,
        sections=["identity", "newborn", "homehelp"],
        action=Action.READ,
    )
    assert broken_at() is None
    assert AccessEvent.objects.count() == len(log) + 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_extend_one_chain():
    import threading

    dossier = DossierFactory()
    users = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(users))

    def read(user):
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                audit.record_read(user, dossier, ["identity", "prenatal"])
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert AccessEvent.objects.filter(dossier=dossier).count() == 8 * 5 * 2
    assert broken_at() is None
