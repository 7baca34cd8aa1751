"""``reverse`` for addresses named by public ids, worked out once per route instead of once
per row (issue 16).

A list page names a record, a baby or an alert in every row. Django's ``reverse`` checks
each candidate pattern with a regular expression on every call, which cost a list of 25
rows about as much as rendering the rest of its row. ``reverse_ids(name, *ids)`` reverses
the route once per process (per script prefix, URL configuration and language, should a
route ever be translated) with stand-in UUIDs,
keeps the address cut around them, and then only puts each call's ids in their places.
The address is the one ``reverse`` gives: a public id is a ``uuid.UUID``, written by the
``<uuid:…>`` converter as ``str(uuid)``, and anything else is handed to ``reverse`` itself
(tested against ``reverse`` for every route with ids: ``tests/config/test_quick_templates.py``).
"""

from __future__ import annotations

import uuid

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stand-ins that no route's own text contains (version-4 shape, counted from 1).
_STAND_INS = tuple(uuid.UUID(f"00000000-0000-4000-8000-{index:012x}") for index in range(1, 5))

_PIECES: dict[tuple[str, int, str, str | None, str | None], tuple[str, ...] | None] = {}


def _pieces(name: str, count: int) -> tuple[str, ...] | None:
    """The route's address cut where its ids go (``count + 1`` pieces), or None when the
    address does not hold each stand-in exactly once (reverse is then asked every time)."""
    address = reverse(name, args=_STAND_INS[:count])
    pieces: list[str] = []
    rest = address
    for stand_in in _STAND_INS[:count]:
        before, found, after = rest.partition(str(stand_in))
        if not found or str(stand_in) in after:
            return None
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return tuple(pieces)


def reverse_ids(name: str, *ids: uuid.UUID) -> str:
    """``reverse(name, args=ids)`` for a route whose arguments are all public ids."""
    if len(ids) > len(_STAND_INS) or not all(type(value) is uuid.UUID for value in ids):
        return reverse(name, args=ids)
    key = (name, len(ids), get_script_prefix(), get_urlconf(), get_language())
    try:
        pieces = _PIECES[key]
    except KeyError:
        pieces = _PIECES[key] = _pieces(name, len(ids))
    if pieces is None:
        return reverse(name, args=ids)
    parts = [pieces[0]]
    for value, piece in zip(ids, pieces[1:], strict=True):
        parts.append(str(value))
        parts.append(piece)
    return "".join(parts)
