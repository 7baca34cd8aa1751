"""``reverse`` for addresses named by public ids, worked out once per route instead of once
per row (issue 16).

A list page names a record, a baby or an alert in every row. Django's ``reverse`` checks
each candidate pattern with a regular expression on every call, which cost a list of 25
rows about as much as rendering the rest of its row. ``reverse_ids(name, *ids)`` reverses
the route once per process (per script prefix, URL configuration and language, should a
route ever be translated) with stand-in UUIDs,
keeps the address cut around them, and then only puts each call's ids in their places.
A short text among the arguments (``{% url 'dossier:history' dossier.public_id 'identity'
%}``) is kept in the key and reversed as it is, once per route and text.
The address is the one ``reverse`` gives: a public id is a ``uuid.UUID``, written by the
``<uuid:…>`` converter as ``str(uuid)``, and anything else is handed to ``reverse`` itself
(tested against ``reverse`` for every route with ids: ``tests/config/test_quick_templates.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stand-ins that no route's own text contains (version-4 shape, counted from 1).
_STAND_INS = tuple(uuid.UUID(f"00000000-0000-4000-8000-{index:012x}") for index in range(1, 5))

# A text argument (a section's name, a kind of entry: what a template writes as a constant)
# is part of the key, reversed as it is; a longer one, or a key past the bound, is asked
# of reverse every time, so what a request names cannot grow the cache without end.
_TEXT_MAX = 40
_KEYS_MAX = 10_000

_Shape = tuple[str | None, ...]  # per argument: its text, or None for a public id
_PIECES: dict[tuple[str, _Shape, str, str | None, str | None], tuple[str, ...] | None] = {}


def _pieces(name: str, shape: _Shape) -> tuple[str, ...] | None:
    """The route's address cut where its ids go (one piece more than ids), or None when
    the address does not hold each stand-in exactly once (reverse is then asked every
    time)."""
    stand_ins = iter(_STAND_INS)
    args = [next(stand_ins) if text is None else text for text in shape]
    address = reverse(name, args=args)
    pieces: list[str] = []
    rest = address
    for stand_in in (arg for arg, text in zip(args, shape, strict=True) if text is None):
        before, found, after = rest.partition(str(stand_in))
        if not found or str(stand_in) in after:
            return None
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return tuple(pieces)


def _key(name: str, shape: _Shape) -> tuple[str, _Shape, str, str | None, str | None]:
    return (name, shape, get_script_prefix(), get_urlconf(), get_language())


def reverse_ids(name: str, *args: uuid.UUID | str) -> str:
    """``reverse(name, args=args)`` for a route whose arguments are public ids and short
    texts."""
    shape: list[str | None] = []
    ids: list[uuid.UUID] = []
    for value in args:
        if type(value) is uuid.UUID:
            shape.append(None)
            ids.append(value)
        elif type(value) is str and len(value) <= _TEXT_MAX:
            shape.append(value)
        else:
            return reverse(name, args=args)
    if len(ids) > len(_STAND_INS):
        return reverse(name, args=args)
    key = _key(name, tuple(shape))
    try:
        pieces = _PIECES[key]
    except KeyError:
        if len(_PIECES) >= _KEYS_MAX:
            return reverse(name, args=args)
        pieces = _PIECES[key] = _pieces(name, key[1])
    if pieces is None:
        return reverse(name, args=args)
    parts = [pieces[0]]
    for value, piece in zip(ids, pieces[1:], strict=True):
        parts.append(str(value))
        parts.append(piece)
    return "".join(parts)


def id_addresses(name: str) -> Callable[[object], str]:
    """``reverse_ids(name, public_id)`` for the rows of a list, one route and one public id
    each: the route's pieces are looked up once for the list instead of once per row (the
    key's script prefix, URL configuration and language are three lookups of the request's
    state, ≈8 µs a row). Anything but a public id is handed to ``reverse_ids``."""
    pieces = _PIECES.get(_key(name, (None,)))
    if pieces is None:
        reverse_ids(name, _STAND_INS[0])  # works the route out (or finds it has no pieces)
        pieces = _PIECES.get(_key(name, (None,)))
    if pieces is None or len(pieces) != 2:
        return lambda value: reverse_ids(name, value)  # type: ignore[arg-type]
    before, after = pieces

    def address(value: object) -> str:
        if type(value) is uuid.UUID:
            return f"{before}{value}{after}"
        return reverse_ids(name, value)  # type: ignore[arg-type]

    return address
