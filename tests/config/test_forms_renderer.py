"""The form renderer writes out Django's input and select templates in Python
(``config/forms_renderer.py``): the same characters as the templates, widget by widget and
for every field of every form of the project, bound and unbound."""

import datetime
import importlib
import inspect
from decimal import Decimal
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config import forms_renderer
from config.forms_renderer import INPUT, INPUTS, QuickRenderer

TEMPLATES = Path(django.__file__).parent / "forms" / "templates"
DJANGOS, QUICK = DjangoTemplates(), QuickRenderer()


def test_it_is_the_projects_renderer():
    assert settings.FORM_RENDERER == "config.forms_renderer.QuickRenderer"
    assert isinstance(forms.Form().renderer, QuickRenderer)


@pytest.mark.parametrize("name", sorted(INPUTS - {INPUT}))
def test_what_it_writes_out_is_the_input_template_and_nothing_else(name):
    """A Django upgrade that changed one of these templates fails here."""
    assert (TEMPLATES / name).read_text() == '{% include "django/forms/widgets/input.html" %}\n'
    assert Path(DJANGOS.get_template(name).origin.name) == TEMPLATES / name


def test_the_templates_it_writes_out_are_djangos_own():
    """Compared with the templates as this Django ships them; an app that overrode one
    would not be written out the same."""
    for name in (
        INPUT,
        forms_renderer.SELECT,
        forms_renderer.OPTION,
        forms_renderer.LABEL,
        "django/forms/attrs.html",
    ):
        assert Path(DJANGOS.get_template(name).origin.name) == TEMPLATES / name
    assert (TEMPLATES / forms_renderer.LABEL).read_text() == (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}"
        "</{{ tag }}>{% else %}{{ label }}{% endif %}\n"
    )
    assert (TEMPLATES / INPUT).read_text() == (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
        " value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    )


TRICKY = "a<b & \"c\" 'd' é"
ATTRS = {
    "placeholder": gettext_lazy("Search"),
    "maxlength": 100,
    "required": True,
    "disabled": False,
    "data-x": TRICKY,
    "data-safe": mark_safe("<b>"),
    "aria-describedby": "id_q_error",
    "aria-invalid": "true",
}
CHOICES = [
    ("", gettext_lazy("All statuses")),
    ("open", TRICKY),
    (3, 3),
    ("lazy", gettext_lazy("Closed")),
    ("Groep <1>", [("g1", "Eén"), ("g2", mark_safe("<i>twee</i>"))]),
]


def _option_template(widget):
    widget.option_template_name = "django/forms/widgets/radio_option.html"
    return widget


CASES = [
    (forms.TextInput(), None),
    (forms.TextInput(attrs=ATTRS), TRICKY),
    (forms.SearchInput(attrs=ATTRS), ""),
    (forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}), Decimal("3.5")),
    (forms.NumberInput(), 1234567),
    (forms.EmailInput(), "sofie@example.org"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.PasswordInput(render_value=True), "geheim<>"),
    (forms.PasswordInput(), "geheim"),
    (forms.HiddenInput(), 42),
    (forms.DateInput(), datetime.date(2026, 12, 1)),
    (forms.DateTimeInput(), datetime.datetime(2026, 12, 1, 9, 30)),
    (forms.TimeInput(), datetime.time(9, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(attrs={"class": "x"}), False),
    (forms.Select(choices=CHOICES), "open"),
    (forms.Select(choices=CHOICES, attrs=ATTRS), "3"),
    (forms.Select(choices=CHOICES), None),
    (forms.SelectMultiple(choices=CHOICES), ["g1", "lazy"]),
    (forms.NullBooleanSelect(), True),
    (forms.Select(choices=[]), ""),
    # written out by the templates (a value the template would call, another option
    # template): the output is theirs
    (forms.TextInput(attrs={"data-call": lambda: "called"}), "x"),
    (_option_template(forms.Select(choices=CHOICES)), "open"),
]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(("widget", "value"), CASES, ids=lambda case: type(case).__name__)
def test_a_widget_renders_as_its_templates_do(widget, value, language):
    with translation.override(language):
        expected = widget.render("veld", value, attrs={"id": "id_veld"}, renderer=DJANGOS)
        assert widget.render("veld", value, attrs={"id": "id_veld"}, renderer=QUICK) == expected
    assert expected  # something was rendered


def test_the_written_out_widgets_do_not_go_through_the_template_engine(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("rendered by the template engine")

    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    assert "<select" in forms.Select(choices=CHOICES).render("veld", "open", renderer=QUICK)
    assert "<input" in forms.TextInput(attrs=ATTRS).render("veld", "x", renderer=QUICK)


class Labelled(forms.Form):
    plain = forms.CharField(label=TRICKY)
    lazy = forms.CharField(label=gettext_lazy("Search"), required=False)
    safe = forms.CharField(label=mark_safe("<abbr>EPDS</abbr>"))
    asked = forms.CharField(label="Meer dan 3 <4 & waarom?")  # no suffix: not escaped yet
    none = forms.CharField(label="")


LABEL_CALLS = [
    lambda field: field.label_tag(),
    lambda field: field.label_tag(attrs={"class": "x", "data-x": TRICKY, "hidden": True}),
    lambda field: field.label_tag(contents=TRICKY, label_suffix=" :"),
    lambda field: field.label_tag(contents=TRICKY, label_suffix=""),
    lambda field: field.legend_tag(),
    lambda field: field.label_tag(attrs={"data-call": lambda: "called"}),
]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
@pytest.mark.parametrize("required_css_class", ["", "required"])
def test_a_label_renders_as_its_template_does(language, auto_id, required_css_class):
    """With an id (a <label for>) and without one (the text alone), escaped as the template
    escapes, a safe label kept, the suffix and the attributes, and the legend."""
    form = Labelled(auto_id=auto_id)
    form.required_css_class = required_css_class
    compared = 0
    with translation.override(language):
        for field in form:
            for call in LABEL_CALLS:
                form.renderer = DJANGOS
                expected = call(field)
                form.renderer = QUICK
                assert call(field) == expected, (field.name, expected)
                compared += 1
    assert compared == 30


def test_a_label_does_not_go_through_the_template_engine(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("rendered by the template engine")

    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    field = Labelled()["plain"]
    assert field.label_tag() == (
        '<label for="id_plain">a&lt;b &amp; &quot;c&quot; &#x27;d&#x27; é:</label>'
    )


FORM_MODULES = (
    "careplan.forms",
    "careplan.group_forms",
    "dossier.closure_forms",
    "dossier.consult_forms",
    "dossier.entry_forms",
    "dossier.forms",
    "network.forms",
)


def _project_forms():
    """Every form class of the project that can be made without arguments."""
    found = {}
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for form_class in vars(module).values():
            if (
                inspect.isclass(form_class)
                and issubclass(form_class, forms.BaseForm)
                and form_class.__module__ == name
                and not inspect.isabstract(form_class)
            ):
                found[f"{name}.{form_class.__name__}"] = form_class
    return found


def _made(form_class, **kwargs):
    try:
        return form_class(**kwargs)
    except (TypeError, KeyError, AttributeError, ValueError):
        return None  # a form that needs its record or user


@pytest.mark.django_db
def test_every_form_of_the_project_renders_as_the_templates_do():
    """Each field's widget, label and legend, unbound and bound to nothing (required fields
    then carry aria-invalid and aria-describedby), in the renderer's output and the
    templates'."""
    compared = 0
    for form_class in _project_forms().values():
        for kwargs in ({}, {"data": {}}):
            form = _made(form_class, **kwargs)
            if form is None:
                continue
            form.is_bound and form.is_valid()
            for field in form:
                form.renderer = DJANGOS
                expected = field.as_widget(), field.label_tag(), field.legend_tag()
                form.renderer = QUICK
                assert (field.as_widget(), field.label_tag(), field.legend_tag()) == expected, (
                    field.html_name
                )
                compared += 1
    assert compared >= 40, compared
