"""The OpenAPI schema validates, without warnings, and its pages use local files only."""

import json

from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


def test_the_schema_generates_and_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/dossiers/{public_id}/consent/" in target.read_text()


def test_the_schema_endpoint_answers(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {
        "/api/dossiers/",
        "/api/dossiers/{public_id}/",
        "/api/dossiers/{public_id}/newborns/",
        "/api/dossiers/{public_id}/newborns/{newborn_id}/",
        "/api/dossiers/{public_id}/memberships/",
        "/api/dossiers/{public_id}/memberships/{membership_id}/end/",
        "/api/dossiers/{public_id}/consent/",
    } <= set(schema["paths"])
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_doc_page_loads_its_files_locally(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "https://" not in page
    assert "<script>" not in page  # the page's own script is a file (the CSP runs no inline)
    script = APIClient().get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and '"validatorUrl": null' in script.content.decode()
    script = APIClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert script.status_code == 200


def test_the_browsable_api_renders_every_route(api, network):
    client = api("coordinator")
    base = f"/api/dossiers/{network.a.public_id}/"
    for path in (
        "/api/dossiers/",
        base,
        base + "newborns/",
        base + "memberships/",
        base + "consent/",
        f"{base}newborns/{network.newborn.public_id}/",
    ):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html")


def test_the_schema_lists_the_error_responses_and_blank_choices(db):
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)
    detail = schema["paths"]["/api/dossiers/{public_id}/"]
    assert {"400", "401", "403", "404"} <= set(detail["patch"]["responses"])
    assert {"401", "403", "404"} <= set(detail["get"]["responses"])
    plan = schema["paths"]["/api/dossiers/{public_id}/careplan/"]["put"]["responses"]
    assert {"400", "412", "428"} <= set(plan)
    components = schema["components"]["schemas"]
    assert "BlankEnum" in json.dumps(components["Newborn"]["properties"]["feeding"])
    assert components["BlankEnum"]["enum"] == [""]
