"""Observability (issue 15): JSON log lines with the request id and user id and no clinical
content, optional Sentry without personal data, Prometheus metrics on an internal endpoint."""

import datetime
import io
import json
import logging
import sys
import types
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from config import logging as app_logging
from config import metrics
from dossier import services
from dossier.models import Alert, HomeVisit
from ebirth.models import ExportBatch
from network import outbox
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the app logs during the test, as JSON lines (the production formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app_logging.JsonFormatter())
    handler.addFilter(app_logging.RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_log_line_is_json_with_the_request_id_and_the_user_id(client, midwife, json_lines):
    sign_in_verified(client, midwife)
    response = client.get("/dossiers/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    lines = [line for line in json_lines() if line["logger"] == "django.request"]
    assert lines, "Django logs the 404"
    line = lines[-1]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == midwife.pk
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user_id"}


def test_an_exception_is_logged_without_its_message(json_lines):
    try:
        raise ValueError("bp_systolic=187 for Lotte Peeters")
    except ValueError:
        logging.getLogger("dossier").exception("Saving the visit failed")
    (line,) = [line for line in json_lines() if line["logger"] == "dossier"]
    assert line["exception"] == "ValueError"
    assert line["stack"] and "test_observability.py" in line["stack"][0]
    # the time is left out: its milliseconds were once .187
    logged = json.dumps({key: value for key, value in line.items() if key != "time"})
    assert "187" not in logged and "Lotte" not in logged
    assert line["request_id"] == "" and line["user_id"] is None


def test_json_is_the_format_chosen_by_log_format():
    assert app_logging.logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert (
        app_logging.logging_config("plain", "INFO")["handlers"]["console"]["formatter"] == "plain"
    )


# --- Sentry -----------------------------------------------------------------------------


def test_without_sentry_sdk_a_dsn_only_warns(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # not installed
    assert app_logging.init_sentry("https://key@sentry.example/1", environment="test") is False
    assert "sentry-sdk is not installed" in caplog.text
    assert app_logging.init_sentry("", environment="test") is False


def test_sentry_is_started_without_personal_data(monkeypatch):
    calls = []
    sdk = types.ModuleType("sentry_sdk")
    sdk.init = lambda **kwargs: calls.append(kwargs)
    integrations = types.ModuleType("sentry_sdk.integrations")
    django_integration = types.ModuleType("sentry_sdk.integrations.django")
    django_integration.DjangoIntegration = lambda: "django"
    for name, module in [
        ("sentry_sdk", sdk),
        ("sentry_sdk.integrations", integrations),
        ("sentry_sdk.integrations.django", django_integration),
    ]:
        monkeypatch.setitem(sys.modules, name, module)
    assert app_logging.init_sentry("https://key@sentry.example/1", environment="production")
    (options,) = calls
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    event = options["before_send"](
        {
            "request": {
                "method": "POST",
                "url": "/dossiers/x/",
                "data": {"notes": "bleeding"},
                "cookies": {"sessionid": "s"},
                "query_string": "q=Lotte",
            },
            "user": {"email": "lotte@example.org"},
        },
        {},
    )
    assert event["request"] == {"method": "POST", "url": "/dossiers/x/"}
    assert "user" not in event


# --- metrics ----------------------------------------------------------------------------


def _sample(text: str, name: str, **labels) -> float:
    label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    wanted = f"moederschapsdossier_{name}" + (f"{{{label_text}}}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{wanted} not in the metrics")


@override_settings(METRICS_ALLOWED_IPS=[], METRICS_TOKEN="")
def test_metrics_are_a_404_to_anyone_not_allowed(client, midwife):
    assert client.get("/metrics").status_code == 404
    sign_in_verified(client, midwife)  # a signed-in user is not enough either
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_ALLOWED_IPS=[], METRICS_TOKEN="s3cret-scraper-token")
def test_metrics_with_the_token(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"], METRICS_TOKEN="")
def test_metrics_count_requests_outbox_exports_and_open_alerts(client):
    net = build_network()
    services.home_visit_record(
        actor=net.users["coordinator"],
        babies=[],
        visit=HomeVisit(
            dossier=net.a,
            visited_at=timezone.now() - datetime.timedelta(minutes=30),
            temperature_c=Decimal("39.5"),
        ),
    )
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    assert open_alerts.exists()
    ExportBatch.objects.create(number=901, status="failed")
    ExportBatch.objects.create(number=902, status="done")
    ExportBatch.objects.create(number=903, status="done")
    before = metrics.requests_counted()["4xx"]
    client.get("/dossiers/00000000-0000-0000-0000-000000000000/")  # a 302 or 404
    client.get("/bestaat-niet/")
    text = client.get("/metrics").content.decode()
    assert _sample(text, "http_requests_total", status_class="4xx") >= before + 1
    assert "# TYPE moederschapsdossier_http_requests_total counter" in text
    backlog = outbox.backlog()
    assert _sample(text, "outbox_messages", state="waiting") == backlog["waiting"]
    assert _sample(text, "outbox_oldest_waiting_seconds") >= 0
    assert _sample(text, "export_batches", state="done") == 2
    assert _sample(text, "export_batches", state="failed") == 1
    assert _sample(text, "export_batches", state="running") == 0
    for severity in ("urgent", "today", "soon"):
        assert (
            _sample(text, "alerts_open", severity=severity)
            == open_alerts.filter(severity=severity).count()
        )
    assert "Lotte" not in text and str(net.a.public_id) not in text


def test_the_pdf_font_subsetting_says_nothing_below_a_warning(json_lines):
    """fontTools, under WeasyPrint, logs at INFO which glyphs each PDF used: hundreds of
    lines per printed plan, and the letters of the names in it."""
    subset = logging.getLogger("fontTools.subset")
    subset.info("Glyph names: ['L', 'o', 't', 'e']")
    subset.warning("a font could not be subset")
    lines = [line for line in json_lines() if line["logger"].startswith("fontTools")]
    assert [line["level"] for line in lines] == ["WARNING"]
