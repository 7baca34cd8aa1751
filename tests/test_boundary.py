"""The one access boundary (network/boundary.py): every route that names a record passes
it, and no view applies the access rules by hand.

The walk goes through Django's URL resolver, so a route added tomorrow is checked too: a
path with a dossier (``public_id``), a newborn (``newborn_id``) or an entry (``entry_id``)
that is not behind ``dossier_route`` / ``DossierApi`` fails the first test; each such route
then answers an outsider with the same 404 as an unknown record, for every method, with the
refusal logged on the record."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dossier.entries import KINDS
from network.boundary import is_behind
from network.models import AccessEvent, Outcome
from tests.conftest import sign_in_verified
from tests.personas import build_network

NAMES_A_RECORD = {"public_id", "newborn_id", "entry_id"}
ROOT = Path(__file__).resolve().parent.parent


def _routes(patterns=None, prefix="", namespace=""):
    """(route text, url name with namespace, converters, callback) of every URL pattern."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            converters = {**getattr(pattern.pattern, "converters", {})}
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield prefix + str(pattern.pattern), name, converters, pattern.callback


def _record_routes():
    return [
        (route, name, converters, callback)
        for route, name, converters, callback in _routes()
        if NAMES_A_RECORD & set(converters) and not route.startswith("beheer/")
    ]


def test_the_walk_finds_the_record_routes():
    """A sanity check, so the next test cannot pass by finding nothing."""
    routes = {route for route, *_ in _record_routes()}
    assert len(routes) >= 50
    assert "dossiers/<uuid:public_id>/" in routes
    assert "api/dossiers/<uuid:public_id>/home-visits/<uuid:entry_id>/" in routes


def test_every_route_that_names_a_record_is_behind_the_boundary():
    outside = [
        route for route, _name, _conv, callback in _record_routes() if not is_behind(callback)
    ]
    assert outside == []


def test_a_plain_view_is_not_taken_for_a_guarded_one():
    def view(request, public_id):
        return None

    assert not is_behind(view)


# Views read the rights from the route the boundary hands them; these are the boundary's.
BY_HAND = {
    "dossier_for",
    "record_read",
    "require_view",
    "require_edit",
    "require_entry_write",
    "require_change_plan",
    "require_comment",
    "require_can_raise_concern",
    "require_can_acknowledge_concern",
    "section_levels",
    "can_view",
    "can_edit",
    "visible_sections",
    "require_manage_network",
    "require_decide_consent",
}
VIEW_MODULES = [
    "dossier/views.py",
    "dossier/api.py",
    "dossier/entry_api.py",
    "dossier/consult_views.py",
    "dossier/consult_api.py",
    "careplan/views.py",
    "careplan/api.py",
    "network/views.py",
    "network/api.py",
]


def _rule_calls(tree) -> set[str]:
    """The access rules a module calls: ``access.x()``, ``audit.x()``, ``selectors.x()`` or a
    name imported from them (not ``route.can_view()``, which reads the boundary's answer)."""
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module in {"network.access", "network.audit", "dossier.selectors"}
        for alias in node.names
    }
    called = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id in {"access", "audit", "selectors"}
        ):
            called.add(function.attr)
        elif isinstance(function, ast.Name) and function.id in imported:
            called.add(function.id)
    return called


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_views_do_not_apply_the_access_rules_by_hand(module):
    assert _rule_calls(ast.parse((ROOT / module).read_text())) & BY_HAND == set()


def test_the_by_hand_check_can_fail():
    tree = ast.parse(
        "from dossier.selectors import dossier_for\n"
        "def v(request, public_id):\n"
        "    access.require_view(request.user, dossier_for(request.user, public_id))"
    )
    assert _rule_calls(tree) & BY_HAND == {"dossier_for", "require_view"}


def _arguments(converters, network):
    """Values for a route's path: the real dossier; made-up ids for the rest (the
    boundary answers before anything else is looked up)."""
    values = {
        "public_id": network.a.public_id,
        "newborn_id": network.newborn.public_id,
        "kind": next(iter(KINDS)),
        "section": "identity",
        "about": "bevalling",
        "number": 1,
        "file_format": "xml",
    }
    return {name: values.get(name, uuid.uuid4()) for name in converters}


@pytest.mark.django_db
def test_an_outsider_gets_the_unknown_records_404_everywhere_logged_on_the_record(client):
    network = build_network()
    sign_in_verified(client, network.users["outsider"])
    api_token = _token(network.users["outsider"])
    checked = 0
    for route, name, converters, _callback in _record_routes():
        url = reverse(name, kwargs=_arguments(converters, network))
        headers = {"HTTP_AUTHORIZATION": f"Token {api_token}"} if route.startswith("api/") else {}
        for method in ("get", "post"):
            mark = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = getattr(client, method)(url, **headers)
            assert response.status_code in (404, 405), (method, url, response.status_code)
            if response.status_code == 404:
                denied = AccessEvent.objects.filter(id__gt=mark)
                assert [(e.dossier_id, e.outcome) for e in denied] == [
                    (network.a.pk, Outcome.DENIED)
                ], (method, url)
                checked += 1
    assert checked >= 50


def _token(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key
