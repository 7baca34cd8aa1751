"""``/healthz``: what a load balancer or docker-compose asks before sending traffic.

It answers 200 when the database and the Celery broker respond, 503 with the failing part
named otherwise. It reveals no clinical data and needs no login."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # reported, not swallowed: it becomes the 503 below
        return f"error: {exc.__class__.__name__}"


def broker_status() -> str:
    if celery_app.conf.task_always_eager:
        return "in-process"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # reported, not swallowed: it becomes the 503 below
        return f"error: {exc.__class__.__name__}"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value in {"ok", "in-process"} for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks},
                        status=200 if healthy else 503)
