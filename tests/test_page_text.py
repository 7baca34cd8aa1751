"""The pages' visible text holds no requirement code ("R22") and no raw database id ("→ 8")
(issue 14): the demo's main pages are rendered for a midwife, the mother and the registrar
and their text — not their markup — is read. The demo's start prints the logins with no
raw e-mail before them."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse

from dossier.entries import KINDS
from dossier.models import Dossier, HomeHelpDay, Newborn
from dossier.sections import Section
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

REQUIREMENT_CODE = re.compile(r"\bR\d{1,2}\b")
# an arrow, a colon or "#" followed by a bare number: an id where a label belongs
RAW_ID = re.compile(r"(?:→|->)\s*\d+\b(?![,.:]\d)(?!\s*(?:g|h|min|kg|cm|mmHg|°C|%|dagen|days))")
ALLOWED = ("FHIR R4",)  # the name of a standard, not a requirement


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for allowed in ALLOWED:
        text = text.replace(allowed, "")
    return text


def problems_in(url: str, html: str) -> list[str]:
    text = visible_text(html)
    found = []
    for pattern in (REQUIREMENT_CODE, RAW_ID):
        for match in pattern.finditer(text):
            found.append(f"{url}: …{text[max(0, match.start() - 50) : match.end() + 20]}…")
    return found


def test_the_visible_text_finds_what_it_must():
    assert problems_in("x", "<p>Afspraken uit het schema (R22)</p>")
    assert problems_in("x", "<td>—</td><td>→ 8</td>")
    assert not problems_in("x", "<p>4,50 h · R&amp;D</p><script>var R2 = 1;</script>")
    assert not problems_in("x", '<a href="/R22/" data-x="R4">FHIR R4 bundles</a>')


@pytest.fixture
def demo():
    call_command("load_demo")


def pages_of(dossier: Dossier) -> list[str]:
    pid = dossier.public_id
    urls = [
        reverse("dossier:detail", args=[pid]),
        reverse("dossier:alerts", args=[pid]),
        reverse("dossier:consults", args=[pid]),
        reverse("dossier:consult_ask", args=[pid]),
        reverse("careplan:plan", args=[pid]),
        reverse("careplan:versions", args=[pid]),
        reverse("network:consent", args=[pid]),
        reverse("network:manage", args=[pid]),
    ]
    urls += [reverse("dossier:entries", args=[pid, slug]) for slug in KINDS]
    urls += [reverse("dossier:history", args=[pid, section]) for section in Section]
    for newborn in Newborn.objects.filter(dossier=dossier):
        urls.append(reverse("dossier:weight", args=[pid, newborn.public_id]))
        urls.append(reverse("dossier:screenings", args=[pid, newborn.public_id]))
    return urls


def test_the_main_pages_show_no_requirement_code_nor_raw_id(client, demo):
    griet = User.objects.get(username="griet")
    # the records with the most history: twins, home help, a delivered one
    dossiers = list(
        Dossier.objects.filter(
            memberships__professional__user=griet, memberships__ended_at__isnull=True
        )
        .order_by("-pk")
        .distinct()[:4]
    )
    twins = Dossier.objects.filter(fetus_count=2, newborns__birth_order=2).first()
    help_day = HomeHelpDay.objects.select_related("dossier").first()
    for extra in (twins, help_day.dossier if help_day else None):
        if extra is not None and extra not in dossiers:
            dossiers.append(extra)
    found, seen = [], 0
    sign_in_verified(client, griet)
    for url in [
        reverse("dossier:dashboard"),
        reverse("network:inbox"),
        reverse("careplan:watch"),
        reverse("ebirth:worklist"),
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        found += problems_in(url, page.content.decode())
    for dossier in dossiers:
        for url in pages_of(dossier):
            page = client.get(url)
            if page.status_code != 200:
                continue
            seen += 1
            found += problems_in(url, page.content.decode())
    lotte = User.objects.get(username="lotte")
    sign_in_verified(client, lotte)
    own = Dossier.objects.get(mother__user=lotte)
    for url in [reverse("network:inbox"), *pages_of(own)]:
        page = client.get(url, follow=True)
        if page.status_code == 200:
            seen += 1
            found += problems_in(url, page.content.decode())
    sign_in_verified(client, User.objects.get(username="rita"))
    page = client.get("/", follow=True)
    found += problems_in("/ (registrar)", page.content.decode())
    assert seen > 40
    assert found == [], "\n".join(found)


def test_the_demo_prints_the_logins_with_no_raw_email_before_them(capsys, tmp_path):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    ):
        call_command("load_demo")
    out = capsys.readouterr().out
    before = out.split("Demo logins")[0]
    assert "Demo logins" in out
    assert "Subject:" not in before and "Content-Type:" not in before
    assert "Subject:" not in out


def test_the_history_shows_a_related_object_by_its_label_not_its_id(demo):
    from django.apps import apps
    from django.utils.translation import gettext

    from dossier.history import UNSHOWN_RELATIONS, field_changes
    from dossier.models import EntryChange

    checked = 0
    for change in EntryChange.objects.filter(operation="INSERT").order_by("pk")[:400]:
        model = apps.get_model(*change.table_name.split("_", 1))
        relations = {
            f.column: f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.label not in UNSHOWN_RELATIONS
        }
        shown = {row.label: row.after for row in field_changes(change)}
        for column, field in relations.items():
            value = (change.new_values or {}).get(column)
            if value is None:
                continue
            label = str(field.verbose_name)
            after = next(v for k, v in shown.items() if k.lower() == label.lower())
            related = field.related_model.objects.get(pk=value)
            expected = (
                gettext("Newborn %(order)s") % {"order": related.birth_order}
                if isinstance(related, Newborn)
                else str(related)
            )
            assert after == expected, (column, after)
            assert not after.isdigit()
            checked += 1
        assert "dossier_id" not in {row.label for row in field_changes(change)}
    assert checked > 0
