"""schemathesis against the API's own OpenAPI schema, in-process (the WSGI application),
with the token of a real member of a real record: for every operation a bounded number of
generated requests, and not one may answer 5xx or fall outside the schema (status code,
content type, body).

The record's ids are put into the paths (a random UUID would only ever meet a 404); the
entry ids and version numbers stay generated, so those routes are tried for their 404s."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.personas import build_network

# Found by this test outside this change's files, left to their owners (see the report):
# the care plan's GET/PUT answer {"version", "content"} but declare VersionSerializer.
KNOWN: dict[str, str] = {}  # "METHOD /path": why it may fail for now (none today)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process(db):
    """The WSGI application inside the test's transaction: like Django's test client, the
    request signals must not close the connection that holds it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def record(in_process):
    network = build_network()
    user = network.users["coordinator"]
    token, _created = Token.objects.get_or_create(user=user)
    gp = network.a.memberships.get(professional__user=network.users["gp"])
    return {
        "token": token.key,
        "paths": {
            "public_id": str(network.a.public_id),
            "newborn_id": str(network.newborn.public_id),
            "membership_id": str(gp.public_id),
        },
    }


def _schema():
    """The schema ``/api/schema/`` serves, generated here without a database (collection
    runs before any test may use it); the requests go to the WSGI application."""
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    # the generated requests only (no coverage or example phase): bounded by max_examples
    config = SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}, "examples": {"enabled": False}}}
    )
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_within_its_schema_and_never_5xx(case, record):
    for name, value in record["paths"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    try:
        case.call_and_validate(headers={"Authorization": f"Token {record['token']}"}, checks=CHECKS)
    except BaseException:
        label = case.operation.label
        if label in KNOWN:
            pytest.xfail(KNOWN[label])
        raise
