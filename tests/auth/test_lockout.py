"""django-axes: five wrong passwords lock that user name on that address for 15 minutes."""

import datetime

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from config.signin import client_ip
from tests.auth.helpers import is_signed_in, password_login
from tests.factories import MotherFactory, UserFactory

pytestmark = pytest.mark.django_db

OTHER_ADDRESS = "192.0.2.44"


@pytest.fixture
def lotte(db):
    """A mother without an authenticator app: the password alone signs her in."""
    return MotherFactory(user=UserFactory(username="lotte")).user


def fail(client, username="lotte", times=5, **extra):
    return [password_login(client, username, "wrong-password", **extra) for _ in range(times)]


def test_the_settings_are_the_agreed_ones():
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "guardian.backends.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_four_wrong_passwords_only_show_the_login_form_again(client, lotte):
    for response in fail(client, times=4):
        assert response.status_code == 200 and response.context["form"].errors
    assert password_login(client, "lotte").status_code == 302


def test_five_wrong_passwords_lock_the_user_name_on_this_address(client, lotte):
    responses = fail(client)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = password_login(client, "lotte")  # the right password, the 6th attempt
    assert locked.status_code == 429
    assert not is_signed_in(client)
    assert 'role="alert"' in locked.text and reverse("login") in locked.text
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert locked.context["minutes"] == 15


def test_another_address_or_another_user_name_is_not_locked(client, lotte):
    UserFactory(username="an")
    fail(client)
    assert password_login(client, "lotte").status_code == 429
    elsewhere = client.__class__()
    assert password_login(elsewhere, "lotte", REMOTE_ADDR=OTHER_ADDRESS).status_code == 302
    assert is_signed_in(elsewhere)
    colleague = client.__class__()
    assert password_login(colleague, "an").status_code == 302
    assert is_signed_in(colleague)


def test_the_lock_lifts_after_the_cool_off(client, lotte):
    fail(client)
    assert password_login(client, "lotte").status_code == 429
    # Sixteen minutes later (the attempts are moved back in time instead of waiting).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16)
    )
    assert password_login(client, "lotte").status_code == 302
    assert is_signed_in(client)


def test_the_administrator_can_lift_the_lock(client, lotte):
    fail(client)
    assert reset(username="lotte") == 1
    assert password_login(client, "lotte").status_code == 302


def test_a_successful_login_resets_the_count(client, lotte):
    fail(client, times=4)
    assert password_login(client, "lotte").status_code == 302
    client.post(reverse("logout"))
    assert all(r.status_code == 200 for r in fail(client, times=4))
    assert password_login(client, "lotte").status_code == 302


def test_the_admin_login_form_is_watched_too(client):
    UserFactory(username="beheerder", is_staff=True)
    for _ in range(5):
        client.post("/beheer/login/", {"username": "beheerder", "password": "wrong"})
    response = client.post(
        "/beheer/login/", {"username": "beheerder", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


def test_the_test_clients_login_works_and_counts(client, lotte):
    assert client.login(username="lotte", password="correct-horse-battery")
    for _ in range(5):
        assert not client.login(username="lotte", password="wrong-password")
    assert not client.login(username="lotte", password="correct-horse-battery")


def test_behind_trusted_proxies_the_visitors_own_address_counts(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1"
    )
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: the direct peer
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: spoofed or misconfigured
    assert client_ip(request) == "10.0.0.2"
