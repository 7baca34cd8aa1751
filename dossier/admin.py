from django.contrib import admin

from dossier.models import Delivery, Dossier, Mother, Newborn
from network import access


@admin.register(Mother)
class MotherAdmin(admin.ModelAdmin):
    list_display = ["family_name", "given_name", "date_of_birth", "municipality", "province"]
    list_filter = ["province", "preferred_language", "health_insurer"]
    search_fields = ["family_name", "given_name", "insz", "municipality"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        """Linking or unlinking her login changes who may open her dossiers."""
        super().save_model(request, obj, form, change)
        if "user" in form.changed_data:
            access.recompute_for_mother(obj)


class NewbornInline(admin.StackedInline):
    model = Newborn
    extra = 0
    readonly_fields = ["public_id"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["mother", "expected_due_date", "status", "fetus_count", "created_at"]
    list_filter = ["status", "fetus_count", "mother__province"]
    search_fields = ["mother__family_name", "mother__given_name", "mother__insz"]
    list_select_related = ["mother"]
    raw_id_fields = ["mother", "created_by"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [NewbornInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["dossier", "born_at", "place", "mode", "admitted_at", "discharged_at"]
    list_filter = ["place", "mode", "presentation"]
    list_select_related = ["dossier__mother"]
    raw_id_fields = ["dossier"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(Newborn)
class NewbornAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dossier", "birth_order", "sex", "birth_weight_g", "status"]
    list_filter = ["sex", "vital_status", "status", "feeding"]
    search_fields = ["given_name", "family_name", "insz", "dossier__mother__family_name"]
    list_select_related = ["dossier__mother"]
    raw_id_fields = ["dossier"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
