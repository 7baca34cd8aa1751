"""``{% topbar %}``: the header of every page (templates/base.html) — the brand, the
language switch, and for a signed-in user her links by role, her name and "Log out" —
written by one tag instead of ≈60 template nodes (issue 16: the header cost "My records"
≈0.6 ms of its ≈10, on every page, each node asking the language and the script prefix
again). It writes what the template wrote (tested against it: ``tests/config/
test_topbar.py``, the old header kept there as ``topbar_template.html``): each link where
the user's role offers it (``user.professional``, ``user.mother``, the permissions the admin
gave: ``network.access.granted``), every text escaped.

The header of each shape — language, script prefix, URL configuration, and which links the
user's roles offer — is written once per process and kept cut where the request's own
values go (the forms' CSRF input, the address to come back to, the unread count, her
name), which are escaped into it on each page."""

from __future__ import annotations

import functools
import re

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.context_processors import csrf
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, gettext, gettext_noop

from config.reversing import reverse_ids
from network import access

register = template.Library()

_CSRF = CsrfTokenNode()

# a professional's first links: (route, text)
_LINKS_BEFORE_ROTA = (
    ("careplan:today", gettext_noop("Today")),
    ("careplan:watch", gettext_noop("Watch list")),
    ("careplan:my_calendar", gettext_noop("My calendar")),
)


# the permissions the admin gives that add a link (network.access.granted)
_PERMISSIONS = ("ebirth.run_export", "ebirth.view_figures")


def _related(user, name: str):
    """``user.professional`` / ``user.mother`` as the template read them: None when absent."""
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


@functools.cache
def _local_name(code: str) -> str:
    return get_language_info(code)["name_local"]


def _link(route: str, text: str) -> SafeString:
    return format_html('<a class="inbox-link" href="{}">{}</a>', reverse_ids(route), text)


# What changes from request to request, written into the header kept per shape (_shape):
# the form's CSRF input, the address to come back to, the unread count, the user's name.
_CSRF_SLOT, _PATH_SLOT, _UNREAD_SLOT, _NAME_SLOT = (f"\x00{n}\x00" for n in range(4))
_SLOTS = re.compile("(\x00[0-3]\x00)")
_KEPT: dict[tuple, list[str]] = {}
_KEPT_MAX = 1_000  # shapes: languages × roles × script prefixes; bounded all the same


def _language_switch() -> SafeString:
    current = get_language()
    options = "\n".join(
        format_html(
            '<option value="{}" {}>{} – {}</option>',
            code,
            "selected" if code == current else "",
            code.upper(),
            _local_name(code),
        )
        for code, _name in settings.LANGUAGES
    )
    return format_html(
        '<form action="{}" method="post" class="language-switch">\n{}\n'
        '<input name="next" type="hidden" value="{}">\n'
        '<label for="language-select" class="visually-hidden">{}</label>\n'
        '<select id="language-select" name="language" data-autosubmit>\n{}\n</select>\n'
        '<noscript><button type="submit">{}</button></noscript>\n</form>',
        reverse_ids("set_language"),
        mark_safe(_CSRF_SLOT),
        _PATH_SLOT,
        gettext("Language"),
        mark_safe(options),  # each option written by format_html
        gettext("Change"),
    )


def _signed_in(professional: bool, organisation: bool, mother: bool, given, unread) -> SafeString:
    parts = [
        format_html(
            '<a class="inbox-link" href="{}">{}{}</a>',
            reverse_ids("network:inbox"),
            gettext("Notifications"),
            format_html(' <span class="badge">{}</span>', _UNREAD_SLOT) if unread else "",
        )
    ]
    if professional:
        parts += [_link(route, gettext(text)) for route, text in _LINKS_BEFORE_ROTA]
        if organisation:
            parts.append(_link("network:oncall", gettext("On-call rota")))
    if organisation:
        parts.append(_link("careplan:groups", gettext("Parent groups")))
    if professional:
        parts.append(_link("ebirth:worklist", gettext("Birth registration")))
    if "ebirth.run_export" in given:
        parts.append(_link("ebirth:exports", gettext("eBirth exports")))
    if "ebirth.view_figures" in given:
        parts.append(_link("ebirth:figures", gettext("Figures")))
    if professional or mother:
        parts.append(_link("network:message_settings", gettext("My messages")))
    parts.append(format_html('<span class="user-name">{}</span>', _NAME_SLOT))
    parts.append(
        format_html(
            '<form action="{}" method="post" data-drafts-clear>\n{}\n'
            '<button type="submit" class="link-button">{}</button>\n</form>',
            reverse_ids("logout"),
            mark_safe(_CSRF_SLOT),
            gettext("Log out"),
        )
    )
    return mark_safe("\n".join(conditional_escape(part) for part in parts))  # each escaped


def _header(signed_in: bool, *shape) -> list[str]:
    """The header of this shape, cut where the request's own values go: the texts are
    alternately the header's (even places) and a slot (odd places)."""
    written = format_html(
        '<header class="topbar">\n<a class="brand" href="{}">{}</a>\n'
        '<nav class="topbar-actions" aria-label="{}">\n{}\n{}\n</nav>\n</header>',
        reverse_ids("dossier:dashboard"),
        gettext("Maternity record"),
        gettext("Account and language"),
        _language_switch(),
        _signed_in(*shape) if signed_in else "",
    )
    return _SLOTS.split(written)


@receiver(setting_changed)
def _forget(**_kwargs) -> None:
    """A test that changes a setting (the languages, the URLs…) gets its header anew."""
    _KEPT.clear()


@register.simple_tag(takes_context=True)
def topbar(context) -> SafeString:
    """The header; the one a view wrote ahead (``written_ahead``), if it gave one."""
    ahead = context.get("topbar")
    return ahead if ahead is not None else _written(context)


def written_ahead(request, *, unread: int) -> SafeString:
    """The header of this request written before the page renders, as the tag would write
    it (the same context values: the signed-in user, her CSRF input, the address, the
    unread count the ``inbox`` context processor gives): a page gives it to its template as
    ``topbar`` to write it while the database still works ("My records" writes it while
    her list is sorted, issue 16)."""
    return _written(
        {
            "user": request.user,
            "request": request,
            "csrf_token": csrf(request)["csrf_token"],
            "unread_notifications": unread,
        }
    )


def _written(context) -> SafeString:
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    unread = context.get("unread_notifications") if signed_in else None
    if signed_in:
        professional = _related(user, "professional")
        given = {p for p in _PERMISSIONS if access.granted(user, p)}
        roles = (
            professional is not None,
            bool(professional is not None and professional.organisation_id),
            _related(user, "mother") is not None,
            frozenset(given),
            bool(unread),
        )
    else:
        roles = (False, False, False, frozenset(), False)
    key = (get_language(), get_script_prefix(), get_urlconf(), signed_in, *roles)
    pieces = _KEPT.get(key)
    if pieces is None:
        pieces = _header(signed_in, *roles)
        if len(_KEPT) < _KEPT_MAX:
            _KEPT[key] = pieces
    request = context.get("request")
    values = {
        _CSRF_SLOT: _CSRF.render(context),
        _PATH_SLOT: conditional_escape(request.get_full_path() if request is not None else ""),
        _UNREAD_SLOT: conditional_escape(localize(unread)) if unread else "",
        _NAME_SLOT: conditional_escape(user.get_full_name() or user.get_username())
        if signed_in
        else "",
    }
    return mark_safe(  # the header's texts were escaped when it was written, the values here
        "".join(piece if index % 2 == 0 else values[piece] for index, piece in enumerate(pieces))
    )
