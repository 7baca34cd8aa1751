"""The mother's own entries (R5): what she observes at home, and the comments she (and the
providers answering her) add to any entry she may see."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.models.entry import ClinicalEntry, Writer, day_post_partum
from dossier.models.record import Dossier, Measurement, Newborn
from dossier.rules import past_errors, raise_if_any
from dossier.sections import Section
from dossier.selfcare import (
    BOTTLE_ML,
    FEED_KINDS,
    PER_BABY_KINDS,
    SCALES,
    CareKind,
    SelfKind,
    care_constraints,
    value_constraints,
)


class SelfMonitoring(ClinicalEntry):
    """One observation the mother noted herself. A baby's weight she notes is also a point
    of the weight curve (``measurement``), marked as weighed at home by the parents.

    A feed (breastfeed, bottle) is no longer noted here: feeds are logged per baby
    (``BabyLog``). The feeds noted before stay, readable and amendable, and count in the
    last 24 hours per baby (``dossier.feeds``); a new one is refused (``clean``)."""

    SECTION = Section.POSTNATAL
    WRITER = Writer.MOTHER

    kind = models.CharField(_("what"), max_length=12, choices=SelfKind.choices)
    noted_at = models.DateTimeField(_("when"))
    value = models.DecimalField(_("value"), max_digits=5, decimal_places=1)
    newborn = models.ForeignKey(
        Newborn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("baby"),
    )
    measurement = models.OneToOneField(
        Measurement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_entry",
        verbose_name=_("weighing"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("own observation")
        verbose_name_plural = _("own observations")
        ordering = ["-noted_at", "-id"]
        indexes = [models.Index(fields=["dossier", "noted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SelfKind.values), name="selfmonitoring_kind_known"
            ),
            *value_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value_display}"

    @property
    def scale(self):
        return SCALES[SelfKind(self.kind)]

    @property
    def value_display(self) -> str:
        decimals = 1 if self.kind == SelfKind.TEMPERATURE else 0
        return f"{number_format(self.value, decimals)} {self.scale.unit}".strip()

    @property
    def what_display(self) -> str:
        """As the feeds page lists a feed (a feed noted here before feeds were per baby)."""
        return self.value_display

    @property
    def day(self) -> int | None:
        delivery = self.delivery()
        return day_post_partum(delivery.born_at if delivery else None, self.noted_at)

    def clean(self) -> None:
        errors = past_errors(self, ["noted_at"])
        if not self.kind or self.kind not in SelfKind.values:
            raise_if_any(errors)
            return
        if self.pk is None and self.kind in PER_BABY_KINDS:
            errors["kind"] = ValidationError(
                gettext(
                    "What: a feed is no longer noted here; log it per baby under “Feeds and "
                    "nappies”."
                ),
                code="logged_per_baby",
            )
        scale = self.scale
        if self.value is not None and not scale.low <= self.value <= scale.high:
            errors["value"] = ValidationError(
                gettext("%(what)s must be between %(low)s and %(high)s %(unit)s.")
                % {
                    "what": self.get_kind_display(),
                    "low": number_format(scale.low),
                    "high": number_format(scale.high),
                    "unit": scale.unit,
                },
                code="out_of_bounds",
            )
        if scale.about_baby and self.newborn_id is None:
            errors["newborn"] = ValidationError(
                gettext("Choose which baby this is about."), code="required"
            )
        if not scale.about_baby:
            self.newborn = None
        if self.newborn_id and self.dossier_id and self.newborn.dossier_id != self.dossier_id:
            errors["newborn"] = ValidationError(
                gettext("This baby belongs to another record."), code="other_record"
            )
        if scale.about_baby:
            self.not_before_birth("noted_at", errors, what=gettext("An observation of the baby"))
        raise_if_any(errors)


class BabyLog(ClinicalEntry):
    """A feed or a nappy of one baby, logged by the mother in a tap (issue 18): what parents
    of twins keep track of most. It belongs to the newborn section, so only who may see the
    baby sees it; the midwife reads the last 24 hours per baby (``dossier.feeds``)."""

    SECTION = Section.NEWBORN
    WRITER = Writer.MOTHER

    newborn = models.ForeignKey(
        Newborn, on_delete=models.PROTECT, related_name="care_logs", verbose_name=_("baby")
    )
    noted_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("what"), max_length=12, choices=CareKind.choices)
    bottle_ml = models.PositiveSmallIntegerField(_("bottle (ml)"), null=True, blank=True)
    wet = models.BooleanField(_("wet"), default=False)
    dirty = models.BooleanField(_("dirty"), default=False)

    class Meta:
        verbose_name = _("feed or nappy")
        verbose_name_plural = _("feeds and nappies")
        ordering = ["-noted_at", "-id"]
        indexes = [models.Index(fields=["newborn", "noted_at"])]
        constraints = care_constraints()

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.what_display}"

    @property
    def is_feed(self) -> bool:
        return self.kind in FEED_KINDS

    @property
    def what_display(self) -> str:
        if self.kind == CareKind.BOTTLE:
            return f"{self.bottle_ml} ml"
        if self.kind == CareKind.NAPPY:
            parts = [gettext("wet")] * self.wet + [gettext("dirty")] * self.dirty
            return ", ".join(parts)
        return gettext("breastfeed")

    def clean(self) -> None:
        errors = past_errors(self, ["noted_at"])
        low, high = int(BOTTLE_ML.low), int(BOTTLE_ML.high)
        if self.kind == CareKind.BOTTLE:
            if self.bottle_ml is None or not low <= self.bottle_ml <= high:
                errors["bottle_ml"] = ValidationError(
                    gettext(
                        "Bottle (ml): how much the baby drank, between %(low)s and %(high)s ml."
                    )
                    % {"low": low, "high": high},
                    code="bottle_ml",
                )
        else:
            self.bottle_ml = None
        if self.kind == CareKind.NAPPY:
            if not (self.wet or self.dirty):
                errors["wet"] = ValidationError(
                    gettext("Nappy: say whether it was wet, dirty or both."), code="nappy"
                )
        else:
            self.wet = self.dirty = False
        if self.newborn_id and self.dossier_id and self.newborn.dossier_id != self.dossier_id:
            errors["newborn"] = ValidationError(
                gettext("This baby belongs to another record."), code="other_record"
            )
        if self.newborn_id:
            self.not_before_birth("noted_at", errors, what=gettext("A feed or a nappy"))
        raise_if_any(errors)


class Comment(models.Model):
    """A remark on one entry, by the mother or by a provider answering her: seen by whoever
    may see the entry's section, never changed once written."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="+", verbose_name=_("maternity record")
    )
    section = models.CharField(_("section"), max_length=15, choices=Section.choices)
    entry_id = models.UUIDField(_("entry"), db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"), max_length=2000)
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return gettext("Comment")

    def clean(self) -> None:
        if not self.text.strip():
            raise ValidationError({"text": gettext("Write your comment first.")})
