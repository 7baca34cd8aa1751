"""The permission matrix's personas: tests/personas.py, with the GP's view of the delivery
closed by the mother (so consent per member is part of every matrix run)."""

import pytest

from tests.personas import build_network


def sign_in(client, user):
    """Sign a persona in the way the app requires (see tests/conftest.py)."""
    from tests.conftest import sign_in_verified

    if user is not None:
        sign_in_verified(client, user)
    return client


@pytest.fixture
def network(db):
    return build_network(gp_without_delivery=True)
