"""Who hears of a plan's change, by e-mail (with an .ics invitation) and SMS, through the
network's outbox (R7, R16): written in the transaction of the change, sent after it.

* an appointment added, moved or cancelled: its member (the invitation or its
  cancellation), and for a home visit also the people on the discharge list — the GP
  hears of the home-visit appointments;
* a new version: by e-mail, the members the plan names (appointments, discharge list)
  who may read the plan — everyone who reads it hears of it in the inbox;
* the discharge confirmed: the people on the discharge list and the network's GPs, in the
  inbox too.

The texts name no clinical detail beyond what is planned; the record holds the rest. They
name the mother only for a reader who may see her identity."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from careplan.content import AppointmentKind, AppointmentStatus
from dossier.models import Dossier
from dossier.sections import Section
from network import access, ical, outbox
from network.models import Channel, Profession, Professional, Role
from network.services import notify

HOME_VISITS = {AppointmentKind.FIRST_HOME_VISIT, AppointmentKind.HOME_VISIT}


def _people(public_ids) -> list[Professional]:
    return list(Professional.objects.filter(public_id__in=[p for p in public_ids if p],
                                            user__is_active=True).select_related("user"))


def _whose(user: User, dossier: Dossier) -> str:
    if access.can_view(user, dossier, Section.IDENTITY):
        return dossier.mother.full_name
    return _("a mother in your care")


def _send(key: str, person: Professional, dossier: Dossier, subject: str, body: str,
          calendar: str = "") -> None:
    outbox.enqueue(key=f"{key}:email:{person.pk}", channel=Channel.EMAIL,
                   recipient=person.user, address=person.user.email, dossier=dossier,
                   subject=subject, body=body, calendar=calendar)
    outbox.enqueue(key=f"{key}:sms:{person.pk}", channel=Channel.SMS, recipient=person.user,
                   address=person.phone, dossier=dossier, body=f"{subject}. {body}"[:300])


def version_saved(dossier: Dossier, version, actor: User) -> None:
    """R16: the providers the plan names hear of every change by e-mail."""
    named = ({a["member"] for a in version.content["appointments"]}
             | set(version.content["discharge_notify"]))
    readers = set(access.users_who_see(dossier, Section.CAREPLAN).values_list("pk", flat=True))
    for person in _people(named):
        if person.user_id == actor.pk or person.user_id not in readers:
            continue
        with override("nl"):
            subject = _("Care plan changed: %(who)s") % {"who": _whose(person.user, dossier)}
            body = _("Version %(number)s of the care plan was saved by %(author)s. See the "
                     "maternity record for what changed.") % {
                "number": version.number, "author": actor.get_full_name() or actor.username}
        outbox.enqueue(key=f"plan:{version.pk}:version:email:{person.pk}",
                       channel=Channel.EMAIL, recipient=person.user,
                       address=person.user.email, dossier=dossier, subject=subject, body=body)


def appointments_changed(dossier: Dossier, version, before: dict) -> None:
    """Invitations for what this version added or changed among the appointments."""
    old = {a["id"]: a for a in before["appointments"]}
    notify_list = set(version.content["discharge_notify"])
    for appointment in version.content["appointments"]:
        if old.get(appointment["id"]) == appointment:
            continue
        if appointment["status"] in (AppointmentStatus.PROPOSED, AppointmentStatus.DONE):
            continue
        kind = AppointmentKind(appointment["kind"])
        to = {appointment["member"]} | (notify_list if kind in HOME_VISITS else set())
        cancelled = appointment["status"] == AppointmentStatus.CANCELLED
        for person in _people(to):
            with override("nl"):
                summary = f"{kind.label} – {_whose(person.user, dossier)}"
                invitation = ical.calendar([ical.event(
                    uid=f"{dossier.public_id}-{appointment['id']}", summary=summary,
                    due_from=appointment["due_from"], due_until=appointment["due_until"],
                    time=appointment.get("time", ""),
                    status="CANCELLED" if cancelled else "CONFIRMED")],
                    method="CANCEL" if cancelled else "REQUEST")
                subject = (_("Cancelled: %(what)s") if cancelled else _("Appointment: %(what)s")
                           ) % {"what": summary}
                body = _("See the care plan in the maternity record (version %(number)s) for "
                         "the details.") % {"number": version.number}
            _send(f"plan:{version.pk}:appointment:{appointment['id']}", person, dossier,
                  subject, body, invitation)


def discharge_confirmed(dossier: Dossier, discharged_at) -> None:
    """R7: the GP and the people the plan names are told of the discharge."""
    from careplan.selectors import current_plan

    _plan, version = current_plan(dossier)
    named = set(version.content["discharge_notify"]) if version else set()
    gps = {str(m.professional.public_id) for m in access.network_of(dossier)
           if m.role == Role.GP or m.professional.profession == Profession.GP}
    moment = timezone.localtime(discharged_at).strftime("%d-%m-%Y %H:%M")
    people = _people(named | gps)
    notify(dossier, [person.user for person in people], gettext_noop(
        "Discharged from the maternity ward on %(moment)s: see the care plan for the home "
        "visits."), moment=moment)
    for person in people:
        with override("nl"):
            subject = _("Discharged: %(who)s") % {"who": _whose(person.user, dossier)}
            body = _("Mother and baby left the maternity ward on %(moment)s. The care plan in "
                     "the maternity record has the home visits.") % {"moment": moment}
        _send(f"discharge:{dossier.pk}:{moment}", person, dossier, subject, body)
