"""``{% shown_name person %}``: a person as the signed-in reader may see them on this page
(``network.names``). The dossier is the page's ``dossier`` unless ``dossier=`` names
another; the reader's identity level is asked once per dossier and request.

    {% load shown_names %}
    {% shown_name comment.author %}
    {% shown_name version.author as who %}
    {% blocktranslate %}Saved by {{ who }}{% endblocktranslate %}
"""

from django import template

from dossier.sections import Section
from network import names

register = template.Library()


def _levels(context, reader, dossier):
    """The reader's section levels of ``dossier``: the page's own ``levels`` when they are
    this dossier's, else asked once and kept on the request."""
    if dossier is None:
        return None
    page_levels = context.get("levels")
    if (
        isinstance(page_levels, dict)
        and Section.IDENTITY in page_levels
        and context.get("dossier") is dossier
    ):
        return page_levels
    request = context.get("request")
    cache = getattr(request, "_shown_name_levels", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._shown_name_levels = cache
    if dossier.pk not in cache:
        from network import access

        cache[dossier.pk] = access.section_levels(reader, dossier)
    return cache[dossier.pk]


@register.simple_tag(takes_context=True)
def shown_name(context, person, dossier=None):
    """The person's name, or "the mother" for a reader without her identity."""
    dossier = dossier if dossier is not None else context.get("dossier")
    request = context.get("request")
    reader = getattr(request, "user", None) if request is not None else context.get("user")
    if person is None:
        return ""
    if not names.is_the_mother(person, dossier):
        return names.shown_name(person, reader=reader, dossier=dossier)
    # a list row annotated for this reader (access.with_section_flags) spares the query
    flagged = getattr(dossier, "can_view_identity", None)
    if flagged is not None:
        return names.shown_name(
            person, reader=reader, dossier=dossier, may_see_identity=bool(flagged)
        )
    return names.shown_name(
        person, reader=reader, dossier=dossier, levels=_levels(context, reader, dossier)
    )


@register.simple_tag(takes_context=True)
def sees_identity(context, dossier=None) -> bool:
    """Whether the signed-in reader may see the mother's identity in ``dossier`` (the
    page's by default): for what names her other than by name (her login, her address)."""
    dossier = dossier if dossier is not None else context.get("dossier")
    request = context.get("request")
    reader = getattr(request, "user", None) if request is not None else None
    if dossier is None or reader is None:
        return False
    levels = _levels(context, reader, dossier)
    return names.identity_level(reader, dossier, levels) >= names.Level.VIEW


@register.simple_tag(takes_context=True)
def rendered_notices(context, notifications):
    """A page of notifications, each with its ``shown`` text for the signed-in reader,
    rendered now in the active language (``network.notices``): a fixed number of queries
    for the whole page."""
    from network import notices

    request = context.get("request")
    return notices.render(notifications, getattr(request, "user", None))
