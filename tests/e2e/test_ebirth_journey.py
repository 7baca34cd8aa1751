"""The birth registration, end to end: the midwife finds on her phone what Lena's birth
still lacks, completes it from the worklist's links, and the registrar exports it and
downloads a file whose checksum matches the one on the page."""

import hashlib
from pathlib import Path

import pytest
from django.core.management import call_command

from ebirth.models import ExportBatch, ExportedMessage
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REASON = "Aangevuld voor de geboorteaangifte"


def complete(card, field: str, select: str, value: str) -> None:
    """Follow a problem's "Aanvullen" link, answer it and save with the reason."""
    card.locator("li").filter(has_text=field).get_by_role("link", name="Aanvullen").click()
    page = card.page
    page.locator(select).select_option(value)
    page.get_by_label("Reden van de wijziging").fill(REASON)
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url("**/dossiers/*/")


def test_the_midwife_completes_a_birth_and_the_registrar_exports_it(
    phone, browser, live_server, screenshot, settings, tmp_path
):
    settings.EBIRTH_EXPORT_DIR = tmp_path
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    page.clock.install()  # the page's own clock, to watch the deadline count down
    page.get_by_role("link", name="Geboorteregistratie").click()
    card = page.locator(".worklist .card").filter(has_text="Sofie Janssens")
    assert card.get_by_text("Wijze van conceptie").is_visible()
    assert card.get_by_text("Aangeboren afwijkingen").is_visible()
    screenshot(page, "worklist")
    page.clock.fast_forward("25:00:00")  # Lena was born yesterday: by then surely late
    assert "te laat" in card.locator(".countdown").inner_text()
    assert "alert" in card.get_attribute("class")

    complete(card, "Wijze van conceptie", "#id_conception", "spontaneous")
    page.get_by_role("link", name="Geboorteregistratie").click()
    card = page.locator(".worklist .card").filter(has_text="Sofie Janssens")
    assert card.get_by_text("Wijze van conceptie").count() == 0
    complete(card, "Aangeboren afwijkingen", "#id_congenital_anomaly", "none")
    page.get_by_role("link", name="Geboorteregistratie").click()
    assert page.get_by_text("Niets aan te vullen").is_visible()

    # The registrar, at her desk.
    desk = browser.new_context(locale="nl-BE").new_page()
    desk.set_default_timeout(15_000)
    log_in(desk, live_server, "rita")
    desk.get_by_role("link", name="eBirth-exports").click()
    desk.get_by_role("button", name="Nu exporteren").click()
    desk.wait_for_url("**/ebirth/exports/")
    batch = ExportBatch.objects.get()
    assert ExportedMessage.objects.filter(batch=batch, newborn__given_name="Lena").count() == 2
    xml = batch.files.get(format="xml")
    row = desk.locator("tr").filter(has_text=batch.name)
    assert row.get_by_text(f"sha256 {xml.sha256}").is_visible()
    with desk.expect_download() as download:
        row.get_by_role("link", name=xml.name).click()
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == xml.sha256
    screenshot(desk, "exports")
    desk.context.close()
