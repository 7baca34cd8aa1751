"""A home visit after the birth, on phones: the midwife records her findings with the twins'
weights and sees them on the weight curve; the mother notes her temperature herself."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossier.models import HomeVisit, SelfMonitoring
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_lotte(page):
    page.get_by_label("Zoeken").fill("Claes")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Lotte Claes").click()


def test_the_midwife_records_a_home_visit_and_the_mother_her_temperature(
    phone, live_server, screenshot
):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    open_lotte(page)
    screenshot(page, "overview")
    page.locator("[data-section=postnatal]").get_by_role("link", name="Huisbezoeken").click()
    page.locator("summary").click()  # the form is folded away above an existing list
    page.locator("#id_visited_at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_temperature_c").fill("37.6")
    page.locator("#id_epds_score").fill("14")
    page.locator("#id_baby1_weight_g").fill("2290")  # Mats, born at 2480 g: 7.7 % lost
    page.locator("#id_baby2_weight_g").fill("2060")  # Wout, born at 2310 g: 10.8 % lost
    page.locator("#id_baby2_jaundice").select_option("marked")
    screenshot(page, "home-visit-form")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url("**/huisbezoeken/")
    assert page.get_by_text("Bewaard.").is_visible()
    newest = page.locator("article.entry").first
    assert "2.060 g" in newest.inner_text() and "EPDS" in newest.inner_text()
    assert HomeVisit.objects.filter(dossier__mother__family_name="Claes").count() == 2
    screenshot(page, "home-visits")

    # Wout's curve: the weighing just recorded is the newest point, flagged
    newest.get_by_role("link", name="Gewichtscurve").nth(1).click()
    page.wait_for_url("**/gewicht/")
    assert "Wout" in page.locator("h1").inner_text()
    assert page.locator(".alert-badge").is_visible()
    assert page.locator("svg.weight-curve .point-alarm").count() >= 1
    screenshot(page, "weight-curve-after-visit")

    # The mother, on her own phone, notes her temperature.
    page.context.clear_cookies()
    log_in(page, live_server, "lotte", expect_code=False)  # lands on her one record
    own = page.locator("[data-section=postnatal] li", has_text="Eigen metingen van de moeder")
    own.get_by_role("link", name="Toevoegen").click()  # opens the form at once
    page.locator("#id_kind").select_option("temperature")
    page.locator("#id_noted_at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_value").fill("38.1")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(re.compile(r"/eigen-metingen/(#[\w-]*)?$"))  # the form's anchor stays
    assert "38,1 °C" in page.locator("article.entry").first.inner_text()
    assert SelfMonitoring.objects.filter(recorded_by__username="lotte").count() == 2
    screenshot(page, "own-temperature")
