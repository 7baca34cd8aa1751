"""Requests to join a care network (issue 13: no existence oracle).

Whoever may open a record and types the INSZ of a mother already registered is not told so:
the page answers exactly as for a new mother (``dossier.services.dossier_open_or_join``),
and the attempt becomes a request to join her record. The request is logged on her record
(the access log's "asked to join", which she reads on "Wie bekeek mijn dossier"), her care
coordinator and she get an inbox notice, and one of them approves it (the membership starts
through ``network.services.membership_add``, which recomputes the permissions) or refuses
it (the requester is told, without a word about her). A pending or refused request gives
no access at all. Nothing the requester typed about her is compared with her record or
saved: a comparison would be an oracle of its own."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossier.models import Dossier, DossierStatus, Mother, lock_dossier
from network import access, audit, services
from network.models import Action, JoinDecision, JoinRequest, Membership, Role


def target_dossier(mother: Mother) -> Dossier | None:
    """The record a request to join is about: her current record (not closed), else her
    latest. From there the coordinator of a closed record can still let the requester in,
    who then opens the new pregnancy on it ("New pregnancy")."""
    return (
        Dossier.objects.filter(mother=mother)
        .annotate(
            closed=Case(
                When(status=DossierStatus.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "-created_at", "-pk")
        .first()
    )


def deciders(dossier: Dossier) -> list[User]:
    """Who approves or refuses a request: the active care coordinator and the mother (when
    she has her own login)."""
    users = [
        m.professional.user
        for m in Membership.objects.filter(
            dossier=dossier,
            role=Role.COORDINATOR,
            ended_at__isnull=True,
        ).select_related("professional__user")
    ]
    if dossier.mother.user_id:
        users.append(dossier.mother.user)
    return users


@transaction.atomic
def join_request_create(*, actor: User, dossier: Dossier) -> JoinRequest:
    """Ask to join this record's network in the requester's own profession. Every attempt is
    logged on the record; a request still pending is returned as it is (idempotent: no
    second request, no second notice)."""
    access.require_can_open(actor)  # only who may open a record reaches this
    dossier = lock_dossier(dossier.pk)
    professional = actor.professional
    audit.record(actor=actor, dossier=dossier, sections=[""], action=Action.JOIN)
    pending = (
        JoinRequest.objects.pending().filter(dossier=dossier, professional=professional).first()
    )
    if pending is not None:
        return pending
    request = JoinRequest.objects.create(
        dossier=dossier, professional=professional, role=professional.profession
    )
    services.notify(
        dossier,
        deciders(dossier),
        gettext_noop(
            "%(member)s asked to join the care network of this record. "
            "The care coordinator or the mother approves or refuses it "
            "on the network page."
        ),
        member=actor,
    )
    return request


def on_known_mother(sender, *, mother: Mother, actor: User, **kwargs) -> JoinRequest | None:
    """Receiver of ``dossier.signals.known_mother_opening`` (connected in ``apps.py``)."""
    dossier = target_dossier(mother)
    if dossier is None:  # every mother is saved with her first record; kept for safety
        return None
    return join_request_create(actor=actor, dossier=dossier)


@transaction.atomic
def join_request_decide(
    *, actor: User, join_request: JoinRequest, approve: bool, note: str = ""
) -> JoinRequest:
    """The coordinator or the mother approves (the requester becomes a member in the role
    asked) or refuses (the requester is told it was not approved, nothing more)."""
    dossier = lock_dossier(join_request.dossier_id)
    if not access.can_manage_network(actor, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator or the mother changes the network."), dossier=dossier
        )
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("professional__user")
        .get(pk=join_request.pk, dossier=dossier)
    )
    if not join_request.is_pending:
        raise ValidationError(
            {
                "decision": ValidationError(
                    _("This request has already been decided."), code="already_decided"
                )
            }
        )
    note = (note or "").strip()
    if len(note) > JoinRequest.NOTE_MAX:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Note: at most %(max)s characters.") % {"max": JoinRequest.NOTE_MAX},
                    code="max_length",
                )
            }
        )
    requester = join_request.professional
    if (
        approve
        and not Membership.objects.filter(
            dossier=dossier, professional=requester, ended_at__isnull=True
        ).exists()
    ):
        services.membership_add(
            actor=actor, dossier=dossier, professional=requester, role=join_request.role
        )
    join_request.decision = JoinDecision.APPROVED if approve else JoinDecision.REFUSED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.note = note
    join_request.full_clean()
    join_request.save(update_fields=["decision", "decided_at", "decided_by", "note", "updated_at"])
    if approve:
        services.notify(
            dossier,
            [requester.user],
            gettext_noop(
                "Your request to join a care network was approved: the record is now in your list."
            ),
        )
    else:
        audit.record_write(actor, dossier, "", Action.UPDATE)
        # No record named: the requester may not open it.
        services.notify(
            None,
            [requester.user],
            gettext_noop("Your request to join a care network was not approved."),
        )
    return join_request


def requests_of(user: User) -> QuerySet[JoinRequest]:
    """The requester's own requests, newest first: their moment, role and state only."""
    if not access.is_care_provider(user):
        return JoinRequest.objects.none()
    return (
        JoinRequest.objects.filter(professional__user=user)
        .select_related("dossier")
        .order_by("-created_at", "-pk")
    )


def requests_for(dossier: Dossier) -> QuerySet[JoinRequest]:
    """A record's requests for its coordinator and the mother: pending first."""
    return (
        JoinRequest.objects.filter(dossier=dossier)
        .select_related("professional__user", "professional__organisation", "decided_by")
        .annotate(
            done=Case(
                When(decision="", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("done", "-created_at", "-pk")
    )
