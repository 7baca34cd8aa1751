"""The writes of a consult with the maternity ward (``dossier.consults`` has the rules):
asking, answering once, adding a note to an answer, withdrawing — each in one transaction
under the record's lock, with its history (``dossier.history.attribute``), its access-log
event and its messages.

Who is told, and how:

* **asked** — the ward's professionals who may answer it (``consults.answerers``) in the
  inbox and by e-mail and SMS; when there is none, the ward contact of the organisation
  (``ward_email``/``ward_phone``) by e-mail and SMS, and the request remembers it
  (``ward_messaged_at``);
* **answered**, or a note added — whoever asked, in the inbox and by e-mail and SMS;
* **withdrawn** — the ward's professionals who may answer it, in the inbox; the ward
  contact by e-mail and SMS if it was told of the question.

The inbox notices are stored as references and rendered when read (``network.notices``),
under the reader's rights and in her language of that moment. E-mail and SMS go through
the outbox in each reader's language and never carry the question, the answer, a baby's
name or anything else of the record: who asks, how urgent, until when, whom to call back,
and a link into the app that needs signing in (the mother by name only in an e-mail to a
reader of her identity, as every message of the record)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossier import consults
from dossier.history import attribute
from dossier.models import (
    ConsultNote,
    ConsultRequest,
    ConsultStatus,
    ConsultUrgency,
    Dossier,
    Newborn,
    lock_dossier,
)
from dossier.models.consult import ANSWER_MAX, QUESTION_MAX, REASON_MAX
from network import access, audit, messaging, notices
from network.messaging import Letter, Recipient
from network.models import Action, Organisation, Professional

Write = Callable[[Recipient], Letter]


def _moment(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _text(value: str | None, field: str, required: str, maximum: int) -> str:
    """A bounded free text, stripped; an error naming ``field`` when empty or too long."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(required, code="required")})
    if len(text) > maximum:
        raise ValidationError(
            {
                field: ValidationError(
                    _("At most %(max)s characters (now %(length)s).")
                    % {"max": maximum, "length": len(text)},
                    code="max_length",
                )
            }
        )
    return text


def _locked(consult: ConsultRequest) -> tuple[Dossier, ConsultRequest]:
    """The record and the request, locked in that order (every writer of a record takes its
    turn; two ward midwives answering at once: the second finds it answered)."""
    dossier = lock_dossier(consult.dossier_id)
    locked = (
        ConsultRequest.objects.select_for_update(of=("self",))
        .select_related("ward", "asked_by", "newborn")
        .get(pk=consult.pk)
    )
    locked.dossier = dossier
    return dossier, locked


# --- asking ---------------------------------------------------------------------------------


@transaction.atomic
def consult_ask(
    *,
    actor: User,
    dossier: Dossier,
    question: str,
    urgency: str,
    newborn: Newborn | None = None,
) -> ConsultRequest:
    """A professional of the network asks the maternity ward a question about the mother
    (``newborn=None``) or one baby; the ward's professionals who may answer it are told,
    else its ward contact."""
    dossier = lock_dossier(dossier.pk)
    section = consults.section_about(newborn)
    consults.require_ask(actor, dossier, section)
    errors: dict[str, ValidationError] = {}
    if newborn is not None and newborn.dossier_id != dossier.pk:
        errors["newborn"] = ValidationError(
            _("About whom: choose the mother or one of her babies."), code="other_record"
        )
    if urgency not in ConsultUrgency.values:
        errors["urgency"] = ValidationError(
            _("How urgent: choose within the hour or today."), code="urgency"
        )
    try:
        question = _text(
            question,
            "question",
            _("Write your question to the maternity ward's midwife."),
            QUESTION_MAX,
        )
    except ValidationError as error:
        errors.update(error.error_dict)  # type: ignore[arg-type]
    if errors:
        raise ValidationError(errors)
    if getattr(dossier, "delivery", None) is None:
        raise ValidationError(
            _(
                "There is no birth recorded yet: a consult with the maternity ward is about "
                "the care after the birth."
            ),
            code="no_birth",
        )
    members = access.network_of(dossier)
    ward = consults.ward_for(dossier, members=members)
    if ward is None:
        raise ValidationError(
            _(
                "No maternity ward with a contact is known for this record: record the ward "
                "where she gave birth in the delivery, or ask the ward to enter its contact on "
                "its on-call page."
            ),
            code="no_ward",
        )
    attribute(actor)
    now = timezone.now()
    consult = ConsultRequest(
        dossier=dossier,
        newborn=newborn,
        section=section,
        asked_by=actor,
        ward=ward,
        urgency=urgency,
        question=question,
        due_at=consults.due_at(urgency, now),
    )
    consult.full_clean()
    consult.save()
    audit.record_write(actor, dossier, section, Action.CREATE)
    _tell_the_ward(consult, actor, now)
    return consult


def _reach_the_ward(
    consult: ConsultRequest,
    *,
    key: str,
    notice: str,
    member: Write,
    contact: Write,
    **params: object,
) -> bool:
    """The ward's professionals who may answer (``consults.answerers``): ``notice`` in the
    inbox (with ``params``) and ``member`` by e-mail and SMS; with none, its ward contact
    ``contact`` by e-mail and SMS. Returns whether it was the contact."""
    dossier = consult.dossier
    people = consults.answerers(consult)
    if people:
        from network.services import notify

        notify(
            dossier,
            [professional.user for professional in people],
            notice,
            about_section=consult.section,
            **params,
        )
        for professional in people:
            messaging.send(
                messaging.professional_recipient(professional),
                key=f"consult:{consult.public_id}:{key}",
                dossier=dossier,
                write=member,
            )
        return False
    messaging.send(
        _ward_recipient(consult.ward),
        key=f"consult:{consult.public_id}:{key}",
        dossier=dossier,
        write=contact,
    )
    return True


def _tell_the_ward(consult: ConsultRequest, actor: User, now: datetime.datetime) -> None:
    if _reach_the_ward(
        consult,
        key="asked",
        notice=gettext_noop(
            "%(asker)s asks the maternity ward a question (%(urgency)s) in the record of "
            "%(mother)s. Open it to answer."
        ),
        member=_asked_member(consult),
        contact=_asked_ward(consult),
        asker=actor,
        urgency=notices.choice(ConsultUrgency(consult.urgency), lower=True),
        mother=consult.dossier.mother,
    ):
        consult.ward_messaged_at = now
        consult.save(update_fields=["ward_messaged_at", "updated_at"])


def _ward_recipient(ward: Organisation) -> Recipient:
    """The ward contact: a phone and an address, no account — so never the record."""
    return Recipient(
        tag=f"ward{ward.pk}",
        user=None,
        name=ward.name,
        email=ward.ward_email,
        phone=ward.ward_phone,
        language=messaging._supported(ward.language),
    )


def _asker(consult: ConsultRequest) -> tuple[str, str]:
    """Who asks and the number to call her back on."""
    from network.oncall import own_number

    user = consult.asked_by
    professional = getattr(user, "professional", None)
    return _name(user), own_number(professional) if professional is not None else ""


def _asked_member(consult: ConsultRequest) -> Write:
    def write(recipient: Recipient) -> Letter:
        urgency = str(ConsultUrgency(consult.urgency).label).lower()
        asker, phone = _asker(consult)
        due = _moment(consult.due_at)
        return Letter(
            subject=_("Consult request for the maternity ward (%(urgency)s)")
            % {"urgency": urgency},
            lines=[
                _(
                    "%(asker)s asks the maternity ward a question about %(whose)s: "
                    "%(urgency)s, an answer is expected by %(due)s."
                )
                % {
                    "asker": asker,
                    "whose": messaging.whose(recipient, consult.dossier),
                    "urgency": urgency,
                    "due": due,
                },
                _("Open the record to read the question and answer it there."),
            ],
            details=[(_("Asked by"), f"{asker} ({phone})" if phone else asker)],
            link=messaging.record_link(
                reverse(
                    "dossier:consult_answer", args=[consult.dossier.public_id, consult.public_id]
                )
            ),
            link_label=_("Read and answer"),
            sms=_(
                "%(sender)s: consult request from %(asker)s for the maternity ward "
                "(%(urgency)s, answer by %(due)s). Log in to read and answer it."
            )
            % {
                "sender": settings.MESSAGE_SENDER_NAME,
                "asker": asker,
                "urgency": urgency,
                "due": due,
            },
        )

    return write


def _asked_ward(consult: ConsultRequest) -> Write:
    def write(recipient: Recipient) -> Letter:
        urgency = str(ConsultUrgency(consult.urgency).label).lower()
        asker, phone = _asker(consult)
        who = f"{asker} ({phone})" if phone else asker
        due = _moment(consult.due_at)
        return Letter(
            subject=_("Consult request for the maternity ward (%(urgency)s)")
            % {"urgency": urgency},
            lines=[
                _(
                    "%(who)s, a care provider of a mother's care network, asks a midwife of "
                    "the maternity ward a question: %(urgency)s, an answer is expected by "
                    "%(due)s."
                )
                % {"who": who, "urgency": urgency, "due": due},
                _(
                    "No care provider of your ward is a member of the mother's care network: "
                    "call %(asker)s back. A care provider of the ward who is made a member "
                    "reads the question and answers it in the record after logging in."
                )
                % {"asker": asker},
            ],
            details=[(_("Asked by"), who)],
            link=messaging.record_link(reverse("network:inbox")),
            link_label=_("Log in"),
            sms=_(
                "%(sender)s: consult request for the maternity ward from %(who)s, "
                "%(urgency)s (answer by %(due)s). Call back, or log in."
            )
            % {
                "sender": settings.MESSAGE_SENDER_NAME,
                "who": who,
                "urgency": urgency,
                "due": due,
            },
        )

    return write


# --- answering ------------------------------------------------------------------------------


@transaction.atomic
def consult_answer(*, actor: User, consult: ConsultRequest, answer: str) -> ConsultRequest:
    """A professional of the ward answers, once; whoever asked is told."""
    dossier, consult = _locked_for_the_ward(actor, consult)
    if consult.status == ConsultStatus.ANSWERED:
        raise ValidationError(
            _(
                "%(who)s already answered this question at %(moment)s: add a note to correct "
                "or complete the answer."
            )
            % {
                "who": _name(consult.answered_by) if consult.answered_by else "",
                "moment": _moment(consult.answered_at or consult.updated_at),
            },
            code="answered",
        )
    if consult.status == ConsultStatus.WITHDRAWN:
        raise ValidationError(
            _("This question was withdrawn: no answer is needed any more."), code="withdrawn"
        )
    text = _text(answer, "answer", _("Write your answer."), ANSWER_MAX)
    attribute(actor)
    consult.status = ConsultStatus.ANSWERED
    consult.answer, consult.answered_by, consult.answered_at = text, actor, timezone.now()
    consult.full_clean()
    consult.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
    audit.record_write(actor, dossier, consult.section, Action.UPDATE)
    _tell_the_asker(
        consult,
        gettext_noop("The maternity ward answered your consult request of %(moment)s."),
        key="answered",
    )
    return consult


@transaction.atomic
def consult_note_add(*, actor: User, consult: ConsultRequest, text: str) -> ConsultNote:
    """The ward adds to or corrects its answer: a note of its own, the answer stays as
    given; whoever asked is told."""
    dossier, consult = _locked_for_the_ward(actor, consult)
    if consult.status != ConsultStatus.ANSWERED:
        raise ValidationError(
            _("A note adds to or corrects an answer: answer the question first."),
            code="not_answered",
        )
    note_text = _text(
        text, "text", _("Write what you add to or correct in the answer."), ANSWER_MAX
    )
    attribute(actor)
    note = ConsultNote(
        consult=consult,
        dossier=dossier,
        section=consult.section,
        text=note_text,
        written_by=actor,
    )
    note.full_clean()
    note.save()
    audit.record_write(actor, dossier, consult.section, Action.CREATE)
    _tell_the_asker(
        consult,
        gettext_noop(
            "The maternity ward added a note to its answer to your consult request of %(moment)s."
        ),
        key=f"note{note.pk}",
    )
    return note


def _locked_for_the_ward(actor: User, consult: ConsultRequest) -> tuple[Dossier, ConsultRequest]:
    """The record and the request, locked, for a care provider of the ward it was sent to
    (``consults.may_answer``); anyone else is refused."""
    dossier, consult = _locked(consult)
    if not consults.may_answer(actor, consult):
        raise access.AccessDenied(
            _("Only a care provider of the maternity ward it was sent to answers this question."),
            dossier=dossier,
            section=consult.section,
        )
    return dossier, consult


def _tell_the_asker(
    consult: ConsultRequest,
    message: str,
    *,
    key: str,
    subject: str = gettext_noop("Your consult request to the maternity ward was answered"),
    then: str = gettext_noop("Log in to read the answer in the record."),
    link_label: str = gettext_noop("Read the answer"),
    **params: str,
) -> None:
    """Whoever asked: in the inbox, and by e-mail and SMS while she may still read the
    question's section. ``message``: the notice's msgid (with ``moment``, when it was asked,
    and ``params``); ``subject``, ``then`` and ``link_label``: the e-mail's, as msgids."""
    from network.services import notify

    dossier, asker = consult.dossier, consult.asked_by
    if not access.can_view(asker, dossier, consult.section):
        return
    notify(
        dossier,
        [asker],
        message,
        about_section=consult.section,
        moment=consult.created_at,
        **params,
    )
    professional = Professional.objects.select_related("organisation").filter(user=asker).first()
    if professional is None:
        return

    def write(recipient: Recipient) -> Letter:
        # the notice's own msgid, so the e-mail says what the inbox says
        line = _(message) % {"moment": _moment(consult.created_at), **params}
        return Letter(
            subject=_(subject),
            lines=[line, _(then)],
            link=messaging.record_link(reverse("dossier:consults", args=[dossier.public_id])),
            link_label=_(link_label),
            sms=_("%(sender)s: %(line)s Log in to read it.")
            % {"sender": settings.MESSAGE_SENDER_NAME, "line": line},
        )

    messaging.send(
        messaging.professional_recipient(professional),
        key=f"consult:{consult.public_id}:{key}",
        dossier=dossier,
        write=write,
    )


# --- withdrawing ----------------------------------------------------------------------------


@transaction.atomic
def consult_withdraw(*, actor: User, consult: ConsultRequest, reason: str = "") -> ConsultRequest:
    """Whoever asked withdraws an open question (solved meanwhile, asked in error); the
    ward is told no answer is needed."""
    dossier, consult = _locked(consult)
    if not consults.may_withdraw(actor, consult):
        raise access.AccessDenied(
            _("Only whoever asked the question withdraws it."),
            dossier=dossier,
            section=consult.section,
        )
    if consult.status != ConsultStatus.OPEN:
        raise ValidationError(
            _("This question is no longer open: it was answered or withdrawn already."),
            code="not_open",
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("At most %(max)s characters (now %(length)s).")
                    % {"max": REASON_MAX, "length": len(reason)},
                    code="max_length",
                )
            }
        )
    attribute(actor, reason)
    consult.status = ConsultStatus.WITHDRAWN
    consult.withdrawn_by, consult.withdrawn_at = actor, timezone.now()
    consult.withdraw_reason = reason
    consult.full_clean()
    consult.save(
        update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason", "updated_at"]
    )
    audit.record_write(actor, dossier, consult.section, Action.UPDATE)
    people = consults.answerers(consult)
    if people:
        from network.services import notify

        notify(
            dossier,
            [professional.user for professional in people],
            gettext_noop(
                "%(asker)s withdrew the consult request of %(moment)s: no answer is needed."
            ),
            about_section=consult.section,
            asker=actor,
            moment=consult.created_at,
        )
    if consult.ward_messaged_at is not None:
        asker, _phone = _asker(consult)

        def write(recipient: Recipient) -> Letter:
            line = _(
                "%(asker)s withdrew the consult request of %(moment)s: no need to call back."
            ) % {"asker": asker, "moment": _moment(consult.created_at)}
            return Letter(
                subject=_("Consult request withdrawn"),
                lines=[line],
                sms=f"{settings.MESSAGE_SENDER_NAME}: {line}",
            )

        messaging.send(
            _ward_recipient(consult.ward),
            key=f"consult:{consult.public_id}:withdrawn",
            dossier=dossier,
            write=write,
        )
    return consult


# --- no answer in time ----------------------------------------------------------------------


def remind_overdue(now: datetime.datetime | None = None) -> int:
    """Every open question past its time (``consults.WINDOWS``) is followed up, once: the
    asker hears that no answer came and which number reaches the ward, and the ward is
    reminded — its professionals who may answer it (inbox, e-mail, SMS), else its ward
    contact (e-mail, SMS, nothing of the record). Each is taken by a conditional update in
    the transaction that writes its messages (both or neither; the record's history shows
    the reminder, by the system), and the messages' keys name it: running this twice, or
    in two workers at once, changes nothing. Returns how many were followed up."""
    now = now or timezone.now()
    late = (
        ConsultRequest.objects.filter(
            status=ConsultStatus.OPEN, reminded_at__isnull=True, due_at__lt=now
        )
        .select_related("dossier__mother", "newborn", "ward", "asked_by__professional")
        .order_by("due_at", "pk")
    )
    reminded = 0
    for consult in late:
        with transaction.atomic():
            attribute(None)  # the history names no person: the system reminded
            taken = ConsultRequest.objects.filter(
                pk=consult.pk, status=ConsultStatus.OPEN, reminded_at__isnull=True
            ).update(reminded_at=now, updated_at=now)
            if not taken:
                continue  # answered or withdrawn meanwhile, or another run took it
            _remind_the_asker(consult)
            _remind_the_ward(consult)
        reminded += 1
    return reminded


def _remind_the_asker(consult: ConsultRequest) -> None:
    ward = consult.ward
    if ward.ward_phone:
        message = gettext_noop(
            "%(ward)s has not answered your consult request of %(moment)s in time. Call the "
            "maternity ward: %(phone)s."
        )
        params = {"ward": ward.name, "phone": ward.ward_phone}
    else:
        message = gettext_noop(
            "%(ward)s has not answered your consult request of %(moment)s in time. Call the "
            "maternity ward."
        )
        params = {"ward": ward.name}
    _tell_the_asker(
        consult,
        message,
        key="overdue",
        subject=gettext_noop("No answer in time to your consult request"),
        then=gettext_noop(
            "The question stays open in the record: the ward can still answer it there, or "
            "withdraw it once you have the answer by phone."
        ),
        link_label=gettext_noop("Open the consults"),
        **params,
    )


def _remind_the_ward(consult: ConsultRequest) -> None:
    _reach_the_ward(
        consult,
        key="overdue",
        notice=gettext_noop(
            "The consult request of %(asker)s of %(moment)s (%(urgency)s) has not been "
            "answered in time. Open it to answer."
        ),
        member=_overdue_for_the_ward(consult, member=True),
        contact=_overdue_for_the_ward(consult, member=False),
        asker=consult.asked_by,
        moment=consult.created_at,
        urgency=notices.choice(ConsultUrgency(consult.urgency), lower=True),
    )


def _overdue_for_the_ward(consult: ConsultRequest, *, member: bool) -> Write:
    """The reminder to the ward: who asks, when, how urgent, whom to call back, and a link
    that needs signing in — nothing of the question or of the mother."""

    def write(recipient: Recipient) -> Letter:
        urgency = str(ConsultUrgency(consult.urgency).label).lower()
        asker, phone = _asker(consult)
        who = f"{asker} ({phone})" if phone else asker
        values = {
            "who": who,
            "moment": _moment(consult.created_at),
            "urgency": urgency,
            "due": _moment(consult.due_at),
        }
        line = (
            _(
                "The consult request of %(who)s of %(moment)s (%(urgency)s, answer expected "
                "by %(due)s) has not been answered yet."
            )
            % values
        )
        then = (
            _("Open the record to read the question and answer it there, or call back.")
            if member
            else _(
                "No care provider of your ward is a member of the mother's care network: call back."
            )
        )
        target = (
            reverse("dossier:consult_answer", args=[consult.dossier.public_id, consult.public_id])
            if member
            else reverse("network:inbox")
        )
        return Letter(
            subject=_("Reminder: consult request for the maternity ward not answered yet"),
            lines=[line, then],
            details=[(_("Asked by"), who)],
            link=messaging.record_link(target),
            link_label=_("Read and answer") if member else _("Log in"),
            sms=_(
                "%(sender)s: reminder, the consult request of %(who)s of %(moment)s "
                "(%(urgency)s) is not answered yet. Call back, or log in."
            )
            % {"sender": settings.MESSAGE_SENDER_NAME, **values},
        )

    return write
