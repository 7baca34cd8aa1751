"""The eBirth pages: the completeness worklist (professionals), the exports with their
progress and checksummed downloads (registrars), and the figures for policy makers as a
page with charts, as CSV and through the API (R31; aggregates only, so no record's read is
logged there), and a maternity ward's quality figures beside the national ones (R33).
Who may see what is decided in ``network.access``."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier.models import Dossier
from dossier.sections import Section
from ebirth import export, figures, figures_tables, formats, worklist
from ebirth.models import BatchStatus, ExportBatch, FileFormat, MessageKind
from network import access, audit
from network.models import Action

logger = logging.getLogger(__name__)
PAGE_SIZE = 20

CHART_WIDTH, BAR_HEIGHT = 640, 26


def _chart(bars):
    """Horizontal bars scaled to the largest; coordinates for the SVG (not localised)."""
    if not bars:
        return None
    top = max(value for _label, value in bars) or 1
    return {
        "height": BAR_HEIGHT * len(bars) + 10,
        "width": CHART_WIDTH,
        "bars": [
            {
                "label": label,
                "y": 5 + i * BAR_HEIGHT,
                "value": value,
                "w": round((CHART_WIDTH - 260) * value / top, 1),
            }
            for i, (label, value) in enumerate(bars)
        ],
    }


def _rows(table: figures_tables.Table) -> list[dict]:
    """The rows with the span of each group's label (a province's four measures)."""
    rows = [{"row": row, "span": 1} for row in table.rows]
    first = None
    for item in rows:
        if first is not None and first["row"].label == item["row"].label:
            first["span"] += 1
            item["span"] = 0
        else:
            first = item
    return rows


def _page(request, result: figures_tables.Figures, available: list[int], errors: dict, **context):
    years = [y.year for y in result.years]
    return render(
        request,
        "ebirth/figures.html",
        {
            "available": available,
            "first": years[0] if years else None,
            "last": years[-1] if years else None,
            "years": result.years,
            "errors": list(errors.values()),
            "tables": [
                {"table": table, "chart": _chart(table.bars), "rows": _rows(table)}
                for table in result.tables
            ],
            "computed_at": min((y.computed_at for y in result.years), default=None),
            "thresholds": figures.THRESHOLDS,
            "legend": legend(),
            "minimum": figures.MIN_FAMILIES,
            **context,
        },
    )


@login_required
def figures_page(request):
    access.require_view_figures(request.user)
    available = figures.available_years()
    years, errors = figures.choose_years(request.GET, available)
    return _page(
        request,
        figures_tables.tables(years),
        available,
        errors,
        csv_url=reverse("ebirth:figures_csv"),
        title=_("Figures for policy makers"),
    )


@login_required
def figures_csv(request):
    access.require_view_figures(request.user)
    years, _errors = figures.choose_years(request.GET, figures.available_years())
    return _csv(figures_tables.tables(years), years)


@login_required
def ward_figures_page(request):
    """A maternity ward's quality figures beside the national ones (R24, R33): the ward is
    the user's own (``network.access.figures_ward``), never one named in the request."""
    ward = access.require_figures_ward(request.user)
    available = figures.available_years()
    years, errors = figures.choose_years(request.GET, available)
    return _page(
        request,
        figures_tables.ward_tables(years, ward.name),
        available,
        errors,
        csv_url=reverse("ebirth:ward_figures_csv"),
        title=_("Quality figures of %(ward)s") % {"ward": ward.name},
    )


@login_required
def ward_figures_csv(request):
    ward = access.require_figures_ward(request.user)
    years, _errors = figures.choose_years(request.GET, figures.available_years())
    return _csv(figures_tables.ward_tables(years, ward.name), years, name="cijfers-afdeling")


def _csv(result: figures_tables.Figures, years: list[int], name: str = "cijfers") -> HttpResponse:
    """Every table of the page, with the same cells hidden; the Belgian spreadsheet's
    separator, formulas neutralised."""
    span = f"{years[0]}-{years[-1]}" if years else "geen"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{span}.csv"'
    response.write("\ufeff")  # so that a spreadsheet opens the accents right
    writer = formats.csv_writer(response, delimiter=";")
    writer.writerow([legend()])
    for table in result.tables:
        writer.writerow([table.title])
        writer.writerow(["", _("Measure"), *table.columns])
        for row in table.rows:
            writer.writerow([row.label, row.measure, *(cell.text for cell in row.cells)])
        if table.note:
            writer.writerow([table.note])
        writer.writerow([])
    return response


def legend() -> str:
    return _(
        "%(small)s: about fewer than %(minimum)s families; %(protected)s: hidden so that a "
        "hidden figure cannot be worked out from the others; %(unpublished)s: this "
        "breakdown is not published for the year (too few families to hide one cell "
        "safely)."
    ) % {
        "small": figures.disclosure.SMALL_SYMBOL,
        "protected": figures.disclosure.PROTECTED_SYMBOL,
        "unpublished": figures.disclosure.UNPUBLISHED_SYMBOL,
        "minimum": figures.MIN_FAMILIES,
    }


# --- the completeness worklist --------------------------------------------------------------


@login_required
def worklist_page(request):
    """The births this professional can complete that the registration still lacks
    something for, with the fields to fill in and the 24-hour deadline."""
    items = worklist.worklist(request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    access.record_read_list(request.user, worklist.reads(page.object_list))
    return render(
        request,
        "ebirth/worklist.html",
        {
            "page": page,
            "total": len(items),
            "is_provider": access.is_care_provider(request.user),
            "overdue": sum(item.overdue for item in items),
        },
    )


# --- the exports (registrars) -----------------------------------------------------------------

# What each file holds of a record: the sections its download logs, per dossier.
SECTIONS_OF_KIND = {
    MessageKind.NOTIFICATION: (Section.IDENTITY, Section.DELIVERY, Section.NEWBORN),
    MessageKind.STATISTICAL: (Section.PRENATAL, Section.DELIVERY, Section.NEWBORN),
}
SECTIONS_OF_FILE = {
    FileFormat.CSV_NOTIFICATION: SECTIONS_OF_KIND[MessageKind.NOTIFICATION],
    FileFormat.CSV_STATISTICAL: SECTIONS_OF_KIND[MessageKind.STATISTICAL],
    FileFormat.XML: tuple(dict.fromkeys(sum(SECTIONS_OF_KIND.values(), ()))),
    FileFormat.FHIR: tuple(dict.fromkeys(sum(SECTIONS_OF_KIND.values(), ()))),
}
LOG_CHUNK = 2000


def progress(batch: ExportBatch) -> dict:
    """Where a batch is: checking births (first half), then writing files (second half).
    A list's batches come with ``message_count`` annotated (no query per row)."""
    messages_total = getattr(batch, "message_count", None)
    if messages_total is None:
        messages_total = batch.messages.count()
    if batch.status == BatchStatus.DONE:
        percent = 100
    elif batch.status == BatchStatus.QUEUED or not batch.births_to_check:
        percent = 0
    elif batch.births_checked < batch.births_to_check:
        percent = 50 * batch.births_checked // batch.births_to_check
    else:
        percent = 50 + 50 * batch.messages_written // max(messages_total, 1)
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "percent": min(percent, 100),
        "births_checked": batch.births_checked,
        "births_to_check": batch.births_to_check,
        "births_held_back": batch.births_held_back,
        "messages": messages_total,
        "messages_written": batch.messages_written,
        "error": batch.error,
        "finished": batch.status in (BatchStatus.DONE, BatchStatus.FAILED),
    }


@login_required
def exports_page(request):
    access.require_run_export(request.user)
    batches = (
        ExportBatch.objects.select_related("requested_by")
        .prefetch_related("files")
        .annotate(message_count=Count("messages"))
        .order_by("-number")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"batch": batch, "progress": progress(batch)} for batch in page.object_list]
    return render(
        request,
        "ebirth/exports.html",
        {
            "page": page,
            "rows": rows,
            "running": any(not row["progress"]["finished"] for row in rows),
        },
    )


@login_required
@require_POST
def export_start(request):
    """Queue a batch and hand it to the worker; one unfinished batch at a time. A running
    batch whose worker is gone (its lease ran out) is taken over at once."""
    access.require_run_export(request.user)
    waiting = ExportBatch.objects.filter(status__in=export.UNFINISHED).first()
    if waiting is not None and waiting.worker_gone(timezone.now()):
        # Its worker stopped renewing the lease: a new task finishes it (under the export
        # lock, so a worker that is only slow is never doubled: the new task then finds
        # the export busy and leaves the batch to it).
        transaction.on_commit(_hand_to_worker)
        messages.success(
            request,
            _(
                "Export %(name)s had stopped (its worker is gone); it is "
                "taken over, its progress is shown below."
            )
            % {"name": waiting.name},
        )
        return redirect("ebirth:exports")
    if waiting is not None and waiting.status != BatchStatus.FAILED:
        messages.info(
            request,
            _("Export %(name)s is still running; it is shown below.") % {"name": waiting.name},
        )
        return redirect("ebirth:exports")
    if waiting is not None:  # tried again: its messages are claimed and must still leave
        batch = waiting
        ExportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED, error="")
        text = _("Export %(name)s had failed; it is tried again, its progress is shown below.")
    else:
        batch = export.new_batch(requested_by=request.user)
        text = _("Export %(name)s has started; its progress is shown below.")
    transaction.on_commit(_hand_to_worker)
    messages.success(request, text % {"name": batch.name})
    return redirect("ebirth:exports")


def _hand_to_worker() -> None:
    """Start the task; when the broker cannot be reached the batch stays queued and the
    next scheduled run finishes it (nothing is lost)."""
    from ebirth.tasks import export_births

    try:
        export_births.apply_async(kwargs={"scheduled": False}, retry=False)
    except Exception as error:  # kombu/redis errors differ per transport; all mean "later"
        logger.warning("eBirth export waits for the scheduled run: broker unavailable (%s)", error)


@login_required
def export_progress(request, export_id):
    access.require_run_export(request.user)
    return JsonResponse(progress(get_object_or_404(ExportBatch, public_id=export_id)))


def _log_download(user, batch: ExportBatch, file_format: str) -> None:
    """One download event per record in the file, listing the sections the file holds (in
    chunks: a year's batch holds every birth of the year)."""
    sections = SECTIONS_OF_FILE[file_format]
    dossier_ids = batch.messages.order_by().values_list("newborn__dossier_id", flat=True).distinct()
    dossiers = Dossier.objects.filter(pk__in=dossier_ids).only("pk", "public_id").order_by("pk")
    after = 0
    while chunk := list(dossiers.filter(pk__gt=after)[:LOG_CHUNK]):
        audit.append(user, [(d, "", sections) for d in chunk], action=Action.DOWNLOAD)
        after = chunk[-1].pk


@login_required
def export_download(request, export_id, file_format):
    access.require_run_export(request.user)
    batch = get_object_or_404(ExportBatch, public_id=export_id, status=BatchStatus.DONE)
    exported = get_object_or_404(batch.files, format=file_format)
    path = export.batch_folder(batch) / exported.name
    if not path.is_file():
        raise Http404(
            _(
                "The file of this export is no longer on the server; start a new "
                "export or ask an administrator to restore it."
            )
        )
    _log_download(request.user, batch, file_format)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=exported.name)
    response["X-Checksum-SHA256"] = exported.sha256
    return response
