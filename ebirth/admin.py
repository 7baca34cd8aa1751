"""The eBirth exports in the Django admin, for technical support: the batches and their
files with checksums, read-only. The messages themselves hold mothers' identities and are
not shown here (the registrar's page downloads them, with each download logged)."""

from django.contrib import admin

from dossier.admin import ReadOnlyAdmin
from ebirth.models import ExportBatch, ExportFile, OfficialBirths


class ExportFileInline(admin.TabularInline):
    model = ExportFile
    fields = ["format", "name", "size", "sha256"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "status",
        "created_at",
        "finished_at",
        "requested_by",
        "births_checked",
        "births_held_back",
        "messages_written",
    ]
    list_filter = ["status"]
    fields = [
        "number",
        "status",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "births_to_check",
        "births_checked",
        "births_held_back",
        "messages_written",
        "error",
    ]
    readonly_fields = fields
    inlines = [ExportFileInline]


@admin.register(OfficialBirths)
class OfficialBirthsAdmin(admin.ModelAdmin):
    """The official births of each year (Statbel), entered when published: the figures'
    coverage line compares the record's births with them."""

    list_display = ["year", "province", "births", "source"]
    list_filter = ["province"]
