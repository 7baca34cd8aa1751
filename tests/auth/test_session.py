"""A session ends after 30 minutes without a request, and when the browser closes."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

DASHBOARD = "/dossiers/"


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_settings_are_the_agreed_ones():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_idle_for_longer_than_the_limit_has_ended(client, midwife):
    sign_in_verified(client, midwife)
    assert client.get(DASHBOARD).status_code == 200
    # 31 minutes without a request: the stored session's expiry has passed.
    Session.objects.filter(pk=stored_session(client).pk).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_request_pushes_the_end_back(client, midwife):
    sign_in_verified(client, midwife)
    session = stored_session(client)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    left = stored_session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_the_cookie_lasts_only_as_long_as_the_browser(client, midwife):
    sign_in_verified(client, midwife)
    response = client.get(DASHBOARD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
