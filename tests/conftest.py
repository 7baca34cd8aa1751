"""Personas and service fixtures shared by every test.

Personas (DESIGN.md §7): ``midwife`` (a professional), ``staff`` (an administrator) and
``outsider`` (a signed-in account that is no care provider). The network issue adds the
coordinator, the GP with narrower consent and the mothers."""

import os

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import ProfessionalFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> None:
    """Skip on a developer's machine without the service; in CI, fail: CI has it."""
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture
def redis_url():
    import redis

    url = settings.REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        require_service("Redis", f"{url}: {error}")
    return url


@pytest.fixture(autouse=True)
def dutch():
    """Every test starts in the interface's default language."""
    with translation.override("nl"):
        yield


@pytest.fixture
def midwife(db):
    return ProfessionalFactory(user__username="griet", user__first_name="Griet").user


@pytest.fixture
def staff(db):
    return UserFactory(username="beheerder", is_staff=True)


@pytest.fixture
def outsider(db):
    return UserFactory(username="buitenstaander")


def sign_in_verified(client, user):
    """Log a user in as the app would after every required step of signing in."""
    client.force_login(user)
    return client


@pytest.fixture
def midwife_client(client, midwife):
    return sign_in_verified(client, midwife)
