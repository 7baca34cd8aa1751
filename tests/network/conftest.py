"""The personas of the permission matrix (DESIGN.md §7) around one care network.

Dossier A: coordinator midwife Griet, GP Karim (the mother narrowed his view of the
delivery), paediatrician Anne, maternity assistant Ingrid, and the mother Lotte with her own
login. Dossier B: another mother (Eva) with only Griet. Plus a midwife outside every
network (Olivia) and an anonymous visitor."""

from dataclasses import dataclass

import pytest

from dossier.sections import Section
from network import services
from network.models import Level, Profession
from tests.factories import DeliveryFactory, DossierFactory, ProfessionalFactory, UserFactory, join


@dataclass
class Network:
    a: object
    b: object
    users: dict


def sign_in(client, user):
    """Sign a persona in the way the app requires (see tests/conftest.py)."""
    from tests.conftest import sign_in_verified

    if user is not None:
        sign_in_verified(client, user)
    return client


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
        "anonymous": None,
    }
    a = DeliveryFactory(dossier__coordinator=people["coordinator"],
                        dossier__mother__user=people["mother"]).dossier
    b = DossierFactory(coordinator=people["coordinator"], mother__user=people["other_mother"])
    join(a, people["gp"])
    join(a, people["paediatrician"])
    join(a, people["assistant"])
    services.consent_set(actor=people["mother"], dossier=a, section=Section.DELIVERY,
                         level=Level.NONE, membership=a.memberships.get(
                             professional__user=people["gp"]))
    return Network(a=a, b=b, users=people)
