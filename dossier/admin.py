"""The clinical records in the Django admin: for technical support, read-only (every change
goes through the services, which check access and write the log), and every record shown,
in a list or on its own page, is written to the access log as a read of its section, so
the mother sees it on "Wie bekeek mijn dossier" like any other look at her record."""

from django.contrib import admin

from dossier.models import Delivery, Dossier, Mother, Newborn
from dossier.sections import Section
from network import access


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for insight; changed only through the services (which check access, recompute
    permissions and write the logs), never by hand in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicalAdmin(ReadOnlyAdmin):
    section: str = ""

    def dossiers_of(self, obj) -> list[Dossier]:
        return [obj.dossier]

    def _log(self, request, objects) -> None:
        access.record_read_list(
            request.user,
            [(dossier, self.section) for obj in objects for dossier in self.dossiers_of(obj)],
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log(request, changelist.result_list)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None:
            self._log(request, [original])
        return response


@admin.register(Mother)
class MotherAdmin(ClinicalAdmin):
    section = Section.IDENTITY
    list_display = ["family_name", "given_name", "date_of_birth", "municipality", "province"]
    list_filter = ["province", "preferred_language", "health_insurer"]
    search_fields = ["family_name", "given_name", "insz", "municipality"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        """Only her login can be linked here (an account that already existed); her
        details are changed on the record's pages, through the services."""
        return [f.name for f in Mother._meta.fields if f.name not in {"id", "user"}]

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "user" in form.changed_data:
            access.recompute_for_mother(obj)
            for dossier in obj.dossiers.all():
                access.record_write(request.user, dossier, Section.IDENTITY)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("dossiers")

    def dossiers_of(self, obj):
        return list(obj.dossiers.all())


@admin.register(Dossier)
class DossierAdmin(ClinicalAdmin):
    section = Section.PRENATAL
    list_display = ["public_id", "expected_due_date", "status", "fetus_count", "created_at"]
    list_filter = ["status", "fetus_count", "mother__province"]
    search_fields = ["=public_id"]
    # retention: changed only by `manage.py retention`, which records the decision
    readonly_fields = [
        "public_id",
        "created_at",
        "updated_at",
        "legal_hold",
        "legal_hold_reason",
        "legal_hold_by",
        "pseudonymised_at",
    ]

    def dossiers_of(self, obj):
        return [obj]


@admin.register(Delivery)
class DeliveryAdmin(ClinicalAdmin):
    section = Section.DELIVERY
    list_display = ["dossier_id", "born_at", "place", "mode", "admitted_at", "discharged_at"]
    list_filter = ["place", "mode", "presentation"]
    list_select_related = ["dossier"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(Newborn)
class NewbornAdmin(ClinicalAdmin):
    section = Section.NEWBORN
    list_display = ["public_id", "dossier_id", "birth_order", "sex", "birth_weight_g", "status"]
    list_filter = ["sex", "vital_status", "status", "feeding"]
    search_fields = ["=public_id", "insz"]
    list_select_related = ["dossier"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
