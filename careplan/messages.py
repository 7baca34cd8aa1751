"""Who hears of a plan's change, by e-mail (with an invitation) and SMS, through the
network's outbox (R7, R16): written in the transaction of the change, sent after it, each
in its reader's language (``network.messaging``).

* an appointment planned, moved or cancelled — also by deleting it or handing it to
  someone else: its member, for a home visit also the people on the discharge list (the
  GP hears of the home-visit appointments), and the mother herself. Each gets an iTIP
  invitation (RFC 5546): ``REQUEST`` with the same UID and a SEQUENCE that grows with the
  plan's version, ``CANCEL`` when it no longer happens for them;
* the day before an appointment: a reminder to the mother (``remind_tomorrow``);
* a new version: by e-mail, the members the plan names (appointments, discharge list)
  who may read the plan — everyone who reads it hears of it in the inbox;
* the discharge confirmed: the people on the discharge list and the network's GPs, in the
  inbox too.

The texts name no clinical detail beyond the kind of care; the record holds the rest. They
name the mother only for a reader who may see her identity."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from careplan.content import AppointmentKind, AppointmentStatus
from dossier.models import Dossier, DossierStatus
from dossier.sections import Section
from network import access, ical, messaging
from network.messaging import Letter, Recipient
from network.models import Channel, Profession, Professional, Role
from network.services import notify

HOME_VISITS = {AppointmentKind.FIRST_HOME_VISIT, AppointmentKind.HOME_VISIT}
AT_HOME = HOME_VISITS | {AppointmentKind.HOME_HELP_START, AppointmentKind.PRENATAL_HOME_VISIT}
# Reminders go out from this hour on, the day before (no SMS at night), and not after 21 h.
REMINDER_HOURS = range(9, 21)


def _people(public_ids) -> dict[str, Professional]:
    found = Professional.objects.filter(
        public_id__in=[p for p in public_ids if p], user__is_active=True
    ).select_related("user", "organisation")
    return {str(person.public_id): person for person in found}


def _plan_link(dossier: Dossier) -> str:
    return messaging.record_link(reverse("careplan:plan", args=[dossier.public_id]))


def _coordinator(dossier: Dossier) -> Professional | None:
    members = access.network_of(dossier)
    return members[0].professional if members and members[0].role == Role.COORDINATOR else None


def _when(appointment: dict) -> str:
    start = datetime.date.fromisoformat(appointment["due_from"])
    until = datetime.date.fromisoformat(appointment["due_until"])
    day = formats.date_format(start, "D d-m-Y")
    if appointment.get("time"):
        return _("%(day)s at %(time)s") % {"day": day, "time": appointment["time"]}
    if until == start:
        return day
    return _("between %(start)s and %(until)s") % {
        "start": day,
        "until": formats.date_format(until, "D d-m-Y"),
    }


def _where(
    appointment: dict, member: Professional | None, recipient: Recipient, dossier: Dossier
) -> str:
    if AppointmentKind(appointment["kind"]) in AT_HOME:
        if recipient.is_mother:
            return _("At your home")
        mother = dossier.mother
        if access.can_view(recipient.user, dossier, Section.IDENTITY) and mother.municipality:
            return _("At the family's home: %(address)s") % {
                "address": ", ".join(
                    part
                    for part in (mother.street_address, f"{mother.postcode} {mother.municipality}")
                    if part
                )
            }
        return _("At the family's home")
    organisation = member.organisation if member else None
    if organisation:
        return ", ".join(part for part in (organisation.name, organisation.municipality) if part)
    return ""


def _name(person: Professional | None) -> str:
    return (person.user.get_full_name() or person.user.get_username()) if person else ""


def _invited(appointment: dict | None, notify_list: set[str]) -> set[str]:
    """Who holds an invitation for this appointment (public ids): its member, and for a
    home visit the discharge list; nobody while it is only proposed, done or cancelled."""
    if appointment is None or appointment["status"] != AppointmentStatus.PLANNED:
        return set()
    kind = AppointmentKind(appointment["kind"])
    return {appointment["member"]} | (notify_list if kind in HOME_VISITS else set())


class _Invitation:
    """One appointment's news for one reader: planned, changed or cancelled."""

    def __init__(self, dossier, version, appointment, *, change: str, people, organizer):
        self.dossier, self.version, self.appointment = dossier, version, appointment
        self.change, self.people, self.organizer = change, people, organizer

    def __call__(self, recipient: Recipient) -> Letter:
        appointment, dossier = self.appointment, self.dossier
        kind = AppointmentKind(appointment["kind"]).label
        member = self.people.get(appointment["member"])
        cancelled = self.change == "cancelled"
        whose = messaging.whose(recipient, dossier)
        heading = {
            "planned": _("Appointment: %(what)s"),
            "changed": _("Changed: %(what)s"),
            "cancelled": _("Cancelled: %(what)s"),
        }[self.change]
        what = kind if recipient.is_mother else f"{kind} – {whose}"
        line = {
            "planned": _("An appointment was planned in %(whose)s."),
            "changed": _(
                "An appointment in %(whose)s was changed; this replaces the earlier invitation."
            ),
            "cancelled": _("This appointment in %(whose)s no longer takes place."),
        }[self.change] % {"whose": whose}
        when, where = _when(appointment), _where(appointment, member, recipient, dossier)
        details = [(_("What"), str(kind)), (_("When"), when)]
        if where:
            details.append((_("Where"), where))
        if member:
            details.append((_("With"), _name(member)))
        organizer = self.organizer
        invitation = ical.calendar(
            [
                ical.event(
                    uid=f"{dossier.public_id}-{appointment['id']}",
                    summary=what,
                    due_from=appointment["due_from"],
                    due_until=appointment["due_until"],
                    time=appointment.get("time", ""),
                    location=where,
                    description=_plan_link(dossier),
                    status="CANCELLED" if cancelled else "CONFIRMED",
                    sequence=self.version.number,
                    stamp=self.version.created_at,
                    organizer=(
                        f"{_name(organizer) or settings.MESSAGE_SENDER_NAME} via "
                        f"{settings.MESSAGE_SENDER_NAME}"
                        if organizer
                        else settings.MESSAGE_SENDER_NAME,
                        settings.DEFAULT_FROM_EMAIL,
                    ),
                    attendees=[(recipient.name, recipient.email or settings.DEFAULT_FROM_EMAIL)],
                )
            ],
            method="CANCEL" if cancelled else "REQUEST",
        )
        sms_change = {
            "planned": _("planned"),
            "changed": _("changed"),
            "cancelled": _("cancelled"),
        }[self.change]
        sms = f"{settings.MESSAGE_SENDER_NAME}: {kind}, {when} – {sms_change}"
        if member and not cancelled:
            sms += f" ({_name(member)})"
        return Letter(
            subject=heading % {"what": what},
            lines=[line],
            details=details,
            link=_plan_link(dossier),
            link_label=_("Open the care plan"),
            sms=sms,
            calendar=invitation,
            method="CANCEL" if cancelled else "REQUEST",
        )


def appointments_changed(dossier: Dossier, version, before: dict) -> None:
    """Invitations for what this version planned, changed, cancelled or removed among the
    appointments, to the members concerned and to the mother."""
    old = {a["id"]: a for a in before["appointments"]}
    new = {a["id"]: a for a in version.content["appointments"]}
    notify_old, notify_new = (
        set(before["discharge_notify"]),
        set(version.content["discharge_notify"]),
    )
    mother = messaging.mother_recipient(dossier.mother)
    organizer = _coordinator(dossier)
    people = None
    for appointment_id in sorted(old.keys() | new.keys()):
        was, now = old.get(appointment_id), new.get(appointment_id)
        if was == now or (now and now["status"] == AppointmentStatus.DONE):
            continue
        before_ids, after_ids = _invited(was, notify_old), _invited(now, notify_new)
        if not before_ids and not after_ids:
            continue
        if people is None:
            people = _people(
                {a["member"] for a in (*old.values(), *new.values())} | notify_old | notify_new
            )
        key = f"plan:{version.pk}:appointment:{appointment_id}"
        news = [
            (person_id, now, "changed" if person_id in before_ids else "planned")
            for person_id in sorted(after_ids)
        ]
        news += [(person_id, was, "cancelled") for person_id in sorted(before_ids - after_ids)]
        for person_id, appointment, change in news:
            if person_id in people:
                messaging.send(
                    messaging.professional_recipient(people[person_id]),
                    key=key,
                    dossier=dossier,
                    sender=version.author,
                    write=_Invitation(
                        dossier,
                        version,
                        appointment,
                        change=change,
                        people=people,
                        organizer=organizer,
                    ),
                )
        mine = (now, "changed" if before_ids else "planned") if after_ids else (was, "cancelled")
        messaging.send(
            mother,
            key=key,
            dossier=dossier,
            sender=version.author,
            write=_Invitation(
                dossier, version, mine[0], change=mine[1], people=people, organizer=organizer
            ),
        )


def version_saved(dossier: Dossier, version, actor: User) -> None:
    """R16: the providers the plan names hear of every change by e-mail."""
    named = {a["member"] for a in version.content["appointments"]} | set(
        version.content["discharge_notify"]
    )
    readers = set(access.users_who_see(dossier, Section.CAREPLAN).values_list("pk", flat=True))

    def write(recipient: Recipient) -> Letter:
        author = (
            _("the mother") if version.by_mother else actor.get_full_name() or actor.get_username()
        )
        return Letter(
            subject=_("Care plan changed: %(who)s") % {"who": messaging.whose(recipient, dossier)},
            lines=[
                _(
                    "Version %(number)s of the care plan was saved by %(author)s. See the "
                    "maternity record for what changed."
                )
                % {"number": version.number, "author": author}
            ],
            link=_plan_link(dossier),
            link_label=_("Open the care plan"),
        )

    for person in _people(named).values():
        if person.user_id == actor.pk or person.user_id not in readers:
            continue
        messaging.send(
            messaging.professional_recipient(person),
            key=f"plan:{version.pk}:version",
            dossier=dossier,
            write=write,
            sender=actor,
            channels=(Channel.EMAIL,),
        )


def discharge_confirmed(dossier: Dossier, discharged_at) -> None:
    """R7: the GP and the people the plan names are told of the discharge."""
    from careplan.selectors import current_plan

    _plan, version = current_plan(dossier)
    named = set(version.content["discharge_notify"]) if version else set()
    gps = {
        str(m.professional.public_id)
        for m in access.network_of(dossier)
        if m.role == Role.GP or m.professional.profession == Profession.GP
    }
    local = timezone.localtime(discharged_at)
    moment = local.strftime("%d-%m-%Y %H:%M")
    people = list(_people(named | gps).values())
    notify(
        dossier,
        [person.user for person in people],
        gettext_noop(
            "Discharged from the maternity ward on %(moment)s: see the care plan for the home "
            "visits."
        ),
        about_section=Section.CAREPLAN,
        moment=discharged_at,
    )

    def write(recipient: Recipient) -> Letter:
        return Letter(
            subject=_("Discharged: %(who)s") % {"who": messaging.whose(recipient, dossier)},
            lines=[
                _(
                    "Mother and baby left the maternity ward on %(moment)s. The care plan "
                    "in the maternity record has the home visits."
                )
                % {"moment": moment}
            ],
            link=_plan_link(dossier),
            link_label=_("Open the care plan"),
            sms=_("%(sender)s: discharged from the maternity ward on %(moment)s – %(who)s")
            % {
                "sender": settings.MESSAGE_SENDER_NAME,
                "moment": moment,
                "who": messaging.whose(recipient, dossier),
            },
        )

    for person in people:
        messaging.send(
            messaging.professional_recipient(person),
            key=f"discharge:{dossier.pk}:{moment}",
            dossier=dossier,
            write=write,
        )


def remind_tomorrow(now: datetime.datetime | None = None) -> int:
    """The day before each planned appointment, the mother is reminded (e-mail and SMS, as
    she allows), once per appointment and day: running this again sends nothing twice.
    Only from 9 to 21 h. Returns how many appointments were reminded of."""
    from careplan.models import PlanVersion

    now = timezone.localtime(now or timezone.now())
    if now.hour not in REMINDER_HOURS:
        return 0
    tomorrow = (now.date() + datetime.timedelta(days=1)).isoformat()
    versions = (
        PlanVersion.objects.filter(
            number=F("plan__current_number"),
            content__appointments__contains=[
                {"due_from": tomorrow, "status": AppointmentStatus.PLANNED}
            ],
        )
        .exclude(plan__dossier__status=DossierStatus.CLOSED)
        .select_related("plan__dossier__mother")
    )
    count = 0
    for version in versions.iterator(chunk_size=500):
        dossier = version.plan.dossier
        due = [
            a
            for a in version.content["appointments"]
            if a["due_from"] == tomorrow and a["status"] == AppointmentStatus.PLANNED
        ]
        people = _people({a["member"] for a in due})
        for appointment in due:
            member = people.get(appointment["member"])

            def write(recipient, appointment=appointment, member=member, dossier=dossier) -> Letter:
                kind = AppointmentKind(appointment["kind"]).label
                when = _when(appointment)
                details = [(_("What"), str(kind)), (_("When"), when)]
                if where := _where(appointment, member, recipient, dossier):
                    details.append((_("Where"), where))
                if member:
                    details.append((_("With"), _name(member)))
                sms = _("%(sender)s: reminder – %(what)s %(when)s") % {
                    "sender": settings.MESSAGE_SENDER_NAME,
                    "what": kind,
                    "when": when,
                }
                if member:
                    sms += f" ({_name(member)})"
                return Letter(
                    subject=_("Reminder: %(what)s tomorrow") % {"what": kind},
                    lines=[_("A reminder of your appointment tomorrow.")],
                    details=details,
                    link=_plan_link(dossier),
                    link_label=_("Open the care plan"),
                    sms=sms,
                )

            messaging.send(
                messaging.mother_recipient(dossier.mother),
                dossier=dossier,
                key=f"reminder:{dossier.pk}:{appointment['id']}:{tomorrow}:"
                f"{appointment.get('time', '')}",
                write=write,
            )
            count += 1
    return count
