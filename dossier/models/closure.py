"""Closing the record (issue 18, Babyconnect's model): the hand-over summary to the child
health service (Kind & Gezin / ONE) and the GP at the end of the postnatal period.

What the record holds already (the birth, the screenings, the weighings, the feeding, the
open alerts) is read from it when the summary is made (``dossier.closure``); what it does
not hold is filled in here by the care coordinator: per newborn the vitamin K and the
hepatitis B immunisation given at birth and the feeding at the end of care
(``NewbornHandover``), and a remark for the next carers (``Handover``).

Nothing leaves without the mother's consent: each choice (to the child health service, to
her GP) is a new row (``HandoverConsent``: who recorded it, when, whether she did so
herself); the latest counts. What was sent is kept as it was sent (``HandoverSend``: one
per record and recipient, the FHIR document and the PDF), with a link that only the
recipient's e-mail holds (its SHA-256 is stored) and that runs out."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models.record import Dossier, Feeding, Newborn, RecordModel

__all__ = [
    "Handover",
    "HandoverConsent",
    "HandoverRecipient",
    "HandoverSend",
    "HepatitisB",
    "NewbornHandover",
    "VitaminK",
]

REMARKS_MAX = 2000


class VitaminK(models.TextChoices):
    INTRAMUSCULAR = "im", _("Given at birth (intramuscular)")
    ORAL = "oral", _("Given by mouth (course of doses)")
    NOT_GIVEN = "not_given", _("Not given")


class HepatitisB(models.TextChoices):
    VACCINE_AND_HBIG = "vaccine_hbig", _("Vaccine and immunoglobulin at birth")
    VACCINE = "vaccine", _("Vaccine at birth")
    NOT_INDICATED = "not_indicated", _("Not given at birth (not indicated)")


class HandoverRecipient(models.TextChoices):
    CHILD_HEALTH = "child_health", _("Kind & Gezin / ONE")
    GP = "gp", _("General practitioner")


class Handover(RecordModel):
    """The coordinator's part of the summary for one record."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="handover", verbose_name=_("dossier")
    )
    remarks = models.TextField(
        _("remarks for the next carers"),
        max_length=REMARKS_MAX,
        blank=True,
        validators=[MaxLengthValidator(REMARKS_MAX)],
        help_text=_("What Kind & Gezin / ONE and the GP should know; no psychosocial details."),
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )

    class Meta:
        verbose_name = _("hand-over summary")
        verbose_name_plural = _("hand-over summaries")

    def __str__(self) -> str:
        return str(_("Hand-over summary"))


class NewbornHandover(RecordModel):
    """What the summary says of one newborn beyond the record: the immunisations given at
    birth and the feeding at the end of care."""

    newborn = models.OneToOneField(
        Newborn, on_delete=models.CASCADE, related_name="handover", verbose_name=_("newborn")
    )
    vitamin_k = models.CharField(
        _("vitamin K"), max_length=10, choices=VitaminK.choices, blank=True
    )
    vitamin_k_on = models.DateField(_("vitamin K given on"), null=True, blank=True)
    hepatitis_b = models.CharField(
        _("hepatitis B at birth"), max_length=15, choices=HepatitisB.choices, blank=True
    )
    hepatitis_b_on = models.DateField(_("hepatitis B given on"), null=True, blank=True)
    feeding = models.CharField(
        _("feeding at the end of care"), max_length=10, choices=Feeding.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("newborn in the hand-over summary")
        verbose_name_plural = _("newborns in the hand-over summary")
        constraints = [
            models.CheckConstraint(
                condition=Q(vitamin_k="") | Q(vitamin_k__in=VitaminK.values),
                name="newbornhandover_vitamin_k_known",
            ),
            models.CheckConstraint(
                condition=Q(hepatitis_b="") | Q(hepatitis_b__in=HepatitisB.values),
                name="newbornhandover_hepatitis_b_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.newborn)

    def clean(self) -> None:
        """A date is not in the future nor before the birth, and goes with what was given."""
        delivery = getattr(self.newborn.dossier, "delivery", None) if self.newborn_id else None
        born_on = timezone.localdate(delivery.born_at) if delivery is not None else None
        errors = {}
        for name, given in (("vitamin_k_on", "vitamin_k"), ("hepatitis_b_on", "hepatitis_b")):
            day = getattr(self, name)
            if day is None:
                continue
            label = str(getattr(self._meta.get_field(name), "verbose_name", name))
            if day > timezone.localdate():
                errors[name] = ValidationError(
                    gettext("%(field)s: the date cannot be in the future.") % {"field": label},
                    code="future",
                )
            elif born_on is not None and day < born_on:
                errors[name] = ValidationError(
                    gettext("%(field)s: the date cannot come before the birth (%(born)s).")
                    % {"field": label, "born": born_on.strftime("%d-%m-%Y")},
                    code="before_birth",
                )
            elif not getattr(self, given):
                errors[name] = ValidationError(
                    gettext("%(field)s: say first what was given.") % {"field": label},
                    code="date_without_choice",
                )
        if errors:
            raise ValidationError(errors)


class HandoverConsent(models.Model):
    """One choice of the mother on sending the summary; the latest counts. Recorded by
    herself or by her care coordinator as she told it (``by_mother``)."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="handover_consents",
        verbose_name=_("dossier"),
    )
    to_child_health = models.BooleanField(_("send to Kind & Gezin / ONE"))
    to_gp = models.BooleanField(_("send to the GP"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    by_mother = models.BooleanField(_("recorded by the mother herself"))

    class Meta:
        verbose_name = _("consent to the hand-over")
        verbose_name_plural = _("consents to the hand-over")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decided_at:%d-%m-%Y %H:%M}"

    def allows(self, recipient: str) -> bool:
        return self.to_child_health if recipient == HandoverRecipient.CHILD_HEALTH else self.to_gp


class HandoverSend(RecordModel):
    """The summary as sent to one recipient: once per record and recipient."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="handover_sends", verbose_name=_("dossier")
    )
    recipient = models.CharField(_("recipient"), max_length=15, choices=HandoverRecipient.choices)
    recipient_name = models.CharField(_("sent to"), max_length=150)
    address = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    consent = models.ForeignKey(
        HandoverConsent, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    document = models.JSONField(_("FHIR document"))
    pdf = models.BinaryField(_("PDF"))
    token_hash = models.CharField(_("link (SHA-256)"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("link valid until"))
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    last_download_at = models.DateTimeField(_("last downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hand-over sent")
        verbose_name_plural = _("hand-overs sent")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "recipient"], name="handoversend_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(recipient__in=HandoverRecipient.values),
                name="handoversend_recipient_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_recipient_display()} · {self.created_at:%d-%m-%Y}"
