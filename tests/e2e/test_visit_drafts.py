"""Forms that never lose a visit, on a phone (issue 14): a home visit typed, the tab closed,
the draft offered back; a home visit typed, the session expired, saved after signing in
again. axe-core (WCAG 2.2 AA rules) finds nothing serious or critical on the pages visited.

axe-core is the npm package (package.json; ``make test`` installs it, see
tests/e2e/conftest.py); without it a developer's run skips these journeys, CI fails."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from demo.scenarios import DEMO_PASSWORD
from demo.totp import current_code, demo_device
from dossier.models import HomeVisit
from tests.e2e.conftest import serious_violations
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAVED = re.compile(r"/huisbezoeken/(#[\w-]*)?$")  # the list, the form's anchor kept


def assert_accessible(page, axe_source):
    bad = serious_violations(page, axe_source)
    assert bad == [], f"{page.url}: {bad}"


def open_lotte_visit_form(page, live_server, axe_source):
    page.get_by_label("Zoeken").fill("Claes")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Lotte Claes").click()
    page.wait_for_selector(".now-header")
    assert_accessible(page, axe_source)
    page.locator(".now-actions a.primary").click()  # "Huisbezoek toevoegen"
    page.wait_for_url("**/huisbezoeken/?toevoegen=1*")
    page.locator("#id_temperature_c").wait_for(state="visible")


def type_visit(page):
    page.locator("#id_temperature_c").fill("37.3")
    page.locator("#id_notes").fill("Moeder slaapt weinig; borstvoeding goed op gang.")
    page.locator("#id_baby1_weight_g").fill("2300")
    page.wait_for_timeout(600)  # the draft is written 250 ms after the last keystroke


def test_a_draft_comes_back_after_the_tab_was_closed_and_goes_once_saved(
    browser, live_server, axe_source, screenshot
):
    from tests.e2e.conftest import PHONE

    call_command("load_demo")
    context = browser.new_context(
        viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "griet")
    open_lotte_visit_form(page, live_server, axe_source)
    assert_accessible(page, axe_source)
    url = page.url
    type_visit(page)
    page.close()  # the tab is closed (or the phone killed the browser)

    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    assert page.locator("#id_temperature_c").input_value() == "37.3"
    assert page.locator("#id_notes").input_value().startswith("Moeder slaapt weinig")
    assert page.locator(".draft-notice").is_visible()
    assert_accessible(page, axe_source)
    screenshot(page, "draft-restored")
    visits = HomeVisit.objects.count()
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(SAVED)
    assert page.get_by_text("Bewaard.").is_visible()
    assert HomeVisit.objects.count() == visits + 1
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:v1:'))")
    assert stored == []  # the saved visit's draft is gone

    assert_accessible(page, axe_source)
    page.goto(url)  # nothing offered back any more
    assert page.locator(".draft-notice").count() == 0
    assert page.locator("#id_temperature_c").input_value() == ""
    page.get_by_role("link", name="Vandaag").click()  # the day's list, phone first
    page.wait_for_url("**/vandaag/")
    assert_accessible(page, axe_source)
    screenshot(page, "today")
    context.close()


def test_a_visit_saved_after_the_session_expired_is_saved_after_signing_in(
    phone, live_server, axe_source, screenshot
):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    open_lotte_visit_form(page, live_server, axe_source)
    page.evaluate("localStorage.clear()")  # the server's copy alone must carry it
    type_visit(page)
    page.evaluate("localStorage.clear()")
    visits = HomeVisit.objects.count()
    Session.objects.all().delete()  # 30 minutes without a click: the session is over

    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(re.compile(r"/aanmelden/\?next="))
    assert HomeVisit.objects.count() == visits
    assert_accessible(page, axe_source)
    screenshot(page, "session-ended")
    page.get_by_label("Gebruikersnaam").fill("griet")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/aanmelden/code/"))
    page.locator("#id_code").fill(current_code(demo_device("griet")))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/huisbezoeken/(\?toevoegen=1)?(#[\w-]*)?$"))

    # back on the form, filled in, with the notice; nothing saved yet
    assert page.locator("#id_temperature_c").input_value() == "37.3"
    assert page.locator("#id_notes").input_value().startswith("Moeder slaapt weinig")
    assert page.locator(".message-warning").is_visible()
    assert HomeVisit.objects.count() == visits
    assert_accessible(page, axe_source)
    screenshot(page, "visit-back-after-sign-in")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(SAVED)
    assert page.get_by_text("Bewaard.").is_visible()
    assert HomeVisit.objects.count() == visits + 1
    assert (
        HomeVisit.objects.order_by("-created_at").first().notes.startswith("Moeder slaapt weinig")
    )


# A visit saved offline (the outbox in IndexedDB, the service worker, sent exactly once):
# tests/e2e/test_offline_visit.py
