"""Parent groups (R27, e.g. CenteringParenting): a group run by an organisation, its
sessions, the referral of a mother from her care plan and the attendance per session.

Privacy first (``careplan.groups`` applies it): a referral belongs to the mother's record
(it shows in the care plan section); the group's organisers — the professionals of the
group's organisation, who are not in her care network — learn her name only once she has
accepted the referral herself, and each time they are shown it, her access log says so.
A referral she has not answered, declined or that was withdrawn is a number to them, not
a name."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossier.models import Dossier, RecordModel
from network.models import Organisation

__all__ = ["Attendance", "GroupReferral", "GroupSession", "ParentGroup", "ReferralStatus"]

DESCRIPTION_MAX = 2000


class ParentGroup(RecordModel):
    name = models.CharField(_("name"), max_length=120)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="parent_groups",
        verbose_name=_("organisation"),
    )
    place = models.CharField(_("place"), max_length=140)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    active = models.BooleanField(_("open for referrals"), default=True)

    class Meta:
        verbose_name = _("parent group")
        verbose_name_plural = _("parent groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="parentgroup_name_once_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupSession(RecordModel):
    group = models.ForeignKey(
        ParentGroup, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("group")
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=90,
        validators=[MinValueValidator(15), MaxValueValidator(480)],
    )
    topic = models.CharField(_("topic"), max_length=140)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="groupsession_duration_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%d-%m-%Y %H:%M} {self.topic}"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the mother's answer")
    ACCEPTED = "accepted", _("Accepted by the mother")
    DECLINED = "declined", _("Declined by the mother")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (ReferralStatus.PROPOSED, ReferralStatus.ACCEPTED)


class GroupReferral(RecordModel):
    group = models.ForeignKey(
        ParentGroup, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("group")
    )
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="group_referrals",
        verbose_name=_("maternity record"),
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
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

    class Meta:
        verbose_name = _("referral to a parent group")
        verbose_name_plural = _("referrals to parent groups")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "dossier"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="groupreferral_one_open_per_group",
                violation_error_message=_("This mother is already referred to this group."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="groupreferral_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.get_status_display()}"

    @property
    def accepted(self) -> bool:
        return self.status == ReferralStatus.ACCEPTED


class Attendance(models.Model):
    """Whether a referred mother (her referral accepted) came to one session."""

    session = models.ForeignKey(
        GroupSession, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("session")
    )
    referral = models.ForeignKey(
        GroupReferral,
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("referral"),
    )
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "referral"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.present}"
