"""The network's part of the coordinator's dashboard, as a tag the dashboard template
loads, so that the template shows it wherever it is rendered. "My records" reads the rows
ahead itself (``selectors.first_open_concerns_later``) and gives them to the tag (see
``open_concerns``)."""

from django import template

from network import selectors

register = template.Library()


@register.inclusion_tag("network/includes/open_concerns.html", takes_context=True)
def open_concerns(context, limit: int = 20):
    """The worrying situations signalled and not yet answered in the records the user
    coordinates (``selectors.shown_open_concerns``). A page that read them already, before
    its rendering, gives them as ``open_concerns`` ("My records": dossier.views)."""
    rows = context.get("open_concerns")
    if rows is None:
        user = context["request"].user
        rows = selectors.shown_open_concerns(user, selectors.first_open_concerns(user, limit))
    return {"concerns": rows}
