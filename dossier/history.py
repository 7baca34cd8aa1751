"""Amendments, never silent overwrites (R3; DESIGN.md §3): who changed what, when, from
which value, and why.

PostgreSQL writes the history (migration 0004): a trigger on each clinical table stores the
row before and after every change in ``EntryChange``. A service names the actor and the
reason for its transaction with ``attribute()``; the trigger reads them from there, so even
``QuerySet.update()`` on a thousand rows leaves a thousand attributed entries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from dossier.insz import format_insz

HISTORY_FUNCTION = """
CREATE FUNCTION dossier_record_change() RETURNS trigger AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - 'updated_at' END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - 'updated_at' END;
    any_row jsonb := COALESCE(new_row, old_row);
BEGIN
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;  -- only the timestamp moved: nothing to remember
    END IF;
    INSERT INTO dossier_entrychange
        (at, table_name, row_id, dossier_id, operation, actor_id, reason,
         old_values, new_values)
    VALUES (
        clock_timestamp(), TG_TABLE_NAME, (any_row->>'id')::bigint,
        CASE WHEN TG_TABLE_NAME = 'dossier_dossier' THEN (any_row->>'id')::bigint
             ELSE (any_row->>'dossier_id')::bigint END,
        TG_OP,
        NULLIF(current_setting('moederschap.actor_id', true), '')::integer,
        COALESCE(current_setting('moederschap.reason', true), ''),
        old_row, new_row);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

TRACK_SQL = """
CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION dossier_record_change();
"""
UNTRACK_SQL = "DROP TRIGGER {table}_history ON {table};"

# Columns that are bookkeeping, not clinical content: not shown as changes.
HIDDEN = {
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "created_by_id",
    "user_id",
    "recorded_by_id",  # who recorded it: the change's actor, shown through the names door
    "client_key",
}  # the id a phone gave a visit sent offline (HomeVisit.client_key)


def track_sql(table: str) -> str:
    return TRACK_SQL.format(table=table)


def attribute(actor, reason: str = "") -> None:
    """Name who makes this transaction's changes and why; the history trigger records it.
    Call inside ``transaction.atomic()``: the setting ends with the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('moederschap.actor_id', %s, true), "
            "set_config('moederschap.reason', %s, true)",
            [str(actor.pk) if actor is not None and actor.pk else "", reason[:300]],
        )


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


# Related rows never shown in a history: the record is the page's own; a person (the
# mother, a user) is named only through network.names, as the change's actor.
UNSHOWN_RELATIONS = {"dossier.Dossier", "dossier.Mother", settings.AUTH_USER_MODEL}


def _related_label(field, value) -> str:
    """A foreign key as its object's label, never its database id ("→ 8", issue 14); a
    baby by its birth order (its name belongs to the newborn section)."""
    related = field.related_model._default_manager.filter(pk=value).first()
    if related is None:
        return "—"
    if field.related_model._meta.label == "dossier.Newborn":
        return gettext("Newborn %(order)s") % {"order": related.birth_order}
    return str(related)


def _display(field, value) -> str:
    """A stored JSON value as the pages show it: labels for choices and related objects,
    Belgian dates and numbers."""
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation:
        return _related_label(field, value)
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(parse_datetime(value)).strftime("%d-%m-%Y %H:%M")
    if isinstance(field, models.DateField):
        return parse_date(value).strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float) and not getattr(field, "choices", None):
        return number_format(Decimal(str(value)))  # Belgian: 71,5
    if field.name == "insz":
        return format_insz(value)
    base = getattr(field, "base_field", field)  # an ArrayField's choices sit on its items
    choices = {str(k): v for k, v in (base.flatchoices or [])}
    if isinstance(value, list):
        return ", ".join(str(choices.get(str(v), v)) for v in value)
    return str(choices.get(str(value), value))


def field_changes(change) -> list[FieldChange]:
    """What changed in one entry, field by field, with the fields' own labels."""
    model = apps.get_model(*change.table_name.split("_", 1))
    columns = {f.column: f for f in model._meta.concrete_fields}
    before, after = change.old_values or {}, change.new_values or {}
    rows = []
    for column, field in columns.items():  # in the model's own field order
        if column in HIDDEN or (
            field.is_relation and field.related_model._meta.label in UNSHOWN_RELATIONS
        ):
            # the record itself is the page's; a person is the change's actor (names door)
            continue
        shown = _display(field, before.get(column)), _display(field, after.get(column))
        if shown[0] != shown[1]:  # also skips "" → None on a new record's empty fields
            rows.append(FieldChange(str(capfirst(field.verbose_name)), *shown))
    return rows
