"""``{% load i18n %}`` loads Django's tags and filters with a constant ``{% translate %}``
worked out once per language (``config.templatetags.quick_i18n``, issue 16): the same text
as Django's own node, for every constant text of every template, in every language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import Context, Template, engines
from django.template.base import Node
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from config.templatetags.quick_i18n import ConstantTranslateNode

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _nodes(nodelist):
    for node in nodelist:
        yield node
        for attribute in node.child_nodelists:
            yield from _nodes(getattr(node, attribute, None) or [])
        if hasattr(node, "nodelist") and "nodelist" not in node.child_nodelists:
            yield from _nodes(node.nodelist or [])


def _project_templates():
    folder = settings.BASE_DIR / "templates"
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.html"))


def _constant_texts():
    found = {}
    engine = engines["django"].engine
    for name in _project_templates():
        template = engine.get_template(name)
        for node in _nodes(template.nodelist):
            if isinstance(node, ConstantTranslateNode):
                found[node.filter_expression.var.literal] = node
    return found


CONSTANTS = _constant_texts()


def test_the_templates_use_it():
    assert len(CONSTANTS) > 200
    from config.templatetags import quick_i18n

    assert engines["django"].engine.template_libraries["i18n"] is quick_i18n.register


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("autoescape", [True, False])
def test_every_constant_text_as_django_translates_it(language, autoescape):
    with translation.override(language):
        for text, node in CONSTANTS.items():
            context = Context(autoescape=autoescape)
            ours = node.render(context)
            django_s = TranslateNode.render(node, Context(autoescape=autoescape))
            assert ours == django_s, text
            assert type(ours) is type(django_s), text
            assert ours == node.render(context)  # kept, and still the same


def test_each_language_its_own_text_and_as_sets_the_variable():
    page = Template(
        '{% load i18n %}{% translate "Born" %}|{% translate "Born" as born %}[{{ born }}]'
    )
    seen = {}
    for language in LANGUAGES:
        with translation.override(language):
            seen[language] = page.render(Context())
            expected = translation.gettext("Born")
            assert seen[language] == f"{expected}|[{expected}]"
    assert len(set(seen.values())) == len(LANGUAGES)  # nl, fr and en differ


def test_a_percent_sign_and_markup_are_as_django_writes_them():
    source = '{% load i18n %}{% translate "100% <b>sure</b>" %}'
    for language in LANGUAGES:
        with translation.override(language):
            assert Template(source).render(Context()) == "100% <b>sure</b>"


@pytest.mark.parametrize(
    "source",
    [
        '{% translate "May" context "month name" %}',
        '{% translate "Born" noop %}',
        '{% translate "born"|upper %}',
        "{% translate text %}",
    ],
)
def test_anything_else_is_django_s_own_node(source):
    template = Template("{% load i18n %}" + source)
    nodes = [
        n for n in template.nodelist if isinstance(n, Node) and "Translate" in type(n).__name__
    ]
    assert [type(n) for n in nodes] == [TranslateNode]
    with translation.override("nl"):
        assert template.render(Context({"text": "Born"})) == TranslateNode.render(
            nodes[0], Context({"text": "Born"})
        )
