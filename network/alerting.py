"""Who hears of a clinical alert (R42; the rules are ``dossier.alerts``), and escalation.

* **Raised** (in the entry's transaction): everyone who may read the alert's section hears
  of it in the inbox — nobody else, and the one who recorded it excepted. An **urgent**
  alert also reaches the care coordinator by SMS and e-mail (the outbox), in her language:
  written by a task right after the commit (``tell_coordinator``; the escalation job
  catches one a lost hand-over left untold), so the save itself does not carry it.
* **Escalated** (``escalate``, Celery beat every 5 minutes) while nobody acknowledges an
  urgent alert, up the ``LADDER`` (level → whom, after how long, and why): after
  ``ESCALATE_AFTER`` the professional on call for the record now (``network.oncall``:
  the rota of the coordinator's or a midwife's organisation), after one and a half times
  that the maternity ward contact, after twice that every professional of the network who
  may read the section, logged as an error for the operators. A step with nobody to tell
  (nobody on call but the coordinator; no ward contact) hands over to the next at once.
  Each step reaches its people by SMS and e-mail (the outbox) in their language and, who
  has an account, the inbox. Each step is taken once: the level moves by a conditional
  update in the transaction that writes its messages (both or neither), and the messages'
  keys name the level, so running the job twice changes nothing.

The texts name the finding (the rule's title, of the section the reader may see) and the
mother only for a reader who may see her identity; nothing else of the record. Whoever may
not read the section (the professional on call outside the network, the ward contact) is
told only that an urgent alert waits since when, whom to call, and to log in."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossier.alerts import BY_CODE, Severity
from dossier.models import Alert
from network import access, messaging, notices, oncall, outbox
from network.messaging import Letter, Recipient
from network.models import Role
from network.services import notify, notify_section_readers

logger = logging.getLogger("moederschap.alerts")

# How long an urgent alert may wait for someone to take it on before the next people are
# called: an operational choice of the network (KCE 232 R12: a 24/7 reachable midwife),
# set per installation.
ESCALATE_AFTER = datetime.timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
# The coordinator is told by a task right after the commit; the escalation job tells her of
# an urgent alert still untold after this long (a broker outage, a worker lost).
TELL_FALLBACK = datetime.timedelta(minutes=1)


def raised(alerts: list[Alert], actor: User) -> None:
    """Alerts were just raised by one entry (one record, one section): the inbox of the
    section's readers, one line per alert, and for an urgent one the coordinator by SMS
    and e-mail."""
    first = alerts[0]
    notify_section_readers(
        first.dossier,
        first.section,
        [
            (
                gettext_noop(
                    "Alert (%(severity)s): %(title)s. Open the record's alerts to take it on."
                ),
                {"severity": Severity(alert.severity), "title": notices.alert_rule(alert.rule)},
            )
            for alert in alerts
        ],
        exclude=actor,
    )
    urgent = [alert.pk for alert in alerts if alert.severity == Severity.URGENT]
    if urgent:  # off the save's path: after the commit, by a worker (the beat if lost)
        from network.tasks import tell_coordinator as task

        transaction.on_commit(lambda: outbox.hand_over(task, urgent))


def tell_coordinator(alert_ids, now: datetime.datetime | None = None) -> int:
    """An urgent alert reaches the care coordinator by SMS and e-mail, once: ``told_at``
    is set in the transaction that writes the messages (not when she recorded it herself).
    Returns how many alerts were told."""
    now = now or timezone.now()
    told = 0
    for alert in Alert.objects.filter(
        pk__in=list(alert_ids), severity=Severity.URGENT, told_at__isnull=True
    ).select_related("dossier__mother"):
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, told_at__isnull=True).update(told_at=now):
                continue  # another run told it
            coordinator = _coordinator(alert)
            if coordinator is not None and coordinator.user_id != alert.raised_by_id:
                _tell(alert, [coordinator], level=0)
            told += 1
    return told


def _coordinator(alert: Alert):
    members = access.network_of(alert.dossier)
    if members and members[0].role == Role.COORDINATOR:
        professional = members[0].professional
        if access.can_view(professional.user, alert.dossier, alert.section):
            return professional
    return None


def _section_professionals(alert: Alert) -> list:
    readers = set(access.users_who_see(alert.dossier, alert.section).values_list("pk", flat=True))
    return [
        m.professional
        for m in access.network_of(alert.dossier)
        if m.professional.user_id in readers
    ]


@dataclass(frozen=True)
class Told:
    """One person a step of the ladder reaches: ``recipient`` for SMS and e-mail, ``user``
    for the inbox (``None``: no account), ``reads``: may read the alert's section, so is
    told its finding and whose record it is; anyone else only that an urgent alert waits,
    whom to call, and to log in."""

    recipient: Recipient
    user: User | None
    reads: bool


def _reader(professional) -> Told:
    """A professional the caller knows may read the alert's section."""
    return Told(messaging.professional_recipient(professional), professional.user, True)


def _contacts(alert: Alert, told: Told, now: datetime.datetime | None = None) -> str:
    """Whom someone who may not read the record calls: the coordinator and the professional
    on call now (each with a number), the reader excepted."""
    members = access.network_of(alert.dossier)
    people = []
    coordinator = next((m.professional for m in members if m.role == Role.COORDINATOR), None)
    if coordinator is not None:
        people.append((coordinator, oncall.own_number(coordinator)))
    on_call = oncall.on_call_now(alert.dossier, members=members, now=now)
    if (
        on_call is not None
        and on_call.shift is not None
        and (coordinator is None or on_call.professional.pk != coordinator.pk)
    ):
        people.append((on_call.professional, on_call.phone))
    return "; ".join(
        f"{professional.user.get_full_name() or professional.user.get_username()}"
        + (f" ({phone})" if phone else "")
        for professional, phone in people
        if told.user is None or professional.user_id != told.user.pk
    )


def _tell(alert: Alert, people, *, level: int, now: datetime.datetime | None = None) -> None:
    """SMS and e-mail to each of ``people`` (``Told``, or professionals who may read the
    section), in each one's language, through the outbox; the key names the step, so a
    step written twice is one message."""
    raised_at = timezone.localtime(alert.created_at).strftime("%d-%m-%Y %H:%M")

    def to_reader(recipient: Recipient) -> Letter:
        link = messaging.record_link(reverse("dossier:alerts", args=[alert.dossier.public_id]))
        title = BY_CODE[alert.rule].title
        whose = messaging.whose(recipient, alert.dossier)
        lines = [
            _("An urgent alert in the record of %(whose)s: %(title)s.")
            % {"whose": whose, "title": title}
        ]
        if level:
            lines.append(
                _(
                    "Nobody has taken it on since %(moment)s. If you can, act now and "
                    "acknowledge it in the record."
                )
                % {"moment": raised_at}
            )
        return Letter(
            subject=_("URGENT: %(title)s – %(whose)s") % {"title": title, "whose": whose},
            lines=lines,
            details=[(_("Raised at"), raised_at)],
            link=link,
            link_label=_("Open the alerts"),
            sms=_(
                "%(sender)s URGENT: %(title)s – %(whose)s (%(moment)s). Acknowledge in the record."
            )
            % {
                "sender": settings.MESSAGE_SENDER_NAME,
                "title": title,
                "whose": whose,
                "moment": raised_at,
            },
        )

    def to_outsider(contacts: str):
        def write(recipient: Recipient) -> Letter:
            # no finding, no mother: only that an urgent alert waits, and whom to call
            call = contacts or "–"
            return Letter(
                subject=_("URGENT: an alert in a record waits to be taken on"),
                lines=[
                    _(
                        "An urgent alert in a record of a care network you serve has not "
                        "been taken on since %(moment)s."
                    )
                    % {"moment": raised_at},
                    _(
                        "Call %(contacts)s. If you are a member of the mother's care "
                        "network, log in and take the alert on."
                    )
                    % {"contacts": call},
                ],
                details=[(_("Raised at"), raised_at)],
                link=messaging.record_link(reverse(settings.LOGIN_URL)),
                link_label=_("Log in"),
                sms=_(
                    "%(sender)s URGENT: an alert in a record waits since %(moment)s. Call "
                    "%(contacts)s."
                )
                % {"sender": settings.MESSAGE_SENDER_NAME, "moment": raised_at, "contacts": call},
            )

        return write

    for person in people:
        told = person if isinstance(person, Told) else _reader(person)
        write = to_reader if told.reads else to_outsider(_contacts(alert, told, now))
        messaging.send(
            told.recipient, key=f"alert:{alert.pk}:level{level}", dossier=alert.dossier, write=write
        )


def _inbox(alert: Alert, people: list[Told]) -> None:
    """The step's inbox notices: the finding to who may read it; to anyone else with an
    account (the professional on call outside the network) only whom to call."""
    readers = [told.user for told in people if told.user is not None and told.reads]
    if readers:
        notify(
            alert.dossier,
            readers,
            gettext_noop(
                "Urgent alert not taken on since %(moment)s: %(title)s. Take it on in the "
                "record's alerts."
            ),
            about_section=alert.section,
            moment=alert.created_at,
            title=notices.alert_rule(alert.rule),
        )
    others = [told.user for told in people if told.user is not None and not told.reads]
    if others:  # not linked to the record, which they may not open; no finding, no mother
        coordinator = next(
            (
                m.professional
                for m in access.network_of(alert.dossier)
                if m.role == Role.COORDINATOR
            ),
            None,
        )
        if coordinator is not None:
            notify(
                None,
                others,
                gettext_noop(
                    "URGENT: an alert in a record of a care network you serve has not been taken "
                    "on since %(moment)s. Call its care coordinator, %(coordinator)s (%(phone)s)."
                ),
                moment=alert.created_at,
                coordinator=coordinator,
                phone=oncall.own_number(coordinator) or "–",
            )


# --- the ladder -----------------------------------------------------------------------------


def _on_call(alert: Alert, now: datetime.datetime) -> list[Told]:
    """The professional on call for the record now (``network.oncall.on_call_now``), when
    it is someone other than the coordinator (who had it at once) and than who recorded
    it; the alert's text only if they may read its section."""
    on_call = oncall.on_call_now(alert.dossier, now=now)
    if on_call is None or on_call.shift is None:
        return []
    professional = on_call.professional
    coordinator = next(
        (m.professional for m in access.network_of(alert.dossier) if m.role == Role.COORDINATOR),
        None,
    )
    if (coordinator is not None and professional.pk == coordinator.pk) or (
        professional.user_id == alert.raised_by_id
    ):
        return []
    recipient = messaging.professional_recipient(professional)
    if on_call.phone != recipient.phone:  # the shift's own number
        recipient = dataclasses.replace(recipient, phone=on_call.phone)
    return [
        Told(
            recipient,
            professional.user,
            access.can_view(professional.user, alert.dossier, alert.section),
        )
    ]


def _ward(alert: Alert, now: datetime.datetime) -> list[Told]:
    """The maternity ward contact (``network.oncall.ward_contact``): a number and an
    address, no account, so never the finding."""
    ward = oncall.ward_contact(alert.dossier)
    if ward is None:
        return []
    return [
        Told(
            Recipient(
                tag=f"ward{ward.pk}",
                user=None,
                name=ward.name,
                email=ward.ward_email,
                phone=ward.ward_phone,
                language=messaging._supported(ward.language),
            ),
            None,
            False,
        )
    ]


def _everyone(alert: Alert, now: datetime.datetime) -> list[Told]:
    """Every professional of the network who may read the section, the coordinator and who
    recorded it included; the operators by an error in the log."""
    logger.error(
        "urgent alert %s (%s) in dossier %s unacknowledged since %s: escalated to "
        "every member who may see it",
        alert.pk,
        alert.rule,
        alert.dossier.public_id,
        alert.created_at.isoformat(),
    )
    return [_reader(professional) for professional in _section_professionals(alert)]


@dataclass(frozen=True)
class Step:
    """One step of the ladder: ``level`` (``Alert.escalation_level`` once taken), ``whom``
    it reaches, ``after`` how long without an acknowledgement, and ``why``."""

    level: int
    whom: str
    after: datetime.timedelta
    people: Callable[[Alert, datetime.datetime], list[Told]]
    why: str


# An urgent alert nobody acknowledged climbs this ladder, one step at a time (``escalate``).
# A step that finds nobody (no one of the rota on call but the coordinator; no ward
# contact) hands over to the next one at once, so no step waits in vain.
LADDER = (
    Step(
        1,
        "the professional on call for the record now (network.oncall), if not the "
        "coordinator nor who recorded it",
        ESCALATE_AFTER,
        _on_call,
        "KCE Report 232 (2014) R12 and AP 4.1 (R34): a midwife reachable 24/7 — for every "
        "mother it is known who answers tonight: the organisation's on-call rota.",
    ),
    Step(
        2,
        "the maternity ward contact of the hospital where she gave birth, else of the "
        "coordinator's organisation",
        ESCALATE_AFTER * 3 / 2,
        _ward,
        "KCE Report 232 R13 and R34: the escalation from the home midwife to the maternity "
        "ward's midwife is organised; half the first wait after the on-call professional.",
    ),
    Step(
        3,
        "every professional of the network who may read the section, and the "
        "operators (an ERROR in the log)",
        ESCALATE_AFTER * 2,
        _everyone,
        "The last resort, as before the rota (twice the first wait): nobody may stay "
        "untold, and the operators see that the net did not hold.",
    ),
)
BY_LEVEL = {step.level: step for step in LADDER}
LAST_LEVEL = LADDER[-1].level


def _climb(alert: Alert, level: int, now: datetime.datetime) -> None:
    """Take step ``level`` (the alert's row is locked by the caller's conditional update):
    its people's SMS, e-mail and inbox; a step with nobody hands over to the next at once."""
    while True:
        people = BY_LEVEL[level].people(alert, now)
        if people or level == LAST_LEVEL:
            break
        level += 1
        Alert.objects.filter(pk=alert.pk).update(escalation_level=level, escalated_at=now)
    _tell(alert, people, level=level, now=now)
    _inbox(alert, people)


def escalate(now: datetime.datetime | None = None) -> int:
    """Escalate every urgent alert nobody acknowledged in time, one step of ``LADDER`` at a
    time; returns how many steps were taken. Safe to run twice: a step is taken by a
    conditional update in the transaction that writes its messages (both or neither), and
    the messages' keys name the step."""
    now = now or timezone.now()
    # first what a lost hand-over left untold (the task runs right after the commit)
    tell_coordinator(
        Alert.objects.filter(
            severity=Severity.URGENT, told_at__isnull=True, created_at__lte=now - TELL_FALLBACK
        ).values_list("pk", flat=True),
        now,
    )
    escalated = 0
    for step in LADDER:
        due = Alert.objects.filter(
            severity=Severity.URGENT,
            acknowledged_at__isnull=True,
            resolved_at__isnull=True,
            escalation_level=step.level - 1,
            created_at__lte=now - step.after,
        ).select_related("dossier__mother", "dossier__delivery")
        for alert in due:
            with transaction.atomic():  # the step and its messages: both or neither
                taken = Alert.objects.filter(
                    pk=alert.pk,
                    escalation_level=step.level - 1,
                    acknowledged_at__isnull=True,
                    resolved_at__isnull=True,
                ).update(escalation_level=step.level, escalated_at=now)
                if not taken:
                    continue  # acknowledged meanwhile, or another run took this step
                _climb(alert, step.level, now)
            escalated += 1
    return escalated
