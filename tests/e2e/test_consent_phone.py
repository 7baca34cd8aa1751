"""The mother changes who sees what on a 320 px phone (issue 14): one card per provider
with a plain sentence, the choices folded under it, a save per card; no sideways scroll on
the phone nor at a desk; axe-core (the npm package) finds nothing serious or critical."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from demo.scenarios import DEMO_PASSWORD
from dossier.models import Dossier
from dossier.sections import Section
from network import access, services
from network.models import Professional, Role
from tests.e2e.conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}
DESK = {"width": 1280, "height": 800}
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def axe_violations(page, source: str) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in serious_violations(page, source)
    ]


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/aanmelden" not in url)


def test_the_mother_changes_consent_on_a_320_px_screen(
    browser, live_server, screenshot, axe_source
):
    source = axe_source
    call_command("load_demo")
    dossier = Dossier.objects.get(mother__user__username="an")
    # a network of two, as in the issue: the coordinator adds the GP Karim
    gp_member = services.membership_add(
        actor=User.objects.get(username="griet"),
        dossier=dossier,
        professional=Professional.objects.get(user__username="karim"),
    )
    assert gp_member.role == Role.GP
    url = f"{live_server.url}/dossiers/{dossier.public_id}/wie-ziet-wat/"

    context = browser.new_context(viewport=NARROW, locale="nl-BE", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, "an")
    page.goto(url)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the consent page scrolls sideways at 320 px"
    card = page.locator(f'[data-card="member:{gp_member.public_id}"]')
    name = gp_member.professional.user.get_full_name()
    assert name in card.locator(".consent-sentence").inner_text()
    assert axe_violations(page, source) == []
    screenshot(page, "1-cards")

    # open that card's choices, close the prenatal follow-up, save that card only
    card.locator("summary").click()
    select = card.locator(f'select[name="member:{gp_member.public_id}:{Section.PRENATAL}"]')
    select.select_option("0")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert axe_violations(page, source) == []
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"#member-{gp_member.public_id}$"))
    assert page.locator(".messages, [role=status], [role=alert]").first.is_visible()
    assert not access.can_view(gp_member.professional.user, dossier, Section.PRENATAL)
    screenshot(page, "2-saved")
    context.close()

    # at a desk: the cards sit side by side, still no sideways scroll
    context = browser.new_context(viewport=DESK, locale="nl-BE")
    page = context.new_page()
    sign_in(page, live_server, "an")
    page.goto(url)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the consent page scrolls sideways at a desk"
    context.close()
