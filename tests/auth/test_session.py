"""A session ends after 30 minutes without a request, and when the browser closes."""

import datetime
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.middleware import IdleTimerMiddleware
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

DASHBOARD = "/dossiers/"


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_settings_are_the_agreed_ones():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST  # config.middleware.IdleTimerMiddleware
    assert settings.IDLE_REFRESH_SECONDS == 60
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


def _last_refresh_minutes_ago(client, minutes: int) -> None:
    session = client.session
    session[IdleTimerMiddleware.REFRESHED] = int(time.time()) - minutes * 60
    session.save()


def test_a_request_after_a_minute_pushes_the_end_back(client, midwife):
    sign_in_verified(client, midwife)
    _last_refresh_minutes_ago(client, 2)
    Session.objects.filter(pk=stored_session(client).pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    left = stored_session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_requests_within_the_minute_do_not_write_the_session(client, midwife):
    """Issue 16: no UPDATE of the session (and no second COMMIT) on every page."""
    sign_in_verified(client, midwife)
    client.get(DASHBOARD)  # the first page refreshes the timer
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []
    _last_refresh_minutes_ago(client, 1)
    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    assert any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)


def test_a_visitor_without_a_session_gets_none(client, db):
    response = client.get(reverse("login"))
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_the_cookie_lasts_only_as_long_as_the_browser(client, midwife):
    sign_in_verified(client, midwife)
    response = client.get(DASHBOARD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
