"""A consult with the maternity ward (R13, R34; issue 18): the home midwife asks the
maternity ward's midwife a question about the mother or one baby, and the ward answers it
in the record. The rules (who asks, who reads, who answers, how fast) are
``dossier.consults``; the writes ``dossier.consult_services``.

Append-only in spirit: the question is kept as asked, an answer is given once (who, when,
what), and what the ward adds or corrects afterwards is a note of its own
(``ConsultNote``), never an overwrite. A request is never deleted (a trigger refuses it):
the asker withdraws it instead. Every change is in the record's history (the trigger of
``dossier.history``), in the section the question is about."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dossier.models.record import Dossier, Newborn, RecordModel
from dossier.sections import Section

__all__ = ["ConsultNote", "ConsultRequest", "ConsultStatus", "ConsultUrgency"]

QUESTION_MAX = 2000
ANSWER_MAX = 2000
REASON_MAX = 300
# What a consult is about: the mother (postnatal follow-up) or one baby (newborn section).
CONSULT_SECTIONS = (Section.POSTNATAL, Section.NEWBORN)
CONSULT_SECTION_CHOICES = [(section.value, section.label) for section in CONSULT_SECTIONS]


class ConsultUrgency(models.TextChoices):
    """How soon the asker needs the answer; the windows are ``dossier.consults.WINDOWS``."""

    HOUR = "hour", _("Within the hour")
    TODAY = "today", _("Today")


class ConsultStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsultRequest(RecordModel):
    """One question of a professional of the network to the maternity ward, and its
    answer."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="consults", verbose_name=_("dossier")
    )
    newborn = models.ForeignKey(
        Newborn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consults",
        verbose_name=_("about the baby"),
        help_text=_("Empty: the question is about the mother."),
    )
    section = models.CharField(
        _("section"),
        max_length=15,
        choices=CONSULT_SECTION_CHOICES,
        editable=False,
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    ward = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("maternity ward"),
    )
    urgency = models.CharField(_("urgency"), max_length=5, choices=ConsultUrgency.choices)
    question = models.TextField(
        _("question"), max_length=QUESTION_MAX, validators=[MaxLengthValidator(QUESTION_MAX)]
    )
    due_at = models.DateTimeField(_("answer expected by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ConsultStatus.choices, default=ConsultStatus.OPEN
    )
    answer = models.TextField(
        _("answer"), max_length=ANSWER_MAX, blank=True, validators=[MaxLengthValidator(ANSWER_MAX)]
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdraw_reason = models.CharField(_("why withdrawn"), max_length=REASON_MAX, blank=True)
    ward_messaged_at = models.DateTimeField(
        _("ward contact messaged at"),
        null=True,
        blank=True,
        help_text=_(
            "No professional of the ward was a member of the network: its maternity ward "
            "contact was told by e-mail and SMS."
        ),
    )

    reminded_at = models.DateTimeField(
        _("reminded at"),
        null=True,
        blank=True,
        help_text=_(
            "No answer within the time its urgency allows: the asker and the ward were "
            "reminded (once)."
        ),
    )

    class Meta:
        verbose_name = _("consult with the maternity ward")
        verbose_name_plural = _("consults with the maternity ward")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "created_at"], name="consult_by_dossier"),
            models.Index(
                fields=["ward", "due_at"],
                name="consult_open_by_ward",
                condition=Q(status="open"),
            ),
            models.Index(  # the reminder job's question: which open ones are late, unreminded
                fields=["due_at"],
                name="consult_to_remind",
                condition=Q(status="open", reminded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(urgency__in=ConsultUrgency.values), name="consult_urgency_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConsultStatus.values), name="consult_status_known"
            ),
            models.CheckConstraint(
                condition=Q(newborn__isnull=True, section=Section.POSTNATAL)
                | Q(newborn__isnull=False, section=Section.NEWBORN),
                name="consult_section_of_whom",
            ),
            models.CheckConstraint(condition=~Q(question=""), name="consult_has_question"),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("created_at")), name="consult_due_after_asked"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="answered", answered_at__isnull=False, answered_by__isnull=False)
                    & ~Q(answer="")
                )
                | (
                    ~Q(status="answered")
                    & Q(answered_at__isnull=True, answered_by__isnull=True, answer="")
                ),
                name="consult_answered_once_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="withdrawn", withdrawn_at__isnull=False, withdrawn_by__isnull=False
                )
                | Q(~Q(status="withdrawn"), withdrawn_at__isnull=True, withdrawn_by__isnull=True),
                name="consult_withdrawn_by_someone",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%d-%m-%Y %H:%M} " if self.created_at else ""
        return f"{when}{self.get_urgency_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == ConsultStatus.OPEN


class ConsultNote(RecordModel):
    """What the ward adds to or corrects in its answer afterwards: a note of its own, the
    answer itself stays as it was given."""

    consult = models.ForeignKey(
        ConsultRequest, on_delete=models.PROTECT, related_name="notes", verbose_name=_("consult")
    )
    # the consult's record and section again: the history's trigger and the retention find
    # the note by them, and it shows in the history of the same section as its question
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="+", verbose_name=_("dossier")
    )
    section = models.CharField(
        _("section"),
        max_length=15,
        choices=CONSULT_SECTION_CHOICES,
        editable=False,
    )
    text = models.TextField(
        _("addition or correction to the answer"),
        max_length=ANSWER_MAX,
        validators=[MaxLengthValidator(ANSWER_MAX)],
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("note on a consult answer")
        verbose_name_plural = _("notes on consult answers")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="consultnote_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d-%m-%Y %H:%M}" if self.created_at else ""
