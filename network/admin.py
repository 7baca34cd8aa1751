import datetime

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dossier.admin import ClinicalAdmin, ReadOnlyAdmin
from dossier.sections import Section
from network import outbox
from network.models import (
    AccessEvent,
    Channel,
    ConsentRule,
    DeliveryStatus,
    Membership,
    Notification,
    Organisation,
    OutboxMessage,
    Professional,
    RoleDefault,
)
from network.tasks import recompute_role


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "province"]
    list_filter = ["kind", "province"]  # "province" empty: not chosen yet (migration 0013)
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
    """The access log, read-only. It is large (partitioned by month): browse it by date
    (the date hierarchy uses the BRIN index on ``at``) and don't count it whole."""

    list_display = ["at", "actor_label", "dossier", "dossier_ref", "shown_sections", "action"]
    list_display += ["outcome", "request_id"]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_label", "dossier_ref", "request_id"]
    date_hierarchy = "at"
    ordering = ["-at"]
    show_full_result_count = False

    @admin.display(description=_("sections"))
    def shown_sections(self, event):
        return ", ".join(event.get_sections_display())


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
        messages.info(
            request,
            _("The networks with a %(role)s are being updated.")
            % {"role": obj.get_role_display().lower()},
        )


STUCK = _("Stuck (its worker stopped)")


def outbox_states(now) -> dict[str, tuple[str, Q]]:
    """Where a message is, as operators ask: a ``sending`` message whose lease ran out is
    **stuck** (the worker sending it stopped) and is counted apart from the live ones, as
    ``outbox.backlog`` does."""
    return {
        "waiting": (DeliveryStatus.PENDING.label, Q(status=DeliveryStatus.PENDING)),
        "sending": (
            DeliveryStatus.SENDING.label,
            Q(status=DeliveryStatus.SENDING, leased_until__gte=now),
        ),
        "stuck": (STUCK, Q(status=DeliveryStatus.SENDING, leased_until__lt=now)),
        "failed": (DeliveryStatus.FAILED.label, Q(status=DeliveryStatus.FAILED)),
        "sent": (DeliveryStatus.SENT.label, Q(status=DeliveryStatus.SENT)),
    }


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in outbox_states(timezone.now()).items()]

    def queryset(self, request, queryset):
        state = outbox_states(timezone.now()).get(self.value())
        return queryset.filter(state[1]) if state else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ClinicalAdmin):
    """The outbox for operators: what was sent to whom, how far each message got and why
    one failed, with the backlog above the list. Read-only (a message is evidence of what
    was told); the one thing to do is "Send again" for a failed or stuck message, for
    whoever may change outbox messages.

    A subject or the start of an SMS can name the mother and an address can be hers, so a
    list or page shown is logged as a read of her identity, like the clinical records. The
    texts themselves are not shown: an invitation or password e-mail holds a live link."""

    section = Section.IDENTITY
    list_display = [
        "id",
        "created_at",
        "channel",
        "address",
        "summary",
        "state",
        "attempts",
        "next_attempt_at",
        "leased_until",
        "last_error",
        "request_id",
    ]
    list_filter = [OutboxStateFilter, "channel"]
    list_select_related = ["dossier"]
    search_fields = ["address", "key", "request_id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    fields = [
        "key",
        "channel",
        "recipient",
        "address",
        "language",
        "dossier",
        "sender_name",
        "reply_to",
        "summary",
        "calendar_method",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "leased_until",
        "sent_at",
        "last_error",
        "request_id",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    def dossiers_of(self, obj) -> list:
        return [obj.dossier] if obj.dossier_id else []

    @admin.display(description=_("subject or text"))
    def summary(self, obj) -> str:
        if obj.channel == Channel.SMS:
            return Truncator(obj.body).chars(60)
        return obj.subject

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj) -> str:
        if (
            obj.status == DeliveryStatus.SENDING
            and obj.leased_until is not None
            and obj.leased_until < timezone.now()
        ):
            return STUCK
        return obj.get_status_display()

    def has_retry_permission(self, request) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.action(description=_("Send again"), permissions=["retry"])
    def send_again(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True))
        requeued = outbox.retry(chosen)
        skipped = len(chosen) - requeued
        if requeued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message will be sent again.",
                    "%(count)d messages will be sent again.",
                    requeued,
                )
                % {"count": requeued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message skipped: only a failed or stuck message can be sent again.",
                    "%(count)d messages skipped: only failed or stuck messages can be sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def changelist_view(self, request, extra_context=None):
        backlog = outbox.backlog()
        states = outbox_states(timezone.now())
        summary = [
            (states[key][0], backlog[key], key) for key in ("waiting", "sending", "stuck", "failed")
        ]
        oldest = datetime.timedelta(seconds=backlog["oldest_waiting_seconds"])
        extra_context = {
            **(extra_context or {}),
            "outbox_backlog": summary,
            "outbox_oldest": oldest,
            "outbox_oldest_label": _("Oldest still to send"),
        }
        return super().changelist_view(request, extra_context)
