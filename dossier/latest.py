"""The newest entry of every kind of a record, and how many there are, in a constant number
of queries (issue 16): one statement for all the kinds (a ``UNION ALL`` of one row per kind,
each row the entry as JSON with its kind's count), then one query per model the entries
point to (who recorded them, the newborn, the organisation; each compiled once) — however
many kinds there are.

The overview shows the latest entry's first facts; those read the entry's own fields and
the related objects the kind's list would ``select_related`` (``EntryKind.related``, the
author and the record). Those are set on each entry here, so that reading them costs no
query; the record is the caller's own object."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Window

from config.prepared import STAND_IN_IDS, Prepared


@dataclass
class Latest:
    entry: object | None
    count: int


def _instance(model, row: dict):
    fields = model._meta.concrete_fields
    values = [field.to_python(row.get(field.column)) for field in fields]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


# The record's id in the statement as compiled once (no real id is negative); each call
# puts the record's own id in its place.
_MARK = -7_771_003
_STATEMENTS: dict[tuple[str, ...], tuple[str, list]] = {}


def _statement(kinds) -> tuple[str, list]:
    """The one statement for these kinds and its parameters with ``_MARK`` for the record,
    compiled once per process (the ORM's compiling of a dozen queries cost more than the
    statement itself)."""
    key = tuple(kind.slug for kind in kinds)
    if key not in _STATEMENTS:
        parts, params = [], []
        for index, kind in enumerate(kinds):
            query = (
                kind.model.objects.filter(dossier_id=_MARK)
                .annotate(total=Window(Count("pk")))
                .values_list("pk", "total")[:1]
            )
            sql, query_params = query.query.sql_with_params()
            table = connection.ops.quote_name(kind.model._meta.db_table)
            # the same rows and order, with the whole row as JSON
            sql = sql.replace("SELECT ", f"SELECT {index} AS kind, to_jsonb({table}.*)::text, ", 1)
            parts.append(f"({sql})")
            params.extend(query_params)
        _STATEMENTS[key] = (" UNION ALL ".join(parts), params)
    return _STATEMENTS[key]


def latest_of(dossier, kinds) -> dict[str, Latest]:
    """``{kind.slug: Latest(entry, count)}`` for ``kinds`` of ``dossier``, newest first as
    each kind orders its entries."""
    kinds = list(kinds)
    if not kinds:
        return {}
    sql, marked = _statement(kinds)
    with connection.cursor() as cursor:
        cursor.execute(sql, [dossier.pk if value == _MARK else value for value in marked])
        rows = {index: (text, total) for index, text, _pk, total in cursor.fetchall()}
    found: dict[str, Latest] = {}
    for index, kind in enumerate(kinds):
        if index not in rows:
            found[kind.slug] = Latest(None, 0)
            continue
        text, total = rows[index]
        entry = _instance(kind.model, json.loads(text, parse_float=Decimal))
        found[kind.slug] = Latest(entry, total)
    _attach_related(dossier, [(kind, found[kind.slug].entry) for kind in kinds])
    return found


def _attach_related(dossier, pairs) -> None:
    """Set each entry's record, author and the kind's related objects, one query per model."""
    wanted: dict[Any, set] = defaultdict(set)
    links = []
    for kind, entry in pairs:
        if entry is None:
            continue
        entry.dossier = dossier
        for name in ("recorded_by", *kind.related):
            field = entry._meta.get_field(name)
            target = getattr(entry, field.attname)
            if target is not None:
                wanted[field.related_model].add(target)
                links.append((entry, field, target))
    loaded = {
        model: {found.pk: found for found in _by_ids(model)(ids=list(ids))}
        for model, ids in wanted.items()
        if ids
    }
    for entry, field, target in links:
        field.set_cached_value(entry, loaded[field.related_model].get(target))


# the related objects' statements, one per model, compiled once (as in_bulk would read them)
_BY_IDS: dict[Any, Prepared] = {}


def _by_ids(model) -> Prepared:
    if model not in _BY_IDS:
        _BY_IDS[model] = Prepared(
            lambda ids: model._default_manager.filter(pk__any=ids).order_by(), ids=STAND_IN_IDS
        )
    return _BY_IDS[model]
