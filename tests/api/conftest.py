"""The personas of the API tests around one care network (DESIGN.md §7).

Dossier A (delivered, one newborn): coordinator midwife Griet, GP Karim, paediatrician Anne,
maternity assistant Ingrid, and the mother Lotte with her own login. Dossier B: another
mother (Eva) with only Griet. Olivia is a midwife outside every network. Every persona
calls the API with its own token, as an integration would."""

from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from network.models import AccessEvent, Profession
from tests.factories import (
    DeliveryFactory,
    DossierFactory,
    NewbornFactory,
    ProfessionalFactory,
    UserFactory,
    join,
)


@dataclass
class Network:
    a: object
    b: object
    newborn: object
    users: dict


@pytest.fixture
def network(db):
    people = {
        "coordinator": ProfessionalFactory(user__username="griet").user,
        "gp": ProfessionalFactory(user__username="karim", profession=Profession.GP).user,
        "paediatrician": ProfessionalFactory(user__username="anne",
                                             profession=Profession.PAEDIATRICIAN).user,
        "assistant": ProfessionalFactory(user__username="ingrid",
                                         profession=Profession.MATERNITY_ASSISTANT).user,
        "outsider": ProfessionalFactory(user__username="olivia").user,
        "mother": UserFactory(username="lotte"),
        "other_mother": UserFactory(username="eva"),
    }
    a = DeliveryFactory(dossier__coordinator=people["coordinator"],
                        dossier__mother__user=people["mother"]).dossier
    newborn = NewbornFactory(dossier=a)
    b = DossierFactory(coordinator=people["coordinator"], mother__user=people["other_mother"])
    for persona in ("gp", "paediatrician", "assistant"):
        join(a, people[persona])
    return Network(a=a, b=b, newborn=newborn, users=people)


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
