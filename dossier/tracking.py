"""Which tables keep a change history: every entry kind of the registry
(``dossier.entries.KINDS``) and the record's own tables. The history trigger of each is
(re)installed after every ``migrate`` from this list, so a kind added to the registry has its
history from the first migrate on, without a migration of its own to forget
(tests/dossier/test_history.py checks the database against this list)."""

from __future__ import annotations

from django.db import connections

# The record's tables that are not entry kinds; the alerts keep their life in the history, and
# so do the consults with the maternity ward and the notes on their answers.
RECORD_TABLES = (
    "dossier_mother",
    "dossier_dossier",
    "dossier_delivery",
    "dossier_newborn",
    "dossier_babycheck",
    "dossier_measurement",
    "dossier_screening",
    "dossier_alert",
    "dossier_consultrequest",
    "dossier_consultnote",
)

INSTALL = """
CREATE OR REPLACE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION dossier_record_change();
"""


def tracked_tables() -> list[str]:
    from dossier.entries import KINDS

    return sorted({*RECORD_TABLES, *(kind.model._meta.db_table for kind in KINDS.values())})


def install_history_triggers(sender=None, using: str = "default", **kwargs) -> None:
    """``post_migrate``: one trigger per tracked table, replaced in place (idempotent)."""
    with connections[using].cursor() as cursor:
        for table in tracked_tables():
            cursor.execute(INSTALL.format(table=table))
