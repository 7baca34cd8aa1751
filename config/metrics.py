"""Prometheus metrics at ``/metrics``, an internal endpoint: plain-text exposition format
0.0.4, written by hand (no client library).

Who may read it: a request from an address in ``METRICS_ALLOWED_IPS`` (the scraper's, as
REMOTE_ADDR: behind a proxy, let the proxy refuse ``/metrics`` from outside), or one with
``Authorization: Bearer <METRICS_TOKEN>``. Anyone else gets the site's 404, as for a page
that does not exist. No figure names a person or a record: counts only.

- ``moederschapsdossier_http_requests_total{status_class}``: answers by status class since
  this process started (a counter per process: with several gunicorn workers, each counts
  its own, and a scrape reads the one that answers — rate() over them stays meaningful);
- ``moederschapsdossier_outbox_messages{state}`` and
  ``moederschapsdossier_outbox_oldest_waiting_seconds``: ``network.outbox.backlog()``;
- ``moederschapsdossier_export_batches{state}``: eBirth export batches by status;
- ``moederschapsdossier_alerts_open{severity}``: clinical alerts not yet resolved."""

from __future__ import annotations

import hmac
import threading
from collections import Counter

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PREFIX = "moederschapsdossier"
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

_lock = threading.Lock()
_requests: Counter = Counter()


class RequestCountMiddleware:
    """Count every answer by its status class (first in MIDDLEWARE: it sees every answer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status_class = f"{response.status_code // 100}xx"
        with _lock:
            _requests[status_class] += 1
        return response


def requests_counted() -> dict[str, int]:
    with _lock:
        return {status_class: _requests[status_class] for status_class in STATUS_CLASSES}


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in getattr(settings, "METRICS_ALLOWED_IPS", [])


def _family(lines: list[str], name: str, kind: str, help_text: str, samples) -> None:
    lines.append(f"# HELP {PREFIX}_{name} {help_text}")
    lines.append(f"# TYPE {PREFIX}_{name} {kind}")
    for labels, value in samples:
        label_text = ",".join(f'{key}="{value_}"' for key, value_ in labels.items())
        lines.append(
            f"{PREFIX}_{name}{{{label_text}}} {value}" if label_text else f"{PREFIX}_{name} {value}"
        )


def exposition() -> str:
    """The metrics as Prometheus text."""
    from dossier.alerts import Severity
    from dossier.models import Alert
    from ebirth.models import BatchStatus, ExportBatch
    from network import outbox

    lines: list[str] = []
    _family(
        lines,
        "http_requests_total",
        "counter",
        "Answers by status class since this process started.",
        [({"status_class": c}, n) for c, n in requests_counted().items()],
    )
    backlog = outbox.backlog()
    oldest = backlog.pop("oldest_waiting_seconds")
    _family(
        lines,
        "outbox_messages",
        "gauge",
        "Outbox messages not yet sent, by state.",
        [({"state": state}, n) for state, n in backlog.items()],
    )
    _family(
        lines,
        "outbox_oldest_waiting_seconds",
        "gauge",
        "Age of the oldest message waiting to be sent (0 when none).",
        [({}, oldest)],
    )
    batches = dict(ExportBatch.objects.values_list("status").order_by().annotate(n=Count("pk")))
    _family(
        lines,
        "export_batches",
        "gauge",
        "eBirth export batches by state.",
        [({"state": s}, batches.get(s, 0)) for s in BatchStatus.values],
    )
    alerts = dict(
        Alert.objects.filter(resolved_at__isnull=True)
        .values_list("severity")
        .order_by()
        .annotate(n=Count("pk"))
    )
    _family(
        lines,
        "alerts_open",
        "gauge",
        "Clinical alerts not yet resolved, by severity.",
        [({"severity": s}, alerts.get(s, 0)) for s in Severity.values],
    )
    return "\n".join(lines) + "\n"


@never_cache
@require_safe
def metrics(request):
    if not _allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
