"""Who hears of a clinical alert (R42; the rules are ``dossier.alerts``), and escalation.

* **Raised** (in the entry's transaction): everyone who may read the alert's section hears
  of it in the inbox — nobody else, and the one who recorded it excepted. An **urgent**
  alert also reaches the care coordinator by SMS and e-mail (the outbox), in her language:
  written by a task right after the commit (``tell_coordinator``; the escalation job
  catches one a lost hand-over left untold), so the save itself does not carry it.
* **Escalated** (``escalate``, Celery beat every 5 minutes) while nobody acknowledges an
  urgent alert: after ``ESCALATE_AFTER`` to every other professional of the network who
  may read the section but who recorded it (SMS and e-mail), after twice that again to all
  of them with the coordinator, and logged as an error for the operators. (The on-call
  rota of the network and the maternity ward's contact join this ladder with issue 18.)
  Each step is taken
  once: the level moves by a conditional update in the transaction that writes its messages
  (both or neither), and the messages' keys name the level, so running the job twice
  changes nothing.

The texts name the finding (the rule's title, of the section the reader may see) and the
mother only for a reader who may see her identity; nothing else of the record."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossier.alerts import BY_CODE, Severity
from dossier.models import Alert
from network import access, messaging, outbox
from network.messaging import Letter, Recipient
from network.models import Role
from network.services import notify_section_readers

logger = logging.getLogger("moederschap.alerts")

# How long an urgent alert may wait for someone to take it on before the next people are
# called: an operational choice of the network (KCE 232 R12: a 24/7 reachable midwife),
# set per installation.
ESCALATE_AFTER = datetime.timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
LAST_LEVEL = 2
# The coordinator is told by a task right after the commit; the escalation job tells her of
# an urgent alert still untold after this long (a broker outage, a worker lost).
TELL_FALLBACK = datetime.timedelta(minutes=1)


def raised(alerts: list[Alert], actor: User) -> None:
    """Alerts were just raised by one entry (one record, one section): the inbox of the
    section's readers, one line per alert, and for an urgent one the coordinator by SMS
    and e-mail."""
    first = alerts[0]
    notify_section_readers(first.dossier, first.section, [
        (gettext_noop("Alert (%(severity)s): %(title)s. Open the record's alerts to take it "
                      "on."), {"severity": Severity(alert.severity).label,
                               "title": BY_CODE[alert.rule].title}) for alert in alerts],
        exclude=actor)
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
    for alert in (Alert.objects.filter(pk__in=list(alert_ids), severity=Severity.URGENT,
                                       told_at__isnull=True)
                  .select_related("dossier__mother")):
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, told_at__isnull=True).update(
                    told_at=now):
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
    readers = set(access.users_who_see(alert.dossier, alert.section).values_list("pk",
                                                                                flat=True))
    return [m.professional for m in access.network_of(alert.dossier)
            if m.professional.user_id in readers]


def _tell(alert: Alert, people, *, level: int) -> None:
    link = messaging.record_link(reverse("dossier:alerts", args=[alert.dossier.public_id]))

    def write(recipient: Recipient) -> Letter:
        title = BY_CODE[alert.rule].title
        whose = messaging.whose(recipient, alert.dossier)
        raised_at = timezone.localtime(alert.created_at).strftime("%d-%m-%Y %H:%M")
        lines = [_("An urgent alert in the record of %(whose)s: %(title)s.") % {
            "whose": whose, "title": title}]
        if level:
            lines.append(_("Nobody has taken it on since %(moment)s. If you can, act now and "
                           "acknowledge it in the record.") % {"moment": raised_at})
        return Letter(
            subject=_("URGENT: %(title)s – %(whose)s") % {"title": title, "whose": whose},
            lines=lines, details=[(_("Raised at"), raised_at)], link=link,
            link_label=_("Open the alerts"),
            sms=_("%(sender)s URGENT: %(title)s – %(whose)s (%(moment)s). Acknowledge in the "
                  "record.") % {"sender": settings.MESSAGE_SENDER_NAME, "title": title,
                                "whose": whose, "moment": raised_at})

    for professional in people:
        messaging.send(messaging.professional_recipient(professional),
                       key=f"alert:{alert.pk}:level{level}", dossier=alert.dossier, write=write)


def _next_people(alert: Alert, level: int) -> list:
    """Level 1: the section's other professionals — not the coordinator, who had it at
    once, nor who recorded it; level 2: all of them, logged for the operators too."""
    people = _section_professionals(alert)
    if level == 1:
        coordinator = _coordinator(alert)
        return [p for p in people if p.user_id != alert.raised_by_id
                and (coordinator is None or p.pk != coordinator.pk)]
    logger.error("urgent alert %s (%s) in dossier %s unacknowledged for %s: escalated to "
                 "every member who may see it", alert.pk, alert.rule,
                 alert.dossier.public_id, ESCALATE_AFTER * level)
    return people


def escalate(now: datetime.datetime | None = None) -> int:
    """Escalate every urgent alert nobody acknowledged in time, one level at a time; returns
    how many were escalated. Safe to run twice (see the module)."""
    now = now or timezone.now()
    # first what a lost hand-over left untold (the task runs right after the commit)
    tell_coordinator(Alert.objects.filter(
        severity=Severity.URGENT, told_at__isnull=True,
        created_at__lte=now - TELL_FALLBACK).values_list("pk", flat=True), now)
    escalated = 0
    for level in range(1, LAST_LEVEL + 1):
        due = (Alert.objects.filter(severity=Severity.URGENT, acknowledged_at__isnull=True,
                                    resolved_at__isnull=True, escalation_level=level - 1,
                                    created_at__lte=now - ESCALATE_AFTER * level)
               .select_related("dossier__mother"))
        for alert in due:
            with transaction.atomic():  # the level and its messages: both or neither
                taken = Alert.objects.filter(pk=alert.pk, escalation_level=level - 1,
                                             acknowledged_at__isnull=True).update(
                    escalation_level=level, escalated_at=now)
                if not taken:
                    continue  # acknowledged meanwhile, or another run took this step
                _tell(alert, _next_people(alert, level), level=level)
            escalated += 1
    return escalated
