"""Every text of the interface exists in Dutch and French, really translated, and the
compiled catalogues match the sources. The extraction runs on a copy of the code, so a new
label without a translation fails here rather than showing up in English."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["nl", "fr"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    po = catalogue(language)
    assert len(po) > 200
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    for entry in catalogue(language):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_source(language):
    mo = ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue(language):
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_no_interface_text_is_missing_from_the_catalogues(tmp_path):
    if shutil.which("xgettext") is None:
        require_service("gettext (xgettext)", "install the Debian package gettext")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".data", ".git", "node_modules", "test-artifacts", "__pycache__"
        ),
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "nl",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "DJANGO_ENV": "test"},
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    missing = sorted(e.msgid for e in extracted if not e.translated() or e.fuzzy)
    assert missing == [], "untranslated or fuzzy after `make messages`: " + "; ".join(missing)


# The names `makemessages` extracts (Django's xgettext keywords), and `_` for the plain and
# lazy gettext: a translation function imported under any other name is never extracted,
# so its texts would reach every reader in English (a date rule's message once did).
EXTRACTED = {
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def test_no_translation_function_is_imported_under_a_name_extraction_does_not_know():
    hidden = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "node_modules", "tests", "bench", ".data"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "django.utils.translation" not in text or " as " not in text:
            continue  # nothing that could rename a translation function
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                hidden += [
                    f"{path.relative_to(ROOT)}: {name.name} as {name.asname}"
                    for name in node.names
                    if name.name in EXTRACTED and name.asname not in (None, "_")
                ]
    assert hidden == []
