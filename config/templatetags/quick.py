"""Django's ``{% url %}`` tag and ``date`` filter with the same output, the work each
repeats per use done once (issue 16): the address of a route named by public ids once per
route (``config.reversing``), a numeric date format parsed once per format
(``config.dateformats``). Loaded as builtins after Django's own (``TEMPLATES``
``builtins``), so every template uses these; anything else is handed to Django's own.

The request's ``current_app`` only chooses among several instances of one application
namespace; this project has none (tested), so an address does not depend on it."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as django_date
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils import formats
from django.utils.html import conditional_escape

from config.dateformats import format_date
from config.reversing import reverse_ids

register = template.Library()


class RecordURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        url = ""
        try:  # reverse_ids hands anything but public ids to reverse itself
            url = reverse_ids(
                self.view_name.resolve(context), *[arg.resolve(context) for arg in self.args]
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RecordURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    return date_in_format(value, formats.get_format(arg or "DATE_FORMAT"), arg)


def date_in_format(value, format_string: str, arg=None) -> str:
    """The ``date`` filter's text with the format already read (``formats.get_format(arg)``:
    a list reads it once for its rows)."""
    if value in (None, ""):
        return ""
    written = format_date(value, format_string)
    return django_date(value, arg) if written is None else written
