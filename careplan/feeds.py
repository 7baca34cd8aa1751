"""Each professional's private iCalendar feed of the appointments they are named in, in
the current version of the plans they may read (R7). The address carries a secret token;
the professional revokes it and makes a new one on "Mijn agenda"."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from careplan.content import AppointmentKind, AppointmentStatus
from careplan.models import PlanVersion
from dossier.sections import Section
from network import access, ical, messaging
from network.models import CalendarFeed, Professional


def active_feed(professional: Professional) -> CalendarFeed | None:
    return professional.calendar_feeds.filter(revoked_at__isnull=True).first()


@transaction.atomic
def feed_renew(professional: Professional) -> CalendarFeed:
    """A new private address; the old one stops working at once."""
    feed_revoke(professional)
    return CalendarFeed.objects.create(professional=professional, token=secrets.token_urlsafe(32))


def feed_revoke(professional: Professional) -> None:
    professional.calendar_feeds.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def feed_calendar(feed: CalendarFeed) -> str:
    """The feed's events (``METHOD:PUBLISH``, in the professional's language): every
    appointment naming this professional (not cancelled, not merely proposed) in the current
    plan of each record whose care plan they may read. UIDs are those of the invitations and
    SEQUENCE and DTSTAMP are the plan version's number and time, as in the invitations, so
    a client updates what an invitation put in its calendar and the same version gives the
    same events. Each record shown is logged as a read of its care plan."""
    professional = feed.professional
    user = professional.user
    dossiers = access.with_section_flags(
        access.visible_dossiers(user), user, sections=[Section.CAREPLAN, Section.IDENTITY]
    ).filter(can_view_careplan=True)
    flags = {d.pk: d for d in dossiers.select_related("mother")}
    versions = PlanVersion.objects.filter(
        plan__dossier_id__in=list(flags), number=F("plan__current_number")
    )
    me = str(professional.public_id)
    events, shown = [], []
    with override(messaging.professional_language(professional)):
        for version in versions.select_related("plan").order_by("plan__dossier_id"):
            dossier = flags[version.plan.dossier_id]
            mine = [
                a
                for a in version.content["appointments"]
                if a["member"] == me
                and a["status"] not in (AppointmentStatus.CANCELLED, AppointmentStatus.PROPOSED)
            ]
            who = (
                dossier.mother.full_name
                if dossier.can_view_identity
                else _("a mother in your care")
            )
            for appointment in mine:
                events.append(
                    ical.event(
                        uid=f"{dossier.public_id}-{appointment['id']}",
                        summary=f"{AppointmentKind(appointment['kind']).label} – {who}",
                        due_from=appointment["due_from"],
                        due_until=appointment["due_until"],
                        time=appointment.get("time", ""),
                        sequence=version.number,
                        stamp=version.created_at,
                    )
                )
            if mine:
                shown.append((dossier, Section.CAREPLAN))
        name = _("Appointments – Moederschapsdossier")
    access.record_read_list(user, shown)
    return ical.calendar(events, method="PUBLISH", name=name)
