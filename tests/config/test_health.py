"""The health checks: liveness touches nothing; readiness fails only on the database, reports
the broker (against the real Redis, a dead one and a hung one) and the outbox's backlog."""

import datetime
import socket
import time
import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import resolve, reverse
from django.utils import timezone

from config import health
from config.celery import app as celery_app
from network.models import Channel, DeliveryStatus, OutboxMessage
from tests.conftest import route_celery

DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: Redis "stopped"
CHECKS = ["healthz_live", "healthz_ready", "healthz"]


@pytest.fixture
def broker(redis_url, monkeypatch):
    """Celery on the real Redis, tasks queued rather than run in-process (the suite runs
    them eagerly); the broker status starts unremembered. Returns a function that points
    Celery elsewhere; everything is restored afterwards."""
    saved = str(celery_app.conf.broker_url), bool(celery_app.conf.task_always_eager)
    monkeypatch.setattr(health, "_broker_seen", None)
    route_celery(redis_url, eager=False)
    yield lambda url: route_celery(url, eager=False)
    route_celery(saved[0], eager=saved[1])


@pytest.fixture
def hung_broker():
    """A port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(db):
    """The default connection of this thread pointed at a port where no PostgreSQL listens,
    as when the database server is down; the real connection is put back afterwards."""
    real = connections[DEFAULT_DB_ALIAS]
    dead = real.__class__({**real.settings_dict, "PORT": closed_port()}, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = dead
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        dead.close()


def refuse(*args, **kwargs):
    raise AssertionError("the broker was asked")


@pytest.fixture
def no_broker_use():
    with pytest.MonkeyPatch.context() as patch:  # undone before ``broker`` restores Celery
        patch.setattr(celery_app, "connection_for_write", refuse)
        yield


def message(status: str, **fields) -> OutboxMessage:
    return OutboxMessage.objects.create(
        key=f"test:{uuid.uuid4().hex}",
        channel=Channel.EMAIL,
        address="someone@example.org",
        subject="Test",
        body="Test",
        status=status,
        **fields,
    )


# --- liveness ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_live_touches_neither_database_nor_broker(
    client, django_assert_num_queries, broker, no_broker_use
):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz_live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_live_answers_while_the_database_is_down(client, database_down):
    response = client.get(reverse("healthz_live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- readiness -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_with_the_database_and_the_real_broker(client, broker):
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "outbox": {
            "waiting": 0,
            "sending": 0,
            "stuck": 0,
            "failed": 0,
            "oldest_waiting_seconds": 0,
        },
    }


@pytest.mark.django_db
def test_a_dead_broker_is_reported_but_does_not_fail_readiness(client, broker):
    broker(DEAD_BROKER)
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"].startswith("error: ")
    assert "outbox" in body


@pytest.mark.django_db
def test_a_hung_broker_costs_about_two_seconds_once_per_ten(client, broker, hung_broker):
    broker(hung_broker)
    started = time.monotonic()
    response = client.get(reverse("healthz_ready"))
    assert time.monotonic() - started < health.BROKER_TIMEOUT + 1.5
    assert response.status_code == 200
    first = response.json()["broker"]
    assert first.startswith("error: ")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(celery_app, "connection_for_write", refuse)
        started = time.monotonic()
        again = client.get(reverse("healthz_ready"))
        assert time.monotonic() - started < 1
        assert again.status_code == 200 and again.json()["broker"] == first  # remembered

        url, seen_at, status = health._broker_seen
        patch.setattr(
            health, "_broker_seen", (url, seen_at - health.BROKER_CACHE_SECONDS - 1, status)
        )
        later = client.get(reverse("healthz_ready")).json()["broker"]
        assert later == "error: AssertionError"  # after the period it is asked again


@pytest.mark.django_db
def test_the_outbox_backlog_is_reported_and_right(client):
    now = timezone.now()
    oldest = message(DeliveryStatus.PENDING)
    OutboxMessage.objects.filter(pk=oldest.pk).update(created_at=now - datetime.timedelta(hours=1))
    message(DeliveryStatus.PENDING, next_attempt_at=now + datetime.timedelta(minutes=5))
    message(DeliveryStatus.SENDING, attempts=1, leased_until=now + datetime.timedelta(minutes=5))
    message(DeliveryStatus.SENDING, attempts=1, leased_until=now - datetime.timedelta(minutes=1))
    message(DeliveryStatus.FAILED, attempts=5, last_error="SMTPException: refused")
    message(DeliveryStatus.SENT, attempts=1, sent_at=now)

    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    body = response.json()
    assert body["broker"] == "in-process"  # the suite runs tasks eagerly
    backlog = body["outbox"]
    assert (backlog["waiting"], backlog["sending"], backlog["stuck"], backlog["failed"]) == (
        2,
        1,
        1,
        1,
    )
    assert 3600 <= backlog["oldest_waiting_seconds"] < 3660


def test_ready_is_503_naming_the_database_when_it_is_down(client, database_down):
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error: OperationalError",
        "broker": "in-process",
    }


def test_healthz_is_readiness_for_existing_load_balancers(client, database_down):
    assert reverse("healthz") == "/healthz"
    assert resolve("/healthz").func is resolve(reverse("healthz_ready")).func
    assert client.get(reverse("healthz")).status_code == 503


# --- for every check -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", CHECKS)
def test_no_login_no_cache_and_get_only(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    for method in (client.post, client.put, client.delete):
        assert method(url).status_code == 405
