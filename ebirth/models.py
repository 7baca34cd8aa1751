"""The eBirth app's tables: the export batches, the messages they carried (each birth and
message kind once, corrections referring to the first), the batches' files, and the
permissions of the figures page (policy analysts) and of the export (registrars); the
figures of each year as computed from the records, and the official births they are
compared with."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossier.geography import Province
from dossier.models import Newborn


class Figures(models.Model):
    """No rows: it carries the permission to read the anonymous figures (R31)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_figures", "Can view the anonymous figures for policy makers")]
        verbose_name = _("figures for policy makers")
        verbose_name_plural = _("figures for policy makers")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class MessageKind(models.TextChoices):
    NOTIFICATION = "notification", _("Birth notification")
    STATISTICAL = "statistical", _("Medical statistical form")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportBatch(models.Model):
    """One run of the export: the messages it claimed and the files it wrote. A batch
    whose worker died is finished by the next run (same messages, same files), or at once
    when a registrar starts an export after its lease ran out."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(_("number"), unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty when the daily schedule started it."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    births_to_check = models.PositiveIntegerField(_("births to check"), default=0)
    births_checked = models.PositiveIntegerField(_("births checked"), default=0)
    births_held_back = models.PositiveIntegerField(_("births held back (incomplete)"), default=0)
    messages_written = models.PositiveIntegerField(_("messages written"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # The running worker's lease, renewed with each chunk (EBIRTH_EXPORT_LEASE_SECONDS): a
    # running batch whose lease has run out has lost its worker, and "Exporteren" takes it
    # over at once instead of waiting for the hourly run.
    leased_until = models.DateTimeField(_("worker's lease until"), null=True, blank=True)

    class Meta:
        verbose_name = _("eBirth export")
        verbose_name_plural = _("eBirth exports")
        ordering = ["-number"]
        default_permissions = ("view",)
        permissions = [("run_export", "Can start eBirth exports and download them")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="exportbatch_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"eBirth {self.number:06d}"

    @property
    def name(self) -> str:
        return f"ebirth-{self.number:06d}"

    def worker_gone(self, now) -> bool:
        """Running, but its worker stopped renewing the lease (or never had one)."""
        return self.status == BatchStatus.RUNNING and (
            self.leased_until is None or self.leased_until < now
        )


class ExportedMessage(models.Model):
    """One message sent for one birth (a newborn). The key — birth, kind and revision —
    is unique, so no birth is ever exported twice under the same revision; revision 0 is
    the original, a later revision a correction that names the original. The content is
    the snapshot that was sent: the files are written from it. Append-only (trigger)."""

    batch = models.ForeignKey(
        ExportBatch, on_delete=models.PROTECT, related_name="messages", verbose_name=_("export")
    )
    newborn = models.ForeignKey(
        Newborn, on_delete=models.PROTECT, related_name="+", verbose_name=_("newborn")
    )
    kind = models.CharField(_("message"), max_length=12, choices=MessageKind.choices)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    key = models.CharField(_("idempotency key"), max_length=80, unique=True)
    message_id = models.UUIDField(_("message id"), unique=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    content = models.JSONField(_("content"))
    content_hash = models.CharField(max_length=64)
    source_changed_at = models.DateTimeField(
        _("record as of"), help_text=_("When the rows it was built from had last changed.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eBirth message")
        verbose_name_plural = _("eBirth messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["newborn", "kind", "revision"], name="exportedmessage_once_per_revision"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="exportedmessage_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(revision=0, corrects__isnull=True)
                | Q(revision__gt=0, corrects__isnull=False),
                name="exportedmessage_correction_names_original",
            ),
        ]
        indexes = [models.Index(fields=["batch", "kind", "id"])]

    def __str__(self) -> str:
        return self.key


class FileFormat(models.TextChoices):
    XML = "xml", _("XML (validated against the published schema)")
    CSV_NOTIFICATION = "csv_notification", _("CSV – birth notifications")
    CSV_STATISTICAL = "csv_statistical", _("CSV – medical statistical forms")
    FHIR = "fhir", _("FHIR R4 bundles (NDJSON)")


class ExportFile(models.Model):
    """A file of a finished batch, with its SHA-256 checksum."""

    batch = models.ForeignKey(
        ExportBatch, on_delete=models.CASCADE, related_name="files", verbose_name=_("export")
    )
    format = models.CharField(_("format"), max_length=20, choices=FileFormat.choices)
    name = models.CharField(_("file name"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)

    class Meta:
        verbose_name = _("export file")
        verbose_name_plural = _("export files")
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "format"], name="exportfile_one_per_format")
        ]

    def __str__(self) -> str:
        return self.name


class FiguresYear(models.Model):
    """The figures of one year of births as ``ebirth.figures.compute_year`` counted them
    from the records: counts, hours and sums before any suppression (which is applied when
    they are shown). Kept so the figures page reads five years at once in milliseconds;
    refreshed by Celery beat (``ebirth.tasks.refresh_figures``), a year still open every
    hour, the others once a day. Never shown as such: only through the figures page, its
    CSV and its API, which suppress small cells."""

    year = models.PositiveSmallIntegerField(_("year of birth"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    national = models.JSONField(_("figures of the country"), default=dict)
    wards = models.JSONField(_("figures per maternity ward"), default=dict)

    class Meta:
        verbose_name = _("figures of a year")
        verbose_name_plural = _("figures of the years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class OfficialBirths(models.Model):
    """The official number of live births of a year (Statbel), for the coverage line of
    the figures: births in the record against births of the year, so that a low uptake of
    kraamzorg is not read where the record simply holds few births. Entered in the admin
    when Statbel publishes the year; empty province: the whole country."""

    year = models.PositiveSmallIntegerField(_("year"))
    province = models.CharField(
        _("province"),
        max_length=3,
        choices=Province.choices,
        blank=True,
        help_text=_("Empty: the whole country."),
    )
    births = models.PositiveIntegerField(_("live births"))
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the number comes from, e.g. Statbel, births 2016 (final figures)."),
    )

    class Meta:
        verbose_name = _("official number of births")
        verbose_name_plural = _("official numbers of births")
        ordering = ["-year", "province"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province"], name="officialbirths_one_per_year_and_province"
            ),
            models.CheckConstraint(
                condition=Q(province="") | Q(province__in=Province.values),
                name="officialbirths_province_known",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="officialbirths_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        where = self.get_province_display() if self.province else _("Belgium")
        return f"{self.year} {where}: {self.births}"
