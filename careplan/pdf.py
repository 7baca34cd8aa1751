"""The care plan as a printable A4 document (WeasyPrint), in the reader's active language.

It shows what the plan page shows (``careplan.selectors.plan_page``) and the network's
contacts; the mother's name, due date and birth date only when the reader may see her
identity (and the due date the prenatal, the birth date the delivery section). The app runs
on a closed network: the document is self-contained and WeasyPrint fetches nothing.

``render_plan`` also says which sections beyond the care plan the document shows, so the
view can log their download; ``plan_pdf`` is the document alone."""

from __future__ import annotations

from typing import NamedTuple

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from careplan import content as plan_content
from careplan.selectors import plan_page
from dossier.models import Dossier
from dossier.sections import Section
from network import access
from network.models import Level
from network.names import shown_name


class NoPlanYet(Http404):
    """The record has no saved version of the plan: there is nothing to print."""


class PlanDocument(NamedTuple):
    pdf: bytes
    number: int  # the version printed
    shown: list[str]  # the sections beyond the care plan the document shows


def _css_string(text: str) -> str:
    """A CSS string literal (for ``content:``), safe inside a <style> element."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return f'"{escaped}"'


def _page_counter() -> str:
    """ "page X of Y" with CSS counters, in the active language."""
    marker = "\x00"
    text = _("page %(page)s of %(pages)s") % {
        "page": f"{marker}page{marker}",
        "pages": f"{marker}pages{marker}",
    }
    pieces = text.split(marker)  # text, "page", text, "pages", text
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(f"counter({piece})")
        elif piece:
            out.append(_css_string(piece))
    return " ".join(out)


def _appointment_row(appointment: dict, names: dict[str, str]) -> dict:
    member = appointment["member"]
    return {
        "kind": str(plan_content.AppointmentKind(appointment["kind"]).label),
        "window": plan_content.window_text(appointment),
        "status": str(plan_content.AppointmentStatus(appointment["status"]).label),
        "member": (names.get(member, _("a former member")) if member else "—"),
        "note": appointment["note"],
    }


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"the care-plan PDF loads no external resource ({url[:40]})")


def render_plan(user, dossier: Dossier) -> PlanDocument:
    """The PDF, its version number and the sections other than the care plan it shows
    (for the access log)."""
    levels = access.section_levels(user, dossier)
    if levels[Section.CAREPLAN] < Level.VIEW:
        access.require_view(user, dossier, Section.CAREPLAN)  # raises, logged by the caller
    page = plan_page(dossier)
    version = page["version"]
    if version is None:
        raise NoPlanYet(_("This record has no care plan yet: there is nothing to print."))
    shown = []
    mother = due_date = born_on = None
    if levels[Section.IDENTITY] >= Level.VIEW:
        shown.append(Section.IDENTITY)
        mother = dossier.mother.full_name
        if levels[Section.PRENATAL] >= Level.VIEW and dossier.expected_due_date:
            shown.append(Section.PRENATAL)
            due_date = dossier.expected_due_date
        delivery = getattr(dossier, "delivery", None)
        if levels[Section.DELIVERY] >= Level.VIEW and delivery is not None:
            shown.append(Section.DELIVERY)
            born_on = timezone.localtime(delivery.born_at).date()
    groups = {group["key"]: group for group in page["groups"]}
    names = page["names"]
    author = shown_name(version.author, reader=user, dossier=dossier, levels=levels)
    html = render_to_string(
        "careplan/pdf.html",
        {
            "dossier": dossier,
            "reference": str(dossier),
            "mother": mother,
            "due_date": due_date,
            "born_on": born_on,
            "version": version,
            "author": author,
            "printed_at": timezone.now(),
            "groups": groups,
            "appointments": [
                _appointment_row(part["appointment"], names)
                for part in groups["appointments"]["parts"]
            ],
            "checklist": [
                {
                    **part,
                    "done": bool(page["content"]["checklist"].get(part["path"].partition(".")[2])),
                }
                for part in groups["checklist"]["parts"]
            ],
            "contacts": [
                {
                    "name": shown_name(m, reader=user, dossier=dossier),
                    "role": m.get_role_display(),
                    "phone": m.professional.phone or "—",
                    "organisation": str(m.professional.organisation or ""),
                }
                for m in access.network_of(dossier)
            ],
            "css_reference": mark_safe(_css_string(dossier)),  # escaped by _css_string
            "css_title": mark_safe(_css_string(_("Maternity record"))),  # escaped by _css_string
            "css_subtitle": mark_safe(
                _css_string(  # escaped
                    _("Care plan, version %(number)s") % {"number": version.number}
                )
            ),
            "css_pages": mark_safe(_page_counter()),  # escaped by _css_string
        },
    )
    import weasyprint  # imported here: loading it costs ~0.3 s, only the PDF needs it

    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetch_nothing)
    return PlanDocument(document.write_pdf(), version.number, shown)


def plan_pdf(user, dossier: Dossier) -> bytes:
    """The current version of the plan as an A4 PDF, for a reader of the care plan."""
    return render_plan(user, dossier).pdf
