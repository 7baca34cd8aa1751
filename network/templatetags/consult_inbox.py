"""The open consult requests addressed to the reader's maternity ward, above her notices
(``network:inbox``), as a tag the inbox template loads (``dossier.consults.open_for_ward``).

A request in a record she may open and whose section she may read names the mother (as far
as she may see her identity: one identity read per record shown) and leads to its answer
page; any other names only who asks, her number, how urgent and until when — nothing of the
record — so she can call back (the same as the ward contact's e-mail says)."""

from django import template

from dossier import consults
from dossier.sections import Section
from network import access, names
from network.oncall import own_number

register = template.Library()


@register.inclusion_tag("network/includes/open_consults.html", takes_context=True)
def open_consults(context):
    user = context["request"].user
    readable, elsewhere = consults.open_for_ward(user)
    for consult in readable:
        consult.who = names.shown_name(
            consult.dossier.mother,
            reader=user,
            dossier=consult.dossier,
            may_see_identity=consult.sees_identity,
        )
    for consult in elsewhere:
        professional = getattr(consult.asked_by, "professional", None)
        consult.asker_phone = own_number(professional) if professional is not None else ""
    access.record_read_list(
        user,
        sorted(
            {
                (consult.dossier, section)
                for consult in readable
                for section in (
                    (consult.section, Section.IDENTITY)
                    if consult.sees_identity
                    else (consult.section,)
                )
            },
            key=lambda read: (read[0].pk, read[1]),
        ),
    )
    return {"readable": readable, "elsewhere": elsewhere, "request": context["request"]}
