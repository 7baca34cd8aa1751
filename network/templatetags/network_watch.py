"""The network's part of the coordinator's dashboard, as a tag the dashboard template
loads: the page itself (``dossier.views``) does not import the network app (DESIGN.md §1)."""

from django import template

from dossier.sections import Section
from network import access, names, selectors

register = template.Library()


@register.inclusion_tag("network/includes/open_concerns.html", takes_context=True)
def open_concerns(context, limit: int = 20):
    """The worrying situations signalled and not yet answered in the records the user
    coordinates. The row names the mother (one identity read per record shown), not the
    situation itself: that is read on the concerns page."""
    user = context["request"].user
    rows = selectors.first_open_concerns(user, limit)
    named = names.identity_readable(user, {row.dossier_id for row in rows})
    for row in rows:
        row.who = names.shown_name(
            row.dossier.mother,
            reader=user,
            dossier=row.dossier,
            may_see_identity=row.dossier_id in named,
        )
    access.record_read_list(
        user, {(row.dossier, Section.IDENTITY) for row in rows if row.dossier_id in named}
    )
    return {"concerns": rows}
