"""Bad input through the pages, and what every page answers with: a NUL byte in any field
of any entry form is a 400 naming it (nothing saved), 100,000 characters and the years 1
and 9999 are refused on the field; the Content-Security-Policy without inline script,
``Cache-Control: no-store`` for a signed-in user, the error pages in the site's layout and
language; CSV cells that a spreadsheet would run are neutralised."""

import csv
import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from dossier.entries import KINDS
from ebirth import export, formats
from ebirth.models import ExportBatch, FileFormat
from ebirth.tasks import export_births
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return build_network()


@pytest.fixture
def coordinator(client, network):
    return sign_in_verified(client, network.users["coordinator"])


def _entry_url(network, kind):
    return reverse("dossier:entries", args=[network.a.public_id, kind.slug])


FORM_FIELDS = [
    pytest.param(kind, name, id=f"{kind.slug}-{name}")
    for kind in KINDS.values()
    for name in kind.form.base_fields
]


@pytest.mark.parametrize(("kind", "field"), FORM_FIELDS)
def test_a_nul_in_any_field_of_any_entry_form_is_400_naming_it(coordinator, network, kind, field):
    before = kind.model.objects.count()
    response = coordinator.post(_entry_url(network, kind), {field: "a\x00b"})
    assert response.status_code == 400
    assert field in response.content.decode()
    assert kind.model.objects.count() == before


def test_100000_characters_in_a_note_are_refused_on_the_field(coordinator, network):
    kind = KINDS["telefoon"]
    response = coordinator.post(
        _entry_url(network, kind),
        {
            "started_at": "2026-11-30T10:00",
            "duration_minutes": 5,
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
            "notes": "x" * 100_000,
        },
    )
    assert response.status_code < 500
    assert "notes" in response.context["form"].errors
    assert not kind.model.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1830-05-01"])
def test_absurd_dates_in_a_page_form_are_refused_on_the_field(coordinator, network, day):
    kind = KINDS["consultaties"]
    response = coordinator.post(_entry_url(network, kind), {"consulted_on": day})
    assert response.status_code < 500
    assert "consulted_on" in response.context["form"].errors
    assert not kind.model.objects.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_absurd_moments_in_a_page_form_are_refused_on_the_field(coordinator, network, moment):
    kind = KINDS["telefoon"]
    response = coordinator.post(
        _entry_url(network, kind),
        {
            "started_at": moment,
            "duration_minutes": 5,
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
        },
    )
    assert response.status_code < 500
    assert "started_at" in response.context["form"].errors
    assert not kind.model.objects.exists()


def test_a_nul_in_a_query_string_is_400(coordinator):
    response = coordinator.get(reverse("dossier:dashboard"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "q" in response.content.decode()


# --- headers ----------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _pages(network):
    a = network.a.public_id
    return [
        reverse("dossier:dashboard"),
        reverse("dossier:detail", args=[a]),
        *[reverse("dossier:entries", args=[a, kind.slug]) for kind in KINDS.values()],
        reverse("careplan:plan", args=[a]),
        reverse("careplan:edit", args=[a]),
        reverse("network:inbox"),
        "/api/docs/",
        f"/api/dossiers/{a}/?format=api",
    ]


def test_every_page_has_the_policy_and_no_inline_script(coordinator, network):
    from django.test import Client

    for client, url in [
        *[(coordinator, url) for url in _pages(network)],
        (Client(), reverse("login")),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src == "'self'", (url, policy)
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), (url, INLINE_SCRIPT.search(body).group(0))
        assert not INLINE_HANDLER.search(body), (url, INLINE_HANDLER.search(body).group(0))


def test_the_admin_works_under_the_policy(client, staff):
    response = sign_in_verified(client, staff).get("/beheer/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_signed_in_answers_are_not_stored(coordinator, network, client):
    for url in _pages(network):
        assert coordinator.get(url)["Cache-Control"] == "no-store", url
    from tests.api.conftest import token_client

    api = token_client(network.users["gp"]).get(f"/api/dossiers/{network.a.public_id}/")
    assert api["Cache-Control"] == "no-store"


# --- error pages ------------------------------------------------------------------------------


def _in_layout(body):
    return (
        'class="topbar"' in body
        and f'href="{reverse("dossier:dashboard")}"' in body
        and "data-status=" in body
    )


def test_a_record_outside_the_network_is_the_404_page_in_the_layout_and_language(client, network):
    client = sign_in_verified(client, network.users["outsider"])
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("dossier:detail", args=[network.a.public_id]))
    assert response.status_code == 404
    body = response.content.decode()
    assert _in_layout(body) and '<html lang="fr">' in body


def test_a_section_closed_to_the_gp_is_the_403_page_in_the_layout(client):
    network = build_network(gp_without_delivery=True)
    client = sign_in_verified(client, network.users["gp"])
    response = client.get(reverse("dossier:delivery", args=[network.a.public_id]))
    assert response.status_code == 403
    assert _in_layout(response.content.decode())


def test_the_500_page_needs_no_database_and_keeps_the_layout():
    request = RequestFactory().get("/dossiers/")
    with translation.override("en"), CaptureQueriesContext(connection) as queries:
        response = defaults.server_error(request)
    assert response.status_code == 500
    assert len(queries) == 0
    body = response.content.decode()
    assert _in_layout(body) and '<html lang="en">' in body


def test_an_unknown_api_route_answers_json(coordinator):
    response = coordinator.get("/api/dossiers/not-a-uuid/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


# --- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "+cmd", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"]
)
def test_a_formula_cell_is_neutralised(cell):
    assert formats.csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3", "-1.234,5", "+2,5 %", "3", -4, 2.5, "Jansen", ""])
def test_numbers_and_plain_text_stay_as_they_are(cell):
    assert formats.csv_cell(cell) == cell


def test_a_mother_named_as_a_formula_leaves_no_formula_in_the_ebirth_csv(settings, tmp_path):
    from tests.ebirth.conftest import complete_birth

    settings.EBIRTH_EXPORT_DIR = tmp_path
    complete_birth(mother={"family_name": '=HYPERLINK("http://x","y")', "given_name": "@Eva"})
    export_births()
    batch = ExportBatch.objects.get()
    folder = export.batch_folder(batch)
    cells = []
    for stored in batch.files.exclude(format__in=[FileFormat.XML, FileFormat.FHIR]):
        with (folder / stored.name).open(newline="", encoding="utf-8") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert not [
        c for c in cells if c.startswith(formats.FORMULA_START) and not formats._NUMBER.match(c)
    ]
