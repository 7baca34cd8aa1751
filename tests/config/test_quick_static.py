"""``{% load static %}`` (``config/templatetags/quick_static.py``): Django's addresses,
kept once asked and forgotten when a setting that makes them changes."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.templatetags.static import StaticNode
from django.test import override_settings

from config.templatetags import quick_static


def _paths():
    """Every constant path a template of the project names with ``{% static %}``."""
    found = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        found |= set(re.findall(r"{% static '([^']+)' %}", template.read_text()))
    return sorted(found)


def test_templates_name_static_files():
    assert "css/app.css" in _paths()


@pytest.mark.parametrize("path", [*_paths(), "a b/é?.css", "x/../y.js"])
def test_an_address_is_django_s_and_follows_the_settings(path):
    tag = Template("{% load static %}{% static path %}|{% static path as kept %}{{ kept }}")
    expected = StaticNode.handle_simple(path)
    for _ in range(2):  # asked, then kept
        written = tag.render(Context({"path": path}))
        assert written == Template("{{ url }}|{{ url }}").render(Context({"url": expected}))
    assert quick_static._KEPT[path] == expected
    with override_settings(STATIC_URL="/elders/"):
        moved = tag.render(Context({"path": path}))
        assert moved.split("|")[0] == Template("{{ u }}").render(
            Context({"u": StaticNode.handle_simple(path)})
        )
        assert "/elders/" in moved
    assert tag.render(Context({"path": path})) == written  # back with the setting
