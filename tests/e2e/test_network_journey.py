"""The care network in a real browser: the coordinator adds a GP, the mother narrows what
the GP sees on "Wie ziet wat?", and the GP no longer sees that section (R4, R10, R11)."""

import pytest
from django.core.management import call_command

from network.models import Notification
from tests.e2e.conftest import PHONE
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_record(page, name):
    page.get_by_label("Zoeken").fill(name.split()[-1])
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name=name).click()
    page.wait_for_url("**/dossiers/*/")


def test_the_mother_narrows_what_the_new_gp_sees(browser, live_server, screenshot):
    call_command("load_demo")

    def phone():
        context = browser.new_context(
            viewport=PHONE, locale="nl-BE", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        return context, page

    # 1. Griet, the coordinator, adds the GP Karim Benali to An's network.
    context, page = phone()
    log_in(page, live_server, "griet")
    open_record(page, "An Peeters")
    page.get_by_role("link", name="Netwerk beheren").click()
    page.locator("#id_q").fill("Benali")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("button", name="Toevoegen aan het netwerk").click()
    assert page.get_by_text("is toegevoegd aan het zorgnetwerk").is_visible()
    screenshot(page, "1-coordinator-added-gp")
    context.close()

    # 2. Karim sees An's prenatal follow-up.
    context, page = phone()
    log_in(page, live_server, "karim")
    open_record(page, "An Peeters")
    assert page.locator('[data-section="prenatal"]').count() == 1
    gp_record_url = page.url
    context.close()

    # 3. An, the mother, closes the prenatal follow-up to GPs on "Wie ziet wat?".
    context, page = phone()
    log_in(page, live_server, "an", expect_code=False)  # lands on her one record
    page.get_by_role("link", name="Wie ziet wat?").click()
    card = page.locator('[data-card="role:gp"]')  # one card per profession (issue 14)
    card.locator("summary").click()
    card.locator('select[name="role:gp:prenatal"]').select_option("0")
    screenshot(page, "2a-who-sees-what")
    card.locator("button[type=submit]").click()
    assert page.locator(".message-success").is_visible()
    screenshot(page, "2-mother-narrowed-gp")
    assert Notification.objects.filter(recipient__username="an").exists()
    context.close()

    # 4. On his very next request Karim no longer sees it; the rest of the record stays.
    context, page = phone()
    log_in(page, live_server, "karim")
    page.goto(gp_record_url)
    assert page.locator('[data-section="prenatal"]').count() == 0
    assert page.locator('[data-section="identity"]').count() == 1
    screenshot(page, "3-gp-without-prenatal")
    context.close()
