"""On a home visit: the midwife weighs the baby on her phone and sees the curve, with the
loss since birth flagged when it passes 10 %."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossier.models import Measurement
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_midwife_weighs_the_baby_and_sees_the_curve(phone, live_server, screenshot):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    page.get_by_label("Zoeken").fill("Janssens")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Sofie Janssens").click()
    page.get_by_role("link", name="Gewichtscurve").click()
    page.get_by_label("Gemeten op").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Gewicht (g)").fill("3070")  # Lena was born at 3420 g: 10.2 % lost
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url("**/gewicht/")
    assert page.get_by_text("De weging is bewaard").is_visible()
    assert page.locator(".alert-badge").is_visible()
    assert page.locator("svg.weight-curve circle").count() == 2
    assert page.locator("svg.weight-curve .point-alarm").count() == 1
    assert Measurement.objects.get(newborn__given_name="Lena").weight_g == 3070
    # the points sit where the numbers say: SVG coordinates are not localised (no commas)
    for attribute in ("cx", "cy"):
        value = page.locator("svg.weight-curve circle").first.get_attribute(attribute)
        assert "," not in value and float(value) > 0
    line = page.locator("svg.weight-curve .alert-line")
    assert float(line.get_attribute("y1")) > float(
        page.locator("svg.weight-curve circle").first.get_attribute("cy")
    )
    screenshot(page, "weight-curve")

    # The same visit: the screenings, one recorded on the spot.
    page.get_by_role("link", name="Terug naar het dossier").click()
    page.get_by_role("link", name="Screenings en resultaten").click()
    page.locator("#id_kind").select_option("bilirubin")
    page.locator("#id_result").select_option("normal")
    page.get_by_role("button", name="Bewaren").click()
    assert page.get_by_text("De screening is bewaard").is_visible()
    assert page.locator(".screening-done").count() == 1
    screenshot(page, "screenings")
