"""The plan co-written on phones (R5, R16): the mother changes a preference; the midwife
opens the plan, sees the change highlighted and answers under it."""

import pytest
from django.core.management import call_command

from careplan.models import Annotation, PlanVersion
from dossier.models import Mother
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_plan(page, *, from_the_list: bool = True):
    """From "Mijn dossiers" (a professional) or from her own record, where the mother with
    one record lands."""
    if from_the_list:
        page.get_by_role("link", name="Lotte Claes").click()
    page.locator("[data-section=careplan] a[href$='/zorgplan/']").click()
    page.wait_for_url("**/zorgplan/")


def test_the_mother_changes_her_plan_and_the_midwife_answers(phone, live_server, screenshot):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "lotte", expect_code=False)
    # first her messages: French, and no SMS (R7; "Mijn berichten")
    page.get_by_role("link", name="Mijn berichten").click()
    page.wait_for_url("**/mijn-berichten/")
    page.get_by_label("Français").check()
    page.get_by_label("Mijn afspraken per sms").uncheck()
    screenshot(page, "mother-message-settings")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/mijn-berichten/")
    lotte = Mother.objects.get(user__username="lotte")
    assert (lotte.preferred_language, lotte.messages_by_sms, lotte.messages_by_email) == (
        "fr",
        False,
        True,
    )
    page.goto(live_server.url + "/")
    open_plan(page, from_the_list=False)
    page.locator("a[href$='/zorgplan/wijzigen/']").click()
    page.locator("input[name=stay][value=short]").check()
    page.locator("#id_reason").fill("We willen liever snel naar huis")
    screenshot(page, "mother-changes-stay")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/zorgplan/")
    assert PlanVersion.objects.filter(by_mother=True).count() == 1

    page.context.clear_cookies()
    log_in(page, live_server, "griet")
    page.get_by_label("Zoeken").fill("Claes")
    page.get_by_role("button", name="Zoeken").click()
    open_plan(page)
    changed = page.locator(".plan-part.changed")
    assert changed.count() == 1
    assert "preferences.stay" in changed.get_attribute("id")
    screenshot(page, "midwife-sees-the-change")
    changed.locator("details").last.locator("summary").click()
    changed.locator("textarea").last.fill("Prima: ik kom de dag na het ontslag langs.")
    changed.locator("details").last.locator("button[type=submit]").click()
    page.wait_for_url("**/zorgplan/**")
    assert (
        "Prima: ik kom de dag na het ontslag langs."
        in page.locator("[id='part-preferences.stay']").inner_text()
    )
    note = Annotation.objects.get()
    assert note.author.username == "griet" and note.version.number == 2
    screenshot(page, "midwife-answered")
