"""The template builtins that do their work once (``config.templatetags.quick``): the same
addresses as ``reverse`` and the same dates as Django's ``date`` filter (issue 16)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Engine, Template, engines
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.utils import dateformat, translation

from config.dateformats import compiled, format_date
from config.reversing import id_addresses, reverse_ids


def _named_routes(resolvers=None, namespace=""):
    """(name, converters) of every named route with arguments."""
    found = []
    for entry in (resolvers or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named_routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.pattern.converters:
            found.append((f"{namespace}{entry.name}", list(entry.pattern.converters.values())))
    return found


def _routes():
    """(name, number of arguments) of every named route whose arguments are all UUIDs."""
    return [
        (name, len(converters))
        for name, converters in _named_routes()
        if all(isinstance(c, UUIDConverter) for c in converters)
    ]


ROUTES = _routes()


def test_there_are_routes_with_public_ids():
    assert len(ROUTES) > 50
    assert ("dossier:detail", 1) in ROUTES


@pytest.mark.parametrize("name,count", ROUTES)
def test_reverse_ids_is_reverse_for_every_route_with_ids(name, count):
    for _ in range(3):
        ids = [uuid.uuid4() for _ in range(count)]
        try:
            expected = reverse(name, args=ids)
        except NoReverseMatch:  # a name that several routes share, with other arguments
            continue
        assert reverse_ids(name, *ids) == expected


def test_reverse_ids_hands_anything_else_to_reverse():
    some = uuid.uuid4()
    assert reverse_ids("dossier:detail", str(some)) == reverse("dossier:detail", args=[some])
    assert reverse_ids("dossier:dashboard") == reverse("dossier:dashboard")
    with pytest.raises(NoReverseMatch):
        reverse_ids("dossier:detail", "not-a-uuid")
    with pytest.raises(NoReverseMatch):
        reverse_ids("dossier:no-such-route", some)
    with pytest.raises(NoReverseMatch):  # one id too many
        reverse_ids("dossier:detail", some, some)


@pytest.mark.parametrize("name", [name for name, count in ROUTES if count == 1])
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_a_list_s_addresses_are_reverse_s_for_every_route_with_one_id(name, language):
    """``id_addresses`` (a list's rows, one route each) writes what ``reverse`` writes,
    whether the route was worked out before or not, in each language."""
    from config import reversing

    reversing._PIECES.clear()
    with translation.override(language):
        for _ in range(2):
            address = id_addresses(name)
            some = uuid.uuid4()
            try:
                expected = reverse(name, args=[some])
            except NoReverseMatch:  # a name that several routes share, with other arguments
                return
            assert address(some) == expected
            assert address(str(some)) == expected  # a text: handed to reverse


def test_a_list_s_addresses_hand_anything_else_to_reverse():
    with pytest.raises(NoReverseMatch):
        id_addresses("dossier:detail")("not-a-uuid")
    with pytest.raises(NoReverseMatch):
        id_addresses("dossier:no-such-route")(uuid.uuid4())


def _routes_with_texts():
    """(name, converters) of every named route whose arguments are UUIDs and texts, with at
    least one text (``<str:…>``, ``<slug:…>``)."""
    from django.urls.converters import SlugConverter, StringConverter

    kinds = (UUIDConverter, StringConverter, SlugConverter)
    return [
        (name, converters)
        for name, converters in _named_routes()
        if all(isinstance(c, kinds) for c in converters)
        and not all(isinstance(c, UUIDConverter) for c in converters)
    ]


ROUTES_WITH_TEXTS = _routes_with_texts()
TEXTS = ["identity", "home-visit", "a b", "é", "x/y", "", "%20", "?q=1", "#top", "a" * 40]


def test_there_are_routes_with_ids_and_texts():
    assert any(name == "dossier:history" for name, _c in ROUTES_WITH_TEXTS)


@pytest.mark.parametrize("name,converters", ROUTES_WITH_TEXTS)
def test_reverse_ids_is_reverse_for_ids_and_texts(name, converters):
    """A text is reversed as it is, once per route and text: the same address, quoting
    included, and the same refusal for a text the route's converter does not take."""
    for text in TEXTS:
        for _ in range(2):
            args = [uuid.uuid4() if isinstance(c, UUIDConverter) else text for c in converters]
            try:
                expected = reverse(name, args=args)
            except NoReverseMatch:
                with pytest.raises(NoReverseMatch):
                    reverse_ids(name, *args)
                continue
            assert reverse_ids(name, *args) == expected, (name, text)


def test_a_long_text_or_a_full_cache_is_left_to_reverse(monkeypatch):
    from config import reversing

    some = uuid.uuid4()
    long_text = "a" * 41
    assert reverse_ids("dossier:history", some, long_text) == reverse(
        "dossier:history", args=[some, long_text]
    )
    assert not any(long_text in key[1] for key in reversing._PIECES)
    monkeypatch.setattr(reversing, "_PIECES", {})
    monkeypatch.setattr(reversing, "_KEYS_MAX", 2)
    for section in ("identity", "prenatal", "delivery", "newborn"):
        assert reverse_ids("dossier:history", some, section) == reverse(
            "dossier:history", args=[some, section]
        )
    assert len(reversing._PIECES) == 2


def test_no_application_namespace_has_two_instances():
    """The url tag ignores the request's current_app, which only chooses among instances."""
    assert all(len(instances) == 1 for instances in get_resolver().app_dict.values())


def test_the_url_tag_gives_django_s_addresses():
    some, other = uuid.uuid4(), uuid.uuid4()
    page = Template(
        "{% url 'dossier:detail' a %}|{% url 'dossier:screenings' a b %}|"
        "{% url 'dossier:detail' 'x' as missing %}[{{ missing }}]|"
        "{% url name a as kept %}{{ kept }}|"
        "{% url 'dossier:dashboard' %}"
    ).render(Context({"a": some, "b": other, "name": "dossier:detail"}))
    assert page == "|".join(
        [
            reverse("dossier:detail", args=[some]),
            reverse("dossier:screenings", args=[some, other]),
            "[]",
            reverse("dossier:detail", args=[some]),
            reverse("dossier:dashboard"),
        ]
    )
    with pytest.raises(NoReverseMatch):
        Template("{% url 'dossier:no-such-route' a %}").render(Context({"a": some}))
    # the project's engine loads it for every template
    assert "config.templatetags.quick" in engines["django"].engine.builtins


SPECIFIERS = "djmnYHGis"


def _moments():
    rng = random.Random(16)
    brussels = ZoneInfo("Europe/Brussels")
    found = [dt.datetime(2026, 1, 1, 0, 0, 0), dt.datetime(999, 12, 31, 23, 59, 59)]
    for _ in range(200):
        found.append(
            dt.datetime(
                rng.randint(1, 9999),
                rng.randint(1, 12),
                rng.randint(1, 28),
                rng.randint(0, 23),
                rng.randint(0, 59),
                rng.randint(0, 59),
                tzinfo=brussels if rng.random() < 0.5 else None,
            )
        )
    return found


@pytest.mark.parametrize("specifier", list(SPECIFIERS))
def test_each_numeric_specifier_as_django_writes_it(specifier):
    for moment in _moments():
        assert format_date(moment, specifier) == dateformat.format(moment, specifier)
        if specifier in "djmnY":
            assert format_date(moment.date(), specifier) == dateformat.format(
                moment.date(), specifier
            )


@pytest.mark.parametrize(
    "form", ["d-m-Y H:i", "d-m-Y", "j/n/Y G:i:s", "H:i", r"d \d\e m {Y}", "Y-m-d\\", "%d {0}"]
)
def test_the_project_s_formats_and_literal_text(form):
    for moment in _moments():
        assert format_date(moment, form) == dateformat.format(moment, form)


@pytest.mark.parametrize("form", ["j F Y", "D d-m-Y H:i", "c", "U", "N j, Y", "e", "a"])
def test_names_and_other_specifiers_are_left_to_django(form):
    assert compiled(form) is None
    assert format_date(dt.datetime(2026, 3, 4, 5, 6), form) is None


def test_a_time_of_a_date_is_left_to_django():
    assert format_date(dt.date(2026, 3, 4), "d-m-Y H:i") is None
    assert format_date("2026-03-04", "d-m-Y") is None


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_date_filter_renders_as_django_s(language, settings):
    settings.TIME_ZONE = "Europe/Brussels"
    values = {
        "before": dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # 01:30, winter time
        "after": dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),  # 03:30, summer time
        "naive": dt.datetime(2026, 7, 1, 9, 5),
        "day": dt.date(2026, 3, 4),
        "none": None,
        "empty": "",
        "text": "x",
    }
    forms = [
        ':"SHORT_DATETIME_FORMAT"',
        ':"SHORT_DATE_FORMAT"',
        ':"d-m-Y H:i"',
        ':"D d-m-Y H:i"',
        ":'c'",
        ':"TIME_FORMAT"',
        "",
    ]
    source = "".join(
        f"[{{{{ {name}|date{form} }}}}]"
        for form in forms
        for name in values
        # Django refuses a time of a date (TypeError), as this filter leaves it to do
        if name != "day" or form in ("", ':"SHORT_DATE_FORMAT"')
    )
    with translation.override(language):
        ours = engines["django"].from_string(source).render(values)
        django_s = Engine().from_string(source).render(Context(values))
    assert ours == django_s
    assert "30-03-2026" not in ours and "29-03-2026 03:30" in ours
