"""/healthz against the real broker: up when Redis answers, 503 when it does not."""

import socket

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from tests.conftest import route_celery


@pytest.fixture
def broker(redis_url):
    """Route Celery to the real Redis for this test (the suite otherwise runs tasks eagerly)."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    route_celery(redis_url, eager=False)
    yield celery_app
    route_celery(saved[1], eager=saved[0])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_healthy_with_a_reachable_broker(client, broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_503_naming_the_broker_when_it_is_down(client, broker):
    route_celery(f"redis://127.0.0.1:{closed_port()}/0", eager=False)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["broker"].startswith("error")
