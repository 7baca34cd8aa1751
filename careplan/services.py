"""Every change to a care plan, one transaction each: the access rule, the check of the
plan, a new immutable version, the access log, and a message to the network (R16).

An edit names the version it started from (``base_number``). When someone saved in
between, ``PlanConflict`` is raised and nothing is written: the page shows what changed and
offers the merged plan (``careplan.content.merge``); the API answers 412."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from careplan import content as plan_content
from careplan import messages
from careplan.models import Annotation, CarePlan, PlanVersion
from config.prepared import STAND_IN_ID, Prepared
from dossier.models import Dossier, lock_dossier
from dossier.sections import Section
from network import access
from network.models import Membership
from network.services import notify_section_readers


class PlanConflict(Exception):
    """The plan was saved by someone else since ``base_number``."""

    def __init__(self, *, base_number: int, current: PlanVersion, mine: dict[str, Any]):
        super().__init__(f"version {base_number} is not the current {current.number}")
        self.base_number, self.current, self.mine = base_number, current, mine


def member_names(dossier: Dossier, *, active_only: bool = False) -> dict[str, str]:
    """Member public id (the professional's) → name, for the plan's references to members.
    Former members keep their name in old versions."""
    memberships = (_ACTIVE_MEMBERS if active_only else _EVER_MEMBERS)(dossier_id=dossier.pk)
    return {
        str(m.professional.public_id): m.professional.user.get_full_name()
        or m.professional.user.username
        for m in memberships
    }


def _members(dossier_id: int, *, active_only: bool) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(dossier_id=dossier_id).select_related(
        "professional__user"
    )
    return memberships.filter(ended_at__isnull=True) if active_only else memberships


# compiled once: every plan page names its members
_EVER_MEMBERS = Prepared(
    lambda dossier_id: _members(dossier_id, active_only=False), dossier_id=STAND_IN_ID
)
_ACTIVE_MEMBERS = Prepared(
    lambda dossier_id: _members(dossier_id, active_only=True), dossier_id=STAND_IN_ID
)


def version_content(plan: CarePlan | None, number: int) -> dict[str, Any]:
    if plan is None or number == 0:
        return plan_content.empty_plan()
    content: dict[str, Any] = PlanVersion.objects.get(plan=plan, number=number).content
    return content


@transaction.atomic
def plan_save(
    *,
    actor: User,
    dossier: Dossier,
    content: dict[str, Any],
    base_number: int,
    reason: str = "",
    restored_from: int | None = None,
) -> PlanVersion:
    """Save the plan as a new version, if ``base_number`` is still the current one."""
    dossier = lock_dossier(dossier.pk)
    access.require_change_plan(actor, dossier)
    plan, _created = CarePlan.objects.get_or_create(dossier=dossier)
    if plan.current_number != base_number and plan.current_number == 0:
        raise ValidationError(
            _("This form does not match the plan: reload the plan and try again."),
            code="unknown_version",
        )
    if plan.current_number != base_number:
        raise PlanConflict(
            base_number=base_number,
            mine=content,
            current=PlanVersion.objects.get(plan=plan, number=plan.current_number),
        )
    clean = plan_content.check(content, members=set(member_names(dossier, active_only=True)))
    changed = sorted(plan_content.changed_paths(version_content(plan, base_number), clean))
    if not changed and restored_from is None:
        raise ValidationError(
            _("Nothing has changed in the plan: there is no new version to save."), code="unchanged"
        )
    plan.current_number += 1
    plan.save(update_fields=["current_number", "updated_at"])
    version = PlanVersion.objects.create(
        plan=plan,
        number=plan.current_number,
        author=actor,
        reason=reason.strip()[:300],
        content=clean,
        changed=changed,
        restored_from=restored_from,
        by_mother=access.is_mother_of(actor, dossier),
    )
    access.record_write(
        actor,
        dossier,
        Section.CAREPLAN,
        access.Action.CREATE if version.number == 1 else access.Action.UPDATE,
    )
    messages.version_saved(dossier, version, actor)
    messages.appointments_changed(dossier, version, version_content(plan, base_number))
    notify_section_readers(
        dossier,
        Section.CAREPLAN,
        gettext_noop("A care plan you follow has a new version (%(number)s)."),
        exclude=actor,
        number=version.number,
    )
    return version


def plan_restore(
    *, actor: User, dossier: Dossier, number: int, base_number: int, reason: str = ""
) -> PlanVersion:
    """An old version becomes the newest again, as a new version (nothing is rewritten)."""
    plan = CarePlan.objects.get(dossier=dossier)
    old = PlanVersion.objects.get(plan=plan, number=number)
    return plan_save(
        actor=actor,
        dossier=dossier,
        content=old.content,
        base_number=base_number,
        restored_from=number,
        reason=reason or _("Version %(number)s restored") % {"number": number},
    )


@transaction.atomic
def annotation_add(
    *, actor: User, version: PlanVersion, path: str, text: str, reply_to: Annotation | None = None
) -> Annotation:
    """A remark on one part of a version, or a reply to one: by whoever may read the plan
    (the mother annotates, providers reply)."""
    dossier = version.plan.dossier
    access.require_view(actor, dossier, Section.CAREPLAN)
    if path not in plan_content.flatten(version.content):
        raise ValidationError(
            {
                "path": _("This part is not in version %(number)s of the plan.")
                % {"number": version.number}
            }
        )
    if reply_to is not None and (reply_to.version_id != version.pk or reply_to.path != path):
        raise ValidationError(_("A reply stays with the remark it answers."))
    annotation = Annotation(
        version=version, path=path, author=actor, text=text.strip(), reply_to=reply_to
    )
    if not annotation.text:
        raise ValidationError({"text": _("Write your remark first.")})
    annotation.full_clean()
    annotation.save()
    access.record_write(actor, dossier, Section.CAREPLAN, access.Action.CREATE)
    notify_section_readers(
        dossier,
        Section.CAREPLAN,
        gettext_noop("A remark was written on a care plan you follow (version %(number)s)."),
        exclude=actor,
        number=version.number,
    )
    return annotation


@transaction.atomic
def plan_acknowledge(*, actor: User, dossier: Dossier) -> CarePlan:
    """The coordinator has seen the plan as it is now (the mother's changes leave her watch
    list)."""
    dossier = lock_dossier(dossier.pk)
    if not access.is_coordinator(actor, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator marks the plan as seen."),
            dossier=dossier,
            section=Section.CAREPLAN,
        )
    plan = CarePlan.objects.get(dossier=dossier)
    plan.acknowledged_number = plan.current_number
    plan.save(update_fields=["acknowledged_number", "updated_at"])
    access.record_write(actor, dossier, Section.CAREPLAN)
    return plan
