"""Playwright for Python driving Debian's Chromium (`apt-get install chromium`); the
browser bundle Playwright would download cannot be fetched on this closed network.

Without a Chromium a developer's run skips these journeys; CI (CI=true) fails instead."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_service

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# to prepare data are ordinary synchronous calls, so Django's async guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        require_service("Chromium", "install it with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser tab with an English-speaking browser: the record must
    still answer in Dutch until the user picks another language."""
    context = browser.new_context(
        viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# axe-core (the npm package, package.json; `make test` installs it with npm) checks every
# page a journey visits against the WCAG 2.2 AA rules: nothing serious or critical.
AXE_CORE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or AXE_CORE)
    if not path.exists():
        require_service("axe-core", "run `npm ci` (package.json) or set AXE_CORE_JS")
    return path.read_text()


def serious_violations(page, axe_source: str) -> list[dict]:
    """axe-core run in the page, evaluated through the browser's devtools protocol (not as
    an inline script), so the page's Content-Security-Policy stays on for the test."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source + ";0")
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                                           nodes: v.nodes.map(n => n.target.join(' '))})))""",
        WCAG_TAGS,
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def accessible(axe_source):
    """``accessible(page)``: fails with the page's serious or critical WCAG violations."""

    def check(page) -> None:
        bad = serious_violations(page, axe_source)
        assert bad == [], f"{page.url}: {bad}"

    return check
