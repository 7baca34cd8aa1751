from django.contrib import admin

from network.models import Organisation, Professional


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "municipality"]


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profession", "riziv_number", "organisation"]
    list_filter = ["profession", "organisation__kind"]
    search_fields = ["user__first_name", "user__last_name", "riziv_number"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user"]
