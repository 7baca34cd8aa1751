"""The installable web app on a phone (issue 14): the service worker registers and the
manifest holds; a home visit saved without network waits on the phone (IndexedDB), "waiting
to be sent" on the page and in the header, a reload without network shows the form kept on
the phone (or the offline page), and once the network is back the visit is saved exactly
once. A visit the record refuses is kept, "needs your attention", and opened again filled in;
the sign-out wipes what the phone kept. axe-core (WCAG 2.2 AA rules) on the pages visited.

Playwright drives Debian's Chromium; axe-core is the npm package (tests/e2e/conftest.py).
page.evaluate runs through the devtools protocol, which the pages' CSP allows
(wait_for_function would evaluate a string in the page, which it forbids): hence ``poll``."""

import re

import pytest
from django.core.management import call_command

from dossier.models import HomeVisit
from tests.e2e.test_journeys import log_in
from tests.e2e.test_visit_drafts import open_lotte_visit_form, type_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTBOX = "MdOutbox.items(document.body.dataset.draftUser || undefined)"
SAVED = re.compile(r"/huisbezoeken/(#[\w-]*)?$")


def poll(page, script: str, what: str, tries: int = 150):
    for _attempt in range(tries):
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(100)
    pytest.fail(f"never happened: {what}")


def outbox(page) -> list[dict]:
    return page.evaluate(OUTBOX)


def wait_for_the_worker(page):
    poll(
        page,
        "navigator.serviceWorker.getRegistration('/').then(r => !!(r && r.active))",
        "the service worker is active",
    )
    poll(page, "navigator.serviceWorker.controller !== null", "the page is controlled")


def test_the_app_installs_and_a_visit_saved_offline_is_sent_exactly_once(
    phone, live_server, accessible, axe_source, screenshot
):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    wait_for_the_worker(page)

    # the manifest: what a phone needs to install the app, its icons there
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["name"] == "Moederschapsdossier"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        answer = page.evaluate(
            "src => fetch(src).then(r => [r.status, r.headers.get('content-type')])", icon["src"]
        )
        assert answer[0] == 200 and answer[1].startswith(icon["type"]), icon
    assert page.locator("meta[name=theme-color]").get_attribute("content") == "#0b6e4f"

    open_lotte_visit_form(page, live_server, axe_source)
    url = page.url
    poll(
        page,
        "caches.open('md-pages-v1').then(c => c.keys()).then(k => k.length > 0)",
        "the visit form is kept for use without network",
    )
    kept = page.evaluate(
        "caches.open('md-pages-v1').then(c => c.match(location.href)).then(r => r.text())"
    )
    assert 'name="client_key"' in kept and "data-offline-copy" in kept
    assert 'class="card entry"' not in kept  # the record's entries are not kept

    type_visit(page)
    visits = HomeVisit.objects.count()
    page.context.set_offline(True)  # the network drops in the family's home
    page.get_by_role("button", name="Bewaren").click()
    page.locator("#outbox-status.outbox-waiting").wait_for()
    header = page.locator(".outbox-link")
    header.wait_for()
    assert "1" in header.inner_text()
    items = poll(page, OUTBOX + ".then(l => l.length === 1 && l)", "the visit is in IndexedDB")
    item = items[0]
    assert item["state"] == "waiting" and item["user"]
    assert re.fullmatch(r"[0-9a-f-]{36}", item["client_key"])
    assert item["label"].startswith("Lotte Claes")  # the record as the pages showed it
    fields = dict(item["fields"])
    assert fields["temperature_c"] == "37.3" and fields["notes"].startswith("Moeder slaapt")
    assert HomeVisit.objects.count() == visits
    accessible(page)
    screenshot(page, "waiting-to-be-sent")

    page.get_by_role("button", name="Bewaren").click()  # pressed again, impatient
    page.wait_for_timeout(300)
    assert [i["client_key"] for i in outbox(page)] == [item["client_key"]]  # one visit

    # a reload without network: the form kept on the phone, what was typed back in it
    page.reload()
    assert page.locator("html[data-offline-copy]").count() == 1
    page.locator(".offline-copy").wait_for()
    assert page.locator("#id_temperature_c").input_value() == "37.3"
    page.locator("#outbox-status.outbox-waiting").wait_for()
    accessible(page)
    screenshot(page, "form-kept-on-the-phone")

    # another page without network: the offline page, listing what waits
    page.goto(live_server.url + "/dossiers/")
    page.locator("#offline-page").wait_for()
    assert page.locator("#offline-title").is_visible()
    page.locator(".outbox-item").first.wait_for()
    assert page.locator(".outbox-item").count() == 1
    assert "Lotte Claes" in page.locator(".outbox-item h3").inner_text()
    accessible(page)
    screenshot(page, "offline-page")

    page.goto(url)  # back to the form (its copy), then the network comes back
    page.locator("html[data-offline-copy]").wait_for(state="attached")
    page.context.set_offline(False)
    page.locator("#outbox-status.outbox-sent").wait_for()
    poll(page, OUTBOX + ".then(l => l.length === 0)", "the outbox is emptied once sent")
    assert HomeVisit.objects.count() == visits + 1  # sent (twice pressed), saved once
    visit = HomeVisit.objects.get(client_key=item["client_key"])
    assert visit.notes.startswith("Moeder slaapt weinig")
    assert page.locator(".outbox-link").count() == 0
    assert page.locator("#id_temperature_c").input_value() == ""  # ready for the next one

    page.goto(url.split("#")[0])  # online: the page itself, nothing offered back
    assert page.locator("html[data-offline-copy]").count() == 0
    assert page.locator(".draft-notice").count() == 0
    assert HomeVisit.objects.count() == visits + 1
    accessible(page)


def test_a_refused_visit_needs_attention_opens_filled_in_and_sign_out_wipes_the_phone(
    phone, live_server, accessible, axe_source, screenshot
):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    wait_for_the_worker(page)
    open_lotte_visit_form(page, live_server, axe_source)
    type_visit(page)
    page.locator("#id_baby1_weight_g").fill("9000")  # more than the form accepts
    page.wait_for_timeout(600)
    visits = HomeVisit.objects.count()
    page.context.set_offline(True)
    page.get_by_role("button", name="Bewaren").click()
    page.locator("#outbox-status.outbox-waiting").wait_for()

    page.context.set_offline(False)  # sent, and refused by the record: kept, not dropped
    page.locator("#outbox-status.outbox-check").wait_for()
    items = poll(
        page, OUTBOX + ".then(l => l.length === 1 && l[0].state === 'attention' && l)", "refused"
    )
    assert HomeVisit.objects.count() == visits
    assert page.locator(".outbox-link.outbox-attention").is_visible()
    accessible(page)
    screenshot(page, "needs-attention")

    # the sign-out would wipe it: asked first, and staying is possible
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_timeout(500)
    assert asked and "1" in asked[0]
    assert page.locator(".outbox-link").is_visible() and len(outbox(page)) == 1

    page.locator("#outbox-status a").click()  # "Open the form": filled in again
    page.locator("#id_baby1_weight_g").wait_for(state="visible")
    poll(
        page,
        "document.querySelector('#id_baby1_weight_g').value === '9000'",
        "the refused visit is back in its form",
    )
    assert page.locator("#id_notes").input_value().startswith("Moeder slaapt weinig")
    client_key = page.locator("input[name=client_key]").input_value()
    assert client_key == items[0]["client_key"]
    page.locator("#id_baby1_weight_g").fill("2300")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(SAVED)
    assert HomeVisit.objects.filter(client_key=client_key).count() == 1
    poll(page, OUTBOX + ".then(l => l.length === 0)", "saved by hand, the outbox forgets it")
    assert page.locator(".outbox-link").count() == 0

    # the sign-out wipes what this phone kept of her: the outbox, the pages, the drafts
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(re.compile(r"/aanmelden/"))
    poll(
        page,
        "caches.keys().then(names => !names.some(n => n.startsWith('md-pages-')))",
        "no copy of a page left",
    )
    assert page.evaluate("MdOutbox.items()") == []
    assert page.evaluate("MdOutbox.meta('last')") is None
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:v1:'))") == []
    accessible(page)


def test_the_first_versions_outbox_moves_over_and_a_post_lost_on_the_way_is_kept(
    phone, live_server, accessible, axe_source
):
    call_command("load_demo")
    page = phone
    log_in(page, live_server, "griet")
    wait_for_the_worker(page)
    open_lotte_visit_form(page, live_server, axe_source)
    visits = HomeVisit.objects.count()

    # a visit left in the localStorage outbox of the first version: moved once, then sent
    type_visit(page)
    old_key = page.evaluate(
        """() => {
        const form = document.querySelector('input[name=client_key]').form;
        const body = [];
        new FormData(form).forEach((value, name) => body.push([name, value]));
        const key = crypto.randomUUID();
        body.forEach(pair => { if (pair[0] === 'client_key') pair[1] = key; });
        localStorage.setItem('outbox:v1:' + document.body.dataset.draftUser, JSON.stringify(
            [{url: location.href.split('#')[0], body: body, draft: '', at: Date.now()}]));
        return key;
    }"""
    )
    page.reload()
    page.locator("#outbox-status.outbox-sent").wait_for()  # moved to IndexedDB, then sent
    poll(page, OUTBOX + ".then(l => l.length === 0)", "the old outbox is moved and sent")
    assert page.evaluate("Object.keys(localStorage).some(k => k.startsWith('outbox:v1:'))") is False
    assert HomeVisit.objects.filter(client_key=old_key).count() == 1
    assert HomeVisit.objects.count() == visits + 1

    # the phone believes it is online, the POST never arrives: the worker keeps the visit
    page.goto(page.url.split("#")[0])
    page.locator("#id_temperature_c").wait_for(state="visible")
    page.locator("#id_temperature_c").fill("36.9")
    page.locator("#id_notes").fill("Verstuurd in een tunnel.")
    page.wait_for_timeout(600)
    client_key = page.locator("input[name=client_key]").input_value()

    def lost(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route("**/huisbezoeken/*", lost)
    page.get_by_role("button", name="Bewaren").click()
    page.locator("#outbox-status.outbox-waiting").wait_for()
    items = poll(page, OUTBOX + ".then(l => l.length === 1 && l)", "kept by the worker")
    assert items[0]["client_key"] == client_key and items[0]["label"].startswith("Lotte Claes")
    assert dict(items[0]["fields"])["notes"] == "Verstuurd in een tunnel."
    assert HomeVisit.objects.count() == visits + 1
    accessible(page)

    page.context.unroute("**/huisbezoeken/*", lost)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the network is back
    poll(page, OUTBOX + ".then(l => l.length === 0)", "sent once the network is back")
    assert HomeVisit.objects.filter(client_key=client_key).count() == 1
    assert HomeVisit.objects.count() == visits + 2
