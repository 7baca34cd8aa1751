"""The installable web app (issue 14, config/pwa.py): the manifest, the service worker and
the offline page answer anybody (the browser fetches them before the sign-in and after it),
with the right types and headers, under the Content-Security-Policy; the offline page the
service worker keeps carries nobody's name. And the answers static/js/pwa-outbox.js reads
when it sends a visit kept on the phone: a redirect once saved (again: once), the form again
when refused, the sign-in page when the session has ended."""

import datetime
import json
import re
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from config import pwa
from dossier.models import HomeVisit
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


@pytest.fixture
def net():
    return build_network()


def sw_config(response) -> dict:
    strict, line = response.content.decode().split("\n", 2)[:2]
    assert strict == '"use strict";'  # a directive only on the first line
    assert line.startswith("self.MD_CONFIG = ") and line.endswith(";")
    return json.loads(line[len("self.MD_CONFIG = ") : -1])


def test_the_manifest_makes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Moederschapsdossier"  # Dutch until she picks another language
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b6e4f" and manifest["background_color"] == "#f4f6f8"
    assert manifest["lang"] == "nl"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    assert any(icon["type"] == "image/svg+xml" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        path = finders.find(name)
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert image.format == "PNG"
                assert f"{image.width}x{image.height}" == icon["sizes"]


def test_the_manifest_speaks_the_language_chosen(client):
    client.cookies["django_language"] = "fr"
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "fr"
    with translation.override("fr"):
        assert manifest["name"] == translation.gettext("Maternity record")
    assert "Cookie" in client.get("/manifest.webmanifest")["Vary"]


def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    config = sw_config(response)
    assert "/static/css/app.css" in config["precache"]
    assert {"/static/js/pwa.js", "/static/js/pwa-outbox.js", "/static/js/drafts.js"} <= set(
        config["precache"]
    )
    assert "/static/icons/icon-192.png" in config["precache"]
    assert "/static/js/sw.js" not in config["precache"]
    assert not any("admin" in url for url in config["precache"])
    assert config["offline"] == reverse("pwa_offline")
    assert config["outbox"] == "/static/js/pwa-outbox.js"
    assert config["login"] == reverse("login") and config["static"] == "/static/"
    assert b'addEventListener("fetch"' in response.content  # the file itself follows


def test_a_new_language_or_a_changed_file_makes_a_new_worker(client, monkeypatch):
    dutch = sw_config(client.get("/sw.js"))["version"]
    assert sw_config(client.get("/sw.js"))["version"] == dutch  # stable: no reinstall
    client.cookies["django_language"] = "fr"
    french = sw_config(client.get("/sw.js"))
    assert french["version"] != dutch and french["language"] == "fr"
    real = pwa._read
    monkeypatch.setattr(pwa, "_read", lambda name: real(name) + b"/* changed */")
    assert sw_config(client.get("/sw.js"))["version"] != french["version"]


def test_the_service_worker_and_the_manifest_need_no_sign_in_and_answer_a_signed_in_user(
    client, net
):
    for url in ("/sw.js", "/manifest.webmanifest", "/offline/"):
        assert client.get(url).status_code == 200, url
    sign_in_verified(client, net.users["coordinator"])
    for url in ("/sw.js", "/manifest.webmanifest", "/offline/"):
        assert client.get(url).status_code == 200, url
    assert client.post("/sw.js").status_code == 405


def test_the_offline_page_says_it_and_names_nobody(client, net):
    user = net.users["coordinator"]
    user.first_name, user.last_name = "Griet", "Peeters"
    user.save()
    sign_in_verified(client, user)
    response = client.get(reverse("pwa_offline"))
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"  # no no-store: the worker keeps it
    assert "Content-Security-Policy" in response
    assert "offline" in text.lower() and 'id="outbox-list"' in text
    assert "Griet" not in text and "Peeters" not in text and "griet" not in text
    assert reverse("logout") not in text  # no menu of a signed-in person
    assert "data-draft-user" not in text
    assert not INLINE_SCRIPT.search(text)
    assert client.get(visit_url(net)).status_code == 200  # still signed in


def test_the_offline_page_is_translated(client):
    client.cookies["django_language"] = "fr"
    text = client.get(reverse("pwa_offline")).content.decode()
    assert 'lang="fr"' in text
    with translation.override("fr"):
        assert translation.gettext("Maternity record") in text


def test_every_page_links_the_manifest_and_the_scripts(client, net):
    for page in (reverse("login"), reverse("pwa_offline")):
        text = client.get(page).content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in text
        assert '<meta name="theme-color" content="#0b6e4f">' in text
        assert "/static/js/pwa.js" in text and "/static/js/pwa-outbox.js" in text
        assert 'id="pwa-texts" data-sw="/sw.js"' in text
        assert not INLINE_SCRIPT.search(text)
    sign_in_verified(client, net.users["coordinator"])
    text = client.get(visit_url(net)).content.decode()
    assert text.index("js/pwa-outbox.js") < text.index("js/drafts.js")  # drafts.js uses it
    assert 'name="client_key"' in text and "data-draft-user" in text


# --- what the outbox (static/js/pwa-outbox.js) reads in the server's answers ----------------


def visit_url(net):
    return reverse("dossier:entries", args=[net.a.public_id, "huisbezoeken"])


def visit_data(**changes):
    moment = timezone.localtime(timezone.now() - datetime.timedelta(minutes=10))
    return {
        "visited_at": moment.strftime("%Y-%m-%dT%H:%M"),
        "temperature_c": "37.2",
        "notes": "Bewaard zonder netwerk",
        "client_key": str(uuid.uuid4()),
        **changes,
    }


def test_a_visit_sent_again_from_the_outbox_is_saved_once_and_answered_as_saved(client, net):
    sign_in_verified(client, net.users["coordinator"])
    data = visit_data()
    first = client.post(visit_url(net), data, follow=True)
    again = client.post(visit_url(net), data, follow=True)  # the first answer was lost
    for response in (first, again):  # "sent": a redirect to a page that is not the sign-in
        assert response.redirect_chain and response.status_code == 200
        assert not response.redirect_chain[-1][0].startswith(reverse("login"))
    assert HomeVisit.objects.filter(client_key=data["client_key"]).count() == 1


def test_a_refused_visit_is_answered_with_its_form_not_a_redirect(client, net):
    sign_in_verified(client, net.users["coordinator"])
    response = client.post(visit_url(net), visit_data(temperature_c="hot"))
    assert response.status_code == 200  # "refused": kept on the phone, needs her attention
    assert "temperature_c" in response.context["form"].errors
    assert HomeVisit.objects.count() == 0


def test_a_visit_sent_after_the_session_ended_lands_on_the_sign_in(client, net):
    sign_in_verified(client, net.users["coordinator"])
    client.get(visit_url(net))
    Session.objects.all().delete()
    response = client.post(visit_url(net), visit_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))  # "signin": it keeps waiting
    assert HomeVisit.objects.count() == 0
