"""Every table of the registry keeps its history: the triggers in the database are exactly
the ones ``dossier.tracking`` derives from the entry kinds and the record's tables."""

import pytest
from django.db import connection

from dossier.entries import KINDS
from dossier.tracking import install_history_triggers, tracked_tables


def _installed() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE '%%\\_history' AND NOT tgisinternal"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_every_entry_kind_and_record_table_has_its_history_trigger():
    assert {kind.model._meta.db_table for kind in KINDS.values()} <= set(tracked_tables())
    assert _installed() == set(tracked_tables())


@pytest.mark.django_db
def test_a_table_that_lost_its_trigger_gets_it_back_at_the_next_migrate():
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER dossier_phonecontact_history ON dossier_phonecontact")
    assert "dossier_phonecontact" not in _installed()
    install_history_triggers(using="default")
    install_history_triggers(using="default")  # twice: replaced in place, not doubled
    assert _installed() == set(tracked_tables())
