"""Clinical alerts on phones (R42): the mother notes a fever and heavy blood loss and is told
at once what to do; her coordinator sees the urgent alert at the top of his watch list and
takes it on; the mother sees who did; an urgent alert nobody takes on climbs the ladder: the
midwife on call tonight, the maternity ward, then her whole network."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossier.models import Alert, Dossier
from dossier.sections import Section
from network import access
from network.alerting import LADDER, escalate
from network.models import OnCallShift, Organisation, OutboxMessage, Professional
from tests.e2e.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR_PHONE = "09 332 21 11"
ON_CALL_PHONE = "09 332 29 99"
WARD_PHONE = "09 332 20 00"
NOTE = "Ik bel haar nu en stuur de vroedvrouw langs."

# The accessible name of a form control as a screen reader would announce it (the parts of
# the accname computation these pages use): the controls that have none.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll(
    'main input:not([type=hidden]), main select, main textarea, main button')]
  .filter(el => {
    const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => document.getElementById(id)?.textContent || '').join(' ');
    const labels = [...(el.labels || [])].map(label => label.textContent).join(' ');
    const own = el.tagName === 'BUTTON' ? el.textContent : '';
    const name = [byIds, el.getAttribute('aria-label') || '', labels, own,
                  el.getAttribute('title') || ''].join(' ');
    return !name.trim();
  })
  .map(el => el.outerHTML.slice(0, 120))"""
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def assert_accessible_on_a_phone(page):
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the page scrolls sideways on a phone"


def note_own_observation(page, kind: str, value: str):
    """From her record: the own observations' form, opened at once; back on the list."""
    own = page.locator("[data-section=postnatal] li", has_text="Eigen metingen van de moeder")
    own.get_by_role("link", name="Toevoegen").click()
    page.wait_for_url(re.compile(r"/eigen-metingen/"))
    page.locator("#id_kind").select_option(kind)
    page.locator("#id_noted_at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_value").fill(value)
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(re.compile(r"/eigen-metingen/(#[\w-]*)?$"))


def back_to_the_record(page):
    page.get_by_role("link", name="Terug naar het dossier").click()
    page.wait_for_url(re.compile(r"/dossiers/[0-9a-f-]+/$"))


def test_the_mother_notes_a_fever_and_heavy_bleeding_and_her_coordinator_takes_it_on(
    phone, live_server, screenshot
):
    call_command("load_demo")
    Professional.objects.filter(user__username="pieter").update(phone=COORDINATOR_PHONE)
    dossier = Dossier.objects.get(mother__user__username="lotte")
    page = phone

    # 1. The mother, at home, notes 39,5 °C: she is told to call, and whom.
    log_in(page, live_server, "lotte", expect_code=False)  # lands on her one record
    page.wait_for_url(f"**/dossiers/{dossier.public_id}/")
    note_own_observation(page, "temperature", "39.5")
    assert "39,5 °C" in page.locator("article.entry").first.inner_text()
    advice = page.locator(".messages .message-error")
    assert advice.count() == 1
    told = advice.inner_text()
    assert "112" in told and "Pieter De Vos" in told and COORDINATOR_PHONE in told
    assert "zorgnetwerk zijn verwittigd" in page.locator(".messages .message-info").inner_text()
    fever = Alert.objects.get(dossier=dossier, rule="own_fever")
    assert fever.severity == "today" and fever.raised_by.username == "lotte"
    assert_accessible_on_a_phone(page)
    screenshot(page, "1-mother-told-what-to-do")

    # 2. Then heavy blood loss: urgent, and the advice says so.
    back_to_the_record(page)
    note_own_observation(page, "blood_loss", "3")
    assert "Bel nu 112" in page.locator(".messages .message-error").inner_text()
    bleeding = Alert.objects.get(dossier=dossier, rule="own_heavy_bleeding")
    assert bleeding.severity == "urgent"
    screenshot(page, "2-mother-heavy-bleeding")

    # 3. Her coordinator (the gynaecologist) on his phone: the alerts head his watch list,
    # the urgent one first; he takes it on from the record's alerts page.
    page.context.clear_cookies()
    log_in(page, live_server, "pieter")
    page.get_by_role("link", name="Aandachtslijst").click()
    page.wait_for_url("**/zorgwacht/")
    sections = page.locator("main section")
    assert sections.first.get_attribute("aria-labelledby") == "h-alerts"
    assert page.locator("#h-alerts").inner_text() == "Open signalen"
    rows = page.locator(".watch-alerts li[data-alert]")
    order = rows.evaluate_all("rows => rows.map(row => row.dataset.alert)")
    assert order.index(str(bleeding.public_id)) < order.index(str(fever.public_id))
    assert order[0] == str(bleeding.public_id)
    urgent_row = rows.first
    assert "Dringend" in urgent_row.inner_text() and "Lotte Claes" in urgent_row.inner_text()
    assert "nog door niemand opgenomen" in urgent_row.inner_text()
    assert_accessible_on_a_phone(page)
    screenshot(page, "3-coordinator-watch-list")

    urgent_row.get_by_role("link", name="Lotte Claes").click()
    page.wait_for_url(f"**/dossiers/{dossier.public_id}/signalen/")
    assert page.locator("h1").inner_text() == "Signalen"
    cards = page.locator("li.alert-row")
    assert cards.evaluate_all("rows => rows.map(row => row.dataset.alert)") == [
        str(bleeding.public_id),
        str(fever.public_id),
    ]
    card = page.locator(f"li[data-alert='{bleeding.public_id}']")
    note = card.get_by_label("Wat u doet, of hoe het opgelost is")
    assert note.is_editable()
    for name in ("Ik neem het op", "Opgelost"):
        assert card.get_by_role("button", name=name).is_enabled()
    assert_accessible_on_a_phone(page)
    screenshot(page, "4-coordinator-alerts")
    note.fill(NOTE)
    # the page posts to itself and comes back to itself: wait for that new page
    with page.expect_navigation(url=f"**/dossiers/{dossier.public_id}/signalen/"):
        card.get_by_role("button", name="Ik neem het op").click()
    assert page.get_by_text("Bewaard.").is_visible()
    card = page.locator(f"li[data-alert='{bleeding.public_id}']")
    taken = card.inner_text()
    assert "Opgenomen" in taken and "Pieter De Vos" in taken and NOTE in taken
    assert card.get_by_role("button", name="Ik neem het op").count() == 0
    assert card.get_by_role("button", name="Opgelost").is_visible()  # still open
    bleeding.refresh_from_db()
    assert bleeding.acknowledged_by.username == "pieter" and bleeding.acknowledge_note == NOTE
    assert bleeding.resolved_at is None
    assert_accessible_on_a_phone(page)
    screenshot(page, "5-coordinator-took-it-on")

    # The mother sees who took it on, from the link under her record's heading.
    page.context.clear_cookies()
    log_in(page, live_server, "lotte", expect_code=False)  # lands on her one record
    page.wait_for_url(f"**/dossiers/{dossier.public_id}/")
    link = page.locator(".alerts-link a")
    # the urgent one is taken on: it is still open, no longer counted as urgent
    assert link.inner_text() == "2 open signalen"
    screenshot(page, "6-mother-record-alerts-link")
    link.click()
    page.wait_for_url(f"**/dossiers/{dossier.public_id}/signalen/")
    mine = page.locator(f"li[data-alert='{bleeding.public_id}']").inner_text()
    assert "Opgenomen" in mine and "Pieter De Vos" in mine and NOTE in mine
    waiting = page.locator(f"li[data-alert='{fever.public_id}']").inner_text()
    assert "nog niet opgenomen door een zorgverlener" in waiting
    assert page.locator("main form").count() == 0  # she does not take alerts on herself
    assert_accessible_on_a_phone(page)
    screenshot(page, "7-mother-sees-who-took-it-on")

    # 4. More blood loss later: a new urgent alert, which nobody takes on. Tonight Sarah, a
    # midwife of Pieter's maternity ward outside Lotte's network, is on call; the ward's
    # contact is its delivery room. The ladder: Sarah, then the ward, then everyone.
    ward = Organisation.objects.get(name="UZ Gent – materniteit")
    Organisation.objects.filter(pk=ward.pk).update(
        ward_phone=WARD_PHONE, ward_email="verloskamer@uzgent.example"
    )
    OnCallShift.objects.create(
        organisation=ward,
        professional=Professional.objects.get(user__username="sarah"),
        start=timezone.now() - datetime.timedelta(hours=2),
        end=timezone.now() + datetime.timedelta(hours=10),
        phone=ON_CALL_PHONE,
    )
    back_to_the_record(page)
    note_own_observation(page, "blood_loss", "3")
    # she is given the number of who is on call now, besides her coordinator's
    assert ON_CALL_PHONE in page.locator(".messages .message-error").inner_text()
    again = (
        Alert.objects.filter(dossier=dossier, rule="own_heavy_bleeding")
        .exclude(pk=bleeding.pk)
        .get()
    )
    assert again.severity == "urgent" and again.entry_id != bleeding.entry_id
    after = {step.level: step.after for step in LADDER}
    assert escalate(again.created_at + after[1] / 2) == 0
    for level in (1, 2, 3):
        escalate(again.created_at + after[level])
        again.refresh_from_db()
        assert again.escalation_level == level
    bleeding.refresh_from_db()
    fever.refresh_from_db()
    assert bleeding.escalation_level == 0 and fever.escalation_level == 0

    def step(level):
        return OutboxMessage.objects.filter(key__startswith=f"alert:{again.pk}:level{level}:")

    # Sarah and the ward may not read Lotte's record: no name, no finding
    assert {m.address for m in step(1)} == {"sarah@example.org", ON_CALL_PHONE}
    assert {m.address for m in step(2)} == {"verloskamer@uzgent.example", WARD_PHONE}
    for message in [*step(1), *step(2)]:
        assert "Lotte" not in message.body and "Claes" not in message.body
        assert "bloed" not in message.body.lower()
    readers = {
        membership.professional.user.username
        for membership in access.network_of(dossier)
        if access.can_view(membership.professional.user, dossier, Section.POSTNATAL)
    }
    assert readers == {"pieter", "griet", "anne", "karim", "ingrid", "ellen"}
    assert {message.recipient.username for message in step(3)} == readers
    assert not OutboxMessage.objects.filter(key__startswith=f"alert:{bleeding.pk}:level1")
    assert not OutboxMessage.objects.filter(key__startswith=f"alert:{fever.pk}:")
    subjects = {
        message.recipient.username: message.subject for message in step(3).filter(channel="email")
    }
    assert subjects["griet"].startswith("DRINGEND: ")  # each in her own language
    assert subjects["ellen"].startswith("URGENT : ")

    page.goto(f"{live_server.url}/dossiers/{dossier.public_id}/signalen/")
    assert "3 keer geëscaleerd" in page.locator(f"li[data-alert='{again.public_id}']").inner_text()
    screenshot(page, "8-mother-after-escalation")
