"""The badges of a baby's missing screenings, as the screenings panels show them (on "Mijn
dossiers" and on the watch list): "Hielprik: te laat". One tag for both panels, written out
in Python: three template nodes per screening cost the watch list (80 of them) about 3 ms."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def screening_badges(states) -> str:
    """``<span class="badge status-overdue">Heel prick: overdue</span> `` per state."""
    return format_html_join(
        "",
        '<span class="badge status-{}">{}: {}</span> ',
        ((state.status, state.kind.label, str(state.status.label).lower()) for state in states),
    )
