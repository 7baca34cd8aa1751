"""The people and organisations around a mother. This issue lays the ground: who is a
professional and of which profession. Memberships, roles and consent follow with the care
network (R3, R4, R10, R11)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossier.models import RecordModel, phone_validator

riziv_validator = RegexValidator(
    r"^[0-9]{11}$",
    _("RIZIV/INAMI number: 11 digits, e.g. 4-12345-67-001 (dashes allowed)."),
    code="riziv_format",
)


class Profession(models.TextChoices):
    MIDWIFE = "midwife", _("Midwife")
    GYNAECOLOGIST = "gynaecologist", _("Gynaecologist")
    GP = "gp", _("General practitioner")
    PAEDIATRICIAN = "paediatrician", _("Paediatrician")
    MATERNITY_ASSISTANT = "maternity_assistant", _("Maternity assistant")
    CHILD_HEALTH_NURSE = "child_health_nurse", _("Kind & Gezin / ONE nurse")
    LACTATION_CONSULTANT = "lactation_consultant", _("Lactation consultant")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    SOCIAL_WORKER = "social_worker", _("Social worker")


class OrganisationKind(models.TextChoices):
    MATERNITY_WARD = "maternity_ward", _("Maternity ward")
    MIDWIFE_PRACTICE = "midwife_practice", _("Midwife practice")
    HOME_HELP_PUBLIC = "home_help_public", _("Maternity home help service (public)")
    HOME_HELP_PRIVATE = "home_help_private", _("Maternity home help service (private)")
    CHILD_HEALTH_OFFICE = "child_health_office", _("Kind & Gezin / ONE office")
    GP_PRACTICE = "gp_practice", _("General practice")


class Organisation(RecordModel):
    """A maternity ward, midwife practice, kraamzorg service or Kind & Gezin office."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=25, choices=OrganisationKind.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Professional(RecordModel):
    """A care provider who signs in: profession, RIZIV/INAMI number and organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="professional", verbose_name=_("user"))
    profession = models.CharField(_("profession"), max_length=25, choices=Profession.choices)
    riziv_number = models.CharField(_("RIZIV/INAMI number"), max_length=11, blank=True,
                                    validators=[riziv_validator])
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="professionals",
                                     verbose_name=_("organisation"))
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["riziv_number"], condition=~Q(riziv_number=""),
                                    name="professional_riziv_unique"),
        ]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name} ({self.get_profession_display()})"
