"""``{% load static %}``: Django's own library, with each static file's address kept per
process once asked (issue 16). Installed under the library's own name (``TEMPLATES``
``libraries``), so every template's ``{% load static %}`` loads this.

Django's ``{% static %}`` asks the storage for the address on every render: with the
production storage (hashed names from the manifest) ≈17 µs a tag, and every page names
seven files in its head (≈0.13 ms). The storage reads its manifest once, when it is made,
so an address does not change while the process runs; it is forgotten when a setting that
makes it changes (``setting_changed``: tests override them). An address the storage
refuses (a file missing from the manifest) raises as before and is not kept."""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags import static as django_static
from django.templatetags.static import StaticNode

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)

_KEPT_MAX = 1_000  # a path from a variable: what a page names cannot grow it without end
_KEPT: dict[str, str] = {}
_MAKING = {
    "STATIC_URL",
    "STATIC_ROOT",
    "STORAGES",
    "STATICFILES_STORAGE",
    "INSTALLED_APPS",
    "DEBUG",
}


class KeptStaticNode(StaticNode):
    @classmethod
    def handle_simple(cls, path):
        url = _KEPT.get(path)
        if url is None:
            url = StaticNode.handle_simple(path)
            if len(_KEPT) < _KEPT_MAX:
                _KEPT[path] = url
        return url


@register.tag("static")
def do_static(parser, token):
    return KeptStaticNode.handle_token(parser, token)


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs) -> None:
    if setting in _MAKING:
        _KEPT.clear()
