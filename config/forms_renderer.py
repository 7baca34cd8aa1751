"""The form renderer (``FORM_RENDERER``): Django's, with its inputs, selects and labels
written out in Python (issue 16).

Django renders every widget through its template engine: a select is a template, an
include per option and an include of the attributes per option, each node costing several
microseconds. The search form of "Mijn dossiers" (a search field and a select of six
statuses) took about 2.5 ms of the page that way. This renderer writes out what these
templates write — the same characters, each value shown and escaped as a template shows it
(``render_value_in_context``, ``stringformat``) — and a field's label likewise (two
templates per label: 0.2 ms each on the search form), and leaves every other template to
Django's engine. Which templates it writes out is listed here, and
``tests/config/test_forms_renderer.py`` holds the output to the templates' own, widget by
widget and for every form of the project."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
INPUT = WIDGETS + "input.html"
# Django's widget templates that are the input template and nothing else
# ({% include "django/forms/widgets/input.html" %})
INPUTS = frozenset(
    {
        INPUT,
        *(
            f"{WIDGETS}{kind}.html"
            for kind in (
                "text",
                "search",
                "number",
                "email",
                "url",
                "tel",
                "password",
                "hidden",
                "date",
                "datetime",
                "time",
                "color",
                "checkbox",
            )
        ),
    }
)
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
# a field's label (BoundField.label_tag and legend_tag); the form's template_name_label
LABEL = "django/forms/label.html"

# how a template shows a value: autoescaped, localised, in the current time zone
_CONTEXT = Context(autoescape=True)


def _shown(value) -> str:
    """``{{ value }}``."""
    return render_value_in_context(value, _CONTEXT)


def _as_text(value) -> str:
    """``{{ value|stringformat:'s' }}`` (a safe value stays safe through the filter)."""
    text = stringformat(value, "s")
    return _shown(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_shown(name)}" + ("" if value is True else f'="{_as_text(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _plain(widget: dict) -> bool:
    """Values a template would show as they are: a callable one it would call first."""
    return not any(callable(value) for value in widget["attrs"].values())


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_as_text(value)}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{_as_text(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>\n"
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        parts.extend(f"\n  {_option(option)}" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _label(context: dict) -> str | None:
    """django/forms/label.html: ``<label for="id_q">Zoeken</label>`` (or the legend), the
    label alone without an id."""
    if any(callable(value) for value in context["attrs"].values()):
        return None
    if not context["use_tag"]:
        return _shown(context["label"])
    tag = _shown(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_shown(context['label'])}</{tag}>"


def _written_out(template_name: str, widget: dict) -> str | None:
    """The template's output written out, or None where the template itself renders."""
    if template_name in INPUTS and _plain(widget):
        return _input(widget)
    if (
        template_name == SELECT
        and _plain(widget)
        and all(
            option["template_name"] == OPTION and not any(map(callable, option["attrs"].values()))
            for _name, choices, _index in widget["optgroups"]
            for option in choices
        )
    ):
        return _select(widget)
    return None


class QuickRenderer(DjangoTemplates):
    """Django's DjangoTemplates renderer; inputs, selects and labels written out in Python."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        written = None
        if isinstance(widget, dict):
            written = _written_out(template_name, widget)
        elif template_name == LABEL and isinstance(context.get("attrs"), dict):
            written = _label(context)
        if written is not None:
            return SafeString(written.strip())  # as BaseRenderer.render strips
        return super().render(template_name, context, request=request)
