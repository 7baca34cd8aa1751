"""``{% load i18n %}``: Django's own tags and filters, with ``{% translate "text" %}`` of a
constant text worked out once per language (issue 16). Installed under the library's own
name (``TEMPLATES`` ``libraries``), so every template's ``{% load i18n %}`` loads this.

Django's ``TranslateNode`` looks the text up in the catalogue, makes a lazy string of it,
localises and escapes it and restores its percent signs on every render: 14 µs a node on the
benchmarks' machine, 142 of them on a record's overview. A constant text (no filter, no
``context``, no ``noop``) translates to the same string in the same language, so the first
render's result is kept per language and escaping (a template's literal text is trusted:
its translation is not escaped either way). Anything else is Django's node as it is.
``makemessages`` reads the templates' text, not this module: it finds the same messages."""

from __future__ import annotations

from django import template
from django.template.base import Variable, render_value_in_context
from django.templatetags import i18n as django_i18n
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(TranslateNode):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.known: dict[tuple[str | None, bool], str] = {}

    def render(self, context):
        key = (get_language(), context.autoescape)
        value = self.known.get(key)
        if value is None:
            value = self.known[key] = self.translated(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def translated(self, context) -> str:
        """What ``TranslateNode.render`` returns for this text (its own steps)."""
        self.filter_expression.var.translate = True
        value = render_value_in_context(self.filter_expression.resolve(context), context)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        return mark_safe(value) if is_safe else value


def is_constant(node: TranslateNode) -> bool:
    expression = node.filter_expression
    return (
        not node.noop
        and node.message_context is None
        and not expression.filters
        and isinstance(expression.var, Variable)
        and expression.var.lookups is None  # a literal text, not a variable
    )


@register.tag("translate")
@register.tag("trans")
def translate(parser, token):
    node = do_translate(parser, token)
    if not is_constant(node):
        return node
    return ConstantTranslateNode(node.filter_expression, node.noop, node.asvar)
