"""Parent groups (R27): who may do what, the writes (one transaction each, logged) and what
the pages read. The models and the privacy rule: ``careplan.group_models``.

- **Organisers**: the professionals of the group's organisation create the group, plan its
  sessions and record the attendance. They are not in the mothers' care networks: they
  see a mother's name only when she accepted the referral, and each time they are shown
  it her access log gets a read of her identity by them.
- **Referring**: a member of her network who may change the care-plan section (the
  boundary's ``writes``), from the plan's page; the referral is part of the care plan.
- **Answering**: the mother herself accepts or declines; a referral is withdrawn by a
  member who may change the care plan."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careplan.group_models import (
    OPEN_STATUSES,
    Attendance,
    GroupReferral,
    GroupSession,
    ParentGroup,
    ReferralStatus,
)
from config.prepared import STAND_IN_ID, STAND_IN_IDS, STAND_IN_TIME, Prepared
from dossier.models import Dossier, lock_dossier
from dossier.sections import Section
from network import access, audit
from network.access import AnyUser
from network.models import Action, Organisation
from network.names import shown_name

# --- who ------------------------------------------------------------------------------------


def organisation_of(user: AnyUser) -> Organisation | None:
    if not access.is_care_provider(user):
        return None
    return user.professional.organisation


def can_organise(user: AnyUser, group: ParentGroup) -> bool:
    organisation = organisation_of(user)
    return organisation is not None and organisation.pk == group.organisation_id


def require_organisation(user: AnyUser) -> Organisation:
    organisation = organisation_of(user)
    if organisation is None:
        raise PermissionDenied(_("Only a professional of an organisation runs parent groups."))
    return organisation


def organised_group(user: AnyUser, public_id: uuid.UUID | str) -> ParentGroup:
    """A group the user organises; any other is a 404, as if it did not exist."""
    group = ParentGroup.objects.select_related("organisation").filter(public_id=public_id).first()
    if group is None or not can_organise(user, group):
        raise Http404
    return group


def require_mother_answer(user: AnyUser, dossier: Dossier) -> None:
    if not access.is_mother_of(user, dossier):
        raise access.AccessDenied(
            _("Only the mother accepts or declines a parent group."), dossier=dossier
        )


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def group_create(*, actor: User, group: ParentGroup) -> ParentGroup:
    group.organisation = require_organisation(actor)
    group.created_by = actor
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def session_add(*, actor: User, session: GroupSession) -> GroupSession:
    if not can_organise(actor, session.group):
        raise PermissionDenied(_("Only the group's organisation plans its sessions."))
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def referral_create(*, actor: User, dossier: Dossier, group: ParentGroup) -> GroupReferral:
    """A member who may change the care plan refers the mother (checked by the boundary
    and here: the section's edit level, and a professional, not the mother)."""
    dossier = lock_dossier(dossier.pk)
    access.require_edit(actor, dossier, Section.CAREPLAN)
    if not access.is_care_provider(actor):
        raise access.AccessDenied(
            _("A member of the care network refers to a parent group."), dossier=dossier
        )
    if not group.active:
        raise ValidationError(
            {"group": _("This group takes no new referrals.")}, code="group_closed"
        )
    referral = GroupReferral(group=group, dossier=dossier, referred_by=actor)
    if GroupReferral.objects.filter(
        group=group, dossier=dossier, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(
            {"group": _("This mother is already referred to this group.")}, code="referred"
        )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as error:  # the same referral saved in between
        raise ValidationError(
            {"group": _("This mother is already referred to this group.")}, code="referred"
        ) from error
    audit.record_write(actor, dossier, Section.CAREPLAN, Action.CREATE)
    return referral


def _referral_for_update(dossier: Dossier, public_id: uuid.UUID | str) -> GroupReferral:
    referral = (
        GroupReferral.objects.select_for_update()
        .filter(dossier=dossier, public_id=public_id)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@transaction.atomic
def referral_answer(
    *, actor: User, dossier: Dossier, public_id: uuid.UUID | str, accept: bool
) -> GroupReferral:
    """The mother accepts (her name is then shown to the organisers) or declines."""
    require_mother_answer(actor, dossier)
    referral = _referral_for_update(dossier, public_id)
    if referral.status not in OPEN_STATUSES:
        raise ValidationError(_("This referral was withdrawn or declined already."))
    referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    referral.answered_at, referral.answered_by = timezone.now(), actor
    referral.save(update_fields=["status", "answered_at", "answered_by", "updated_at"])
    audit.record_write(actor, dossier, Section.CAREPLAN)
    return referral


@transaction.atomic
def referral_withdraw(
    *, actor: User, dossier: Dossier, public_id: uuid.UUID | str
) -> GroupReferral:
    access.require_edit(actor, dossier, Section.CAREPLAN)
    referral = _referral_for_update(dossier, public_id)
    if referral.status in OPEN_STATUSES:
        referral.status = ReferralStatus.WITHDRAWN
        referral.save(update_fields=["status", "updated_at"])
        audit.record_write(actor, dossier, Section.CAREPLAN)
    return referral


@transaction.atomic
def attendance_record(*, actor: User, session: GroupSession, present: set[str]) -> int:
    """Record who came (``present``: public ids of accepted referrals); every accepted
    referral of the group gets a row for this session. Logged on each mother's record."""
    if not can_organise(actor, session.group):
        raise PermissionDenied(_("Only the group's organisation records the attendance."))
    referrals = list(
        GroupReferral.objects.filter(group=session.group, status=ReferralStatus.ACCEPTED)
        .select_related("dossier")
        .order_by("pk")
    )
    for referral in referrals:
        Attendance.objects.update_or_create(
            session=session,
            referral=referral,
            defaults={"present": str(referral.public_id) in present, "recorded_by": actor},
        )
    audit.append(
        actor,
        [(r.dossier, "", [Section.CAREPLAN]) for r in referrals],
        action=Action.UPDATE,
    )
    return len(referrals)


# --- reads ----------------------------------------------------------------------------------


def groups_of(user: AnyUser) -> QuerySet[ParentGroup]:
    """The groups of the user's organisation, with their next session and counts."""
    organisation = organisation_of(user)
    if organisation is None:
        return ParentGroup.objects.none()
    now = timezone.now()
    return ParentGroup.objects.filter(organisation=organisation).annotate(
        next_session=Min("sessions__starts_at", filter=Q(sessions__starts_at__gte=now)),
        members=Count(
            "referrals", filter=Q(referrals__status=ReferralStatus.ACCEPTED), distinct=True
        ),
        waiting=Count(
            "referrals", filter=Q(referrals__status=ReferralStatus.PROPOSED), distinct=True
        ),
    )


def group_page(user: User, group: ParentGroup) -> dict[str, object]:
    """The organiser's page: the sessions, and per session who came — by name for the
    accepted referrals (logged as a read of each mother's identity), a count for the
    others."""
    sessions = list(group.sessions.order_by("starts_at"))
    accepted = list(
        GroupReferral.objects.filter(group=group, status=ReferralStatus.ACCEPTED)
        .select_related("dossier__mother")
        .order_by("answered_at", "pk")
    )
    present = set(
        Attendance.objects.filter(session__group=group, present=True).values_list(
            "session_id", "referral_id"
        )
    )
    members = [
        {
            "referral": r,
            "name": shown_name(
                r.dossier.mother, reader=user, dossier=r.dossier, may_see_identity=True
            ),
        }
        for r in accepted
    ]
    audit.record_read_list(user, [(r.dossier, Section.IDENTITY) for r in accepted])
    return {
        "group": group,
        "members": members,
        "waiting": GroupReferral.objects.filter(
            group=group, status=ReferralStatus.PROPOSED
        ).count(),
        "sessions": [
            {
                "session": session,
                "rows": [
                    {**member, "present": (session.pk, referral.pk) in present}
                    for member, referral in zip(members, accepted, strict=True)
                ],
            }
            for session in sessions
        ],
    }


# the plan page's card, compiled once: the record's referrals, the groups open to it
_REFERRALS = Prepared(
    lambda dossier_id, now: (
        GroupReferral.objects.filter(dossier_id=dossier_id)
        .select_related("group__organisation", "referred_by")
        .annotate(
            attended=Count("attendance", filter=Q(attendance__present=True)),
            next_session=Min(
                "group__sessions__starts_at", filter=Q(group__sessions__starts_at__gte=now)
            ),
        )
        .order_by("-created_at")
    ),
    dossier_id=STAND_IN_ID,
    now=STAND_IN_TIME,
)
_OPEN_GROUPS = Prepared(
    lambda referred: (
        ParentGroup.objects.filter(active=True)
        .exclude(pk__any=referred)
        .select_related("organisation")
    ),
    referred=STAND_IN_IDS,
)


def plan_card(user: AnyUser, dossier: Dossier, *, can_refer: bool) -> dict[str, object]:
    """The care plan's card: this record's referrals with their next session and the
    sessions attended, and the groups open for a new referral."""
    referrals = _REFERRALS(dossier_id=dossier.pk, now=timezone.now())
    referred = sorted({r.group_id for r in referrals if r.status in OPEN_STATUSES})
    groups = _OPEN_GROUPS(referred=referred) if can_refer else []
    return {
        "referrals": referrals,
        "groups": groups,
        "can_refer": can_refer and access.is_care_provider(user),
        "is_mother": access.is_mother_of(user, dossier),
    }
