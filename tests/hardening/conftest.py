"""The bad-input suite's record: the personas' network (tests/personas.py), the API as its
coordinator and as the mother, and a request helper that sends a body exactly as given
(``json.dumps`` escapes a lone surrogate as ``\\ud800``, as an attacker's client would)."""

import json

import pytest

from tests.api.conftest import token_client
from tests.personas import build_network


@pytest.fixture
def network(db):
    return build_network()


@pytest.fixture
def send(network):
    def send(persona, method, url, body, **headers):
        client = token_client(network.users[persona])
        return client.generic(
            method, url, json.dumps(body), content_type="application/json", **headers
        )

    return send
