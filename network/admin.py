from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dossier.admin import ReadOnlyAdmin
from network.models import (
    AccessEvent,
    ConsentRule,
    Membership,
    Notification,
    Organisation,
    Professional,
    RoleDefault,
)
from network.tasks import recompute_role


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "municipality"]


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profession", "riziv_number", "organisation", "municipality"]
    list_filter = ["profession", "organisation__kind"]
    search_fields = ["user__first_name", "user__last_name", "riziv_number"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "professional", "role", "started_at", "ended_at", "end_reason"]
    list_filter = ["role", "end_reason"]
    list_select_related = ["dossier__mother", "professional__user"]
    search_fields = ["professional__user__last_name", "dossier__mother__family_name"]


@admin.register(ConsentRule)
class ConsentRuleAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "section", "role", "membership", "level", "updated_at"]
    list_filter = ["section", "level", "role"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "dossier_ref", "section", "action", "outcome",
                    "request_id"]
    list_filter = ["action", "outcome", "section"]
    search_fields = ["actor_label", "dossier_ref", "request_id"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Delivery status only: the text names the mother and is for its recipient."""

    list_display = ["recipient", "dossier", "created_at", "read_at"]
    fields = ["recipient", "dossier", "created_at", "read_at"]
    readonly_fields = fields


@admin.register(RoleDefault)
class RoleDefaultAdmin(admin.ModelAdmin):
    """The role × section defaults (R4): editable, never above the role's legal limit; a
    change is applied to every network where the role has a member."""

    list_display = ["role", "section", "level"]
    list_editable = ["level"]
    list_filter = ["role", "section"]
    ordering = ["role", "section"]

    def has_add_permission(self, request):
        return False  # every role × section row exists (seeded); only its level changes

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: recompute_role.delay(obj.role))
        messages.info(request, _("The networks with a %(role)s are being updated.")
                      % {"role": obj.get_role_display().lower()})


