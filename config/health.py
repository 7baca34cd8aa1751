"""Health checks for load balancers, orchestrators and docker-compose. None needs a login,
none reveals clinical data (only "ok"/"error" and counts), none is cached (``never_cache``),
and they answer GET and HEAD only (any other method: 405).

``/healthz/live`` — **liveness**: the process runs and serves requests. It touches neither
the database nor the broker, so a restart is never triggered by someone else's outage.

``/healthz/ready`` — **readiness**: may this instance take traffic? Yes when the database
answers ``SELECT 1``; otherwise 503 with ``"database": "error: <ExceptionClass>"``. The
Celery broker (Redis) is **reported** (``"broker": "ok" | "in-process" | "error: ..."``)
but never fails the check: while Redis is down the web tier still works, and the outbox
keeps every message until the broker is back (``network.outbox``). Draining the web tier
for it would turn a delay of messages into an outage of the record. The outbox's backlog
(``network.outbox.backlog``: waiting, sending, stuck, failed, age of the oldest) is
reported when the database answered.

The broker check is cheap and bounded: one connection attempt, no retry, at most
``BROKER_TIMEOUT`` seconds to connect and to get an answer, and its result is kept
``BROKER_CACHE_SECONDS`` in this process, so a load balancer polling every second pays it
at most once per period.

``/healthz`` — the same as ``/healthz/ready``, for the load balancers already set up."""

from __future__ import annotations

import threading
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app
from network import outbox

BROKER_TIMEOUT = 2  # seconds, for connecting and for the answer
BROKER_CACHE_SECONDS = 10.0

_broker_lock = threading.Lock()
_broker_seen: tuple[str, float, str] | None = None  # (broker URL, when, status)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # reported, not swallowed: it becomes the 503 below
        return f"error: {exc.__class__.__name__}"


def _probe_broker() -> str:
    try:
        with celery_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT,
                "socket_timeout": BROKER_TIMEOUT,
            },
        ) as conn:
            # max_retries=0: one attempt; a retry would add kombu's 2 s pause and a try
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
        return "ok"
    except Exception as exc:  # reported only: a broker outage does not fail readiness
        return f"error: {exc.__class__.__name__}"


def broker_status() -> str:
    """The broker's state, probed at most once per ``BROKER_CACHE_SECONDS`` per broker."""
    global _broker_seen
    if celery_app.conf.task_always_eager:
        return "in-process"
    url = str(celery_app.conf.broker_url)
    now = time.monotonic()
    with _broker_lock:
        seen = _broker_seen
    if seen is not None and seen[0] == url and now - seen[1] < BROKER_CACHE_SECONDS:
        return seen[2]
    status = _probe_broker()
    with _broker_lock:
        _broker_seen = (url, time.monotonic(), status)
    return status


def outbox_status() -> dict | str:
    try:
        return outbox.backlog()
    except Exception as exc:  # e.g. a migration not yet applied: reported, not a 500
        return f"error: {exc.__class__.__name__}"


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    database = database_status()
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "broker": broker_status()}
    if healthy:
        body["outbox"] = outbox_status()
    return JsonResponse(body, status=200 if healthy else 503)
