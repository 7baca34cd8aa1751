"""Characters no field may hold, refused once for every request.

PostgreSQL cannot store a NUL byte (``\\x00``) in text or jsonb, and a lone UTF-16
surrogate (``\\ud800``…``\\udfff``, which JSON's ``\\uXXXX`` escapes can carry) is no
character at all: either one reaching a save is a ``DataError`` (a 500). Rather than a
check on every field of every form, serializer and JSON document, ``BadTextMiddleware``
walks what a request brings — the query string, a posted form, a JSON body, keys and values
at any depth — and answers 400 naming the first field that holds one, before any view runs
(so nothing is ever partly saved). The API gets DRF's shape (``{"field": ["message"]}``, a
nested value named by its dotted path, e.g. ``appointments.0.note``); a page gets the
site's 400 page naming the field.

``text_problem`` and ``first_bad_text`` are also used by services that take JSON documents
from other callers (``careplan.content.check``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# NUL, and the surrogate range: valid in neither PostgreSQL text nor UTF-8.
_BAD = re.compile("[\x00\ud800-\udfff]")

JSON_TYPES = ("application/json", "application/merge-patch+json")


def text_problem(value: str) -> str | None:
    """The message for a string that cannot be stored, else None."""
    if not _BAD.search(value):
        return None
    if "\x00" in value:
        return _("This field contains a NUL character (\\x00), which cannot be stored.")
    return _("This field contains an invalid character (a lone surrogate), which cannot be stored.")


def _shown(key) -> str:
    return _BAD.sub("\ufffd", str(key))


def _walk(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{_shown(key)}" if path else _shown(key)
            if isinstance(key, str):
                yield child, key
            yield from _walk(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))


def first_bad_text(data, path: str = "") -> tuple[str, str] | None:
    """(dotted path, message) of the first string in ``data`` (a JSON value, a dict of
    lists as a QueryDict gives) that cannot be stored; None when all can."""
    for where, text in _walk(data, path):
        problem = text_problem(text)
        if problem:
            return where or "non_field_errors", problem
    return None


def _query_data(querydict) -> dict:
    return {key: querydict.getlist(key) for key in querydict}


def _flatten_single(found: tuple[str, str] | None) -> tuple[str, str] | None:
    """A form field posted once is named ``notes``, not ``notes.0``."""
    if found is None:
        return None
    path, message = found
    head, _sep, tail = path.rpartition(".")
    return (head if head and tail.isdigit() else path), message


def request_problem(request) -> tuple[str, str] | None:
    """The first field of the request that holds an unstorable character."""
    found = _flatten_single(first_bad_text(_query_data(request.GET)))
    if found:
        return found
    content_type = request.content_type or ""
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if content_type in JSON_TYPES:
            try:
                data = json.loads(request.body or b"null")
            except ValueError:
                return None  # not JSON: the API's parser answers 400 itself
            return first_bad_text(data)
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            return _flatten_single(first_bad_text(_query_data(request.POST)))
    return None


def wants_json(request) -> bool:
    return (
        request.path.startswith("/api/")
        or "application/json" in request.headers.get("Accept", "")
        or (request.content_type or "") in JSON_TYPES
    )


class BadTextMiddleware:
    """400 for a request carrying a NUL byte or a lone surrogate, naming the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = request_problem(request)
        if found is None:
            return self.get_response(request)
        field, message = found
        if wants_json(request):
            return JsonResponse({field: [message]}, status=400)
        return render(request, "400.html", {"field": field, "message": message}, status=400)
