"""The API tests' personas (tests/personas.py); every persona calls the API with its own
token, as an integration would."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from network.models import AccessEvent
from tests.personas import build_network


@pytest.fixture
def network(db):
    return build_network()


def token_client(user) -> APIClient:
    """A client that authenticates the way an integration does: ``Authorization: Token``."""
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(network):
    """``api("gp")``: a token client for that persona of the network."""
    return lambda persona: token_client(network.users[persona])


class Events:
    """The access log from a mark on: ``events.since()`` lists what was appended."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.mark = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def since(self):
        return list(AccessEvent.objects.filter(id__gt=self.mark).order_by("id"))


@pytest.fixture
def events(network):
    return Events()
