"""The first journeys in a real browser on a phone-sized screen, against a live server."""

import re

import pytest
from django.core.management import call_command

from demo.scenarios import DEMO_PASSWORD
from demo.totp import current_code, demo_device
from dossier.models import Mother

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username="griet", expect_code=True):
    """Sign in as a person would: the password, then (professionals, and a mother with an
    authenticator app) the 6-digit code her app shows, computed from the demo secret."""
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Aanmelden"
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    if expect_code:
        page.wait_for_url("**/aanmelden/code/**")
        page.locator("#id_code").fill(current_code(demo_device(username)))
        page.locator("main form button[type=submit]").click()
    # the landing depends on the role (issue 14): the list, the mother's one record, exports
    page.wait_for_url(re.compile(r"/(dossiers/([0-9a-f-]+/)?|ebirth/exports/)$"))


def test_log_in_open_a_dossier_and_switch_language(phone, live_server, screenshot):
    call_command("load_demo")
    page = phone
    log_in(page, live_server)
    assert page.locator("h1").inner_text() == "Mijn dossiers"
    screenshot(page, "1-dashboard")

    page.get_by_label("Zoeken").fill("Claes")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Lotte Claes").click()
    assert page.locator("h1").inner_text() == "Lotte Claes"
    newborns = page.locator("section", has=page.get_by_role("heading", name="Pasgeborenen"))
    assert "Mats" in newborns.inner_text() and "Wout" in newborns.inner_text()
    assert "Spoedkeizersnede" in page.content()
    screenshot(page, "2-dossier-nl")

    page.get_by_label("Taal", exact=True).select_option("fr")
    # the choice submits a form and the page comes back in French: wait for that page, not
    # for the network to fall idle (which it may do before the new page has started)
    page.wait_for_selector("html[lang='fr']", state="attached")
    assert page.locator("h1").inner_text() == "Lotte Claes"
    assert page.get_by_role("heading", name="Nouveau-nés").is_visible()
    assert "Césarienne en urgence" in page.content()
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "3-dossier-fr")

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/aanmelden/")
    assert page.locator("h1").inner_text() == "Se connecter"


def test_open_a_record_on_a_phone_correcting_a_mistyped_insz(phone, live_server, screenshot):
    call_command("load_demo")
    page = phone
    log_in(page, live_server)
    page.get_by_role("link", name="Nieuw moederschapsdossier").first.click()
    page.get_by_label("Voornaam").fill("Ilse")
    page.get_by_label("Familienaam").fill("Martens")
    page.get_by_label("Geboortedatum").fill("1985-07-30")
    page.get_by_label("INSZ-nummer").fill("85.07.30-033.29")
    page.get_by_label("Postcode").fill("8500")
    page.get_by_label("Gemeente").fill("Kortrijk")
    page.get_by_label("Laatste menstruatie").fill("2026-10-01")
    page.get_by_role("button", name="Dossier openen").click()
    assert page.get_by_text("de controlecijfers kloppen niet").is_visible()
    assert Mother.objects.filter(family_name="Martens").count() == 0
    screenshot(page, "1-insz-error")

    page.get_by_label("INSZ-nummer").fill("85.07.30-033.28")
    page.get_by_role("button", name="Dossier openen").click()
    page.wait_for_url("**/dossiers/*/")
    assert page.locator("h1").inner_text() == "Ilse Martens"
    assert "West-Vlaanderen" in page.content()
    assert "85.07.30-033.28" in page.content()
    screenshot(page, "2-opened")

    # A correction asks why, and the history shows who changed what.
    page.locator('[data-section="identity"]').get_by_role("link", name="Wijzigen").click()
    page.get_by_label("Telefoon").fill("0499 11 22 33")
    page.get_by_role("button", name="Bewaren").click()
    assert page.locator(".field-invalid #id_change_reason").count() == 1
    page.get_by_label("Reden van de wijziging").fill("nieuw gsm-nummer")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url("**/dossiers/*/")
    page.locator('[data-section="identity"]').get_by_role("link", name="Geschiedenis").click()
    entry = page.locator(".history-entry").first
    assert "nieuw gsm-nummer" in entry.inner_text()
    assert "0499 11 22 33" in entry.inner_text()
    screenshot(page, "3-history")
