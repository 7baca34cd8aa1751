"""Who answers tonight (R12, R13, R34): an organisation's on-call rota, the one rule that
says who is on call for a mother now, and her maternity ward contact.

**On call for a record now** (``on_call_now``) — the rule, in this one place:

1. the shift covering *now* in the organisation of the record's care coordinator;
2. else the shift covering now in the organisation of a midwife of her network (in the
   order they joined);
3. else her care coordinator herself (``OnCall.shift`` is then ``None``).

A shift covers ``start <= now < end``. The number to call: the shift's, else the
professional's, else the organisation's.

**The maternity ward contact** (``ward_contact``, R13): the ``ward_phone``/``ward_email`` of
the maternity ward where she gave birth (the delivery's ward, by name), else of the
coordinator's organisation, else of a maternity ward a member of her network works at.

**The rota's writes** (``shift_save``, ``shift_delete``): only a professional of the
organisation keeps its rota (``can_keep_rota``); one organisation's shifts never overlap
(checked under a lock on the organisation and guaranteed by the database's exclusion
constraint; either way the error names the field ``start``); a shift that is over is kept
as it was (it is the trace of who answered), a shift that has begun is shortened, not
deleted. Times are typed and shown in Europe/Brussels and stored in UTC."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.prepared import STAND_IN_IDS, STAND_IN_TIME, Prepared
from network import access
from network.models import (
    OnCallShift,
    Organisation,
    OrganisationKind,
    Profession,
    Professional,
    Role,
)

# Input guards, not clinical rules: a mistyped date must not put one person on call for
# months, nor fill the rota years ahead. A week is the longest turn a rota plans in one go
# (a week of on-call duty); a year ahead is as far as any practice plans.
MAX_SHIFT = datetime.timedelta(days=7)
MAX_AHEAD = datetime.timedelta(days=366)


@dataclass(frozen=True)
class OnCall:
    """Who answers for a record now: ``shift`` is ``None`` when nobody of the rota is on
    call and the coordinator answers herself."""

    professional: Professional
    phone: str
    shift: OnCallShift | None

    @property
    def name(self) -> str:
        user = self.professional.user
        return user.get_full_name() or user.get_username()


def own_number(professional: Professional) -> str:
    organisation = professional.organisation
    return professional.phone or (organisation.phone if organisation else "")


_SHIFTS_NOW = Prepared(
    lambda organisations, now: OnCallShift.objects.filter(
        organisation_id__any=organisations, start__lte=now, end__gt=now
    ).select_related("professional__user", "professional__organisation", "organisation"),
    organisations=STAND_IN_IDS,
    now=STAND_IN_TIME,
)


def on_call_now(
    dossier, *, now: datetime.datetime | None = None, members: list | None = None
) -> OnCall | None:
    """Who is on call for this record now (the rule in the module's docstring); ``None``
    only for a record without a coordinator. ``members``: ``access.network_of(dossier)``
    when the caller has it already. One query beyond the members."""
    now = now or timezone.now()
    members = access.network_of(dossier) if members is None else members
    coordinator = next((m.professional for m in members if m.role == Role.COORDINATOR), None)
    organisations = []
    if coordinator is not None and coordinator.organisation_id:
        organisations.append(coordinator.organisation_id)
    for member in members:
        professional = member.professional
        if (
            professional.profession == Profession.MIDWIFE
            and professional.organisation_id
            and professional.organisation_id not in organisations
        ):
            organisations.append(professional.organisation_id)
    if organisations:
        shifts = {
            shift.organisation_id: shift
            for shift in _SHIFTS_NOW(organisations=organisations, now=now)
        }
        for organisation_id in organisations:
            shift = shifts.get(organisation_id)
            if shift is not None:
                return OnCall(professional=shift.professional, phone=shift.number, shift=shift)
    if coordinator is None:
        return None
    return OnCall(professional=coordinator, phone=own_number(coordinator), shift=None)


def _has_contact(organisation: Organisation | None) -> bool:
    return organisation is not None and bool(organisation.ward_phone or organisation.ward_email)


def ward_contact(dossier, *, members: list | None = None) -> Organisation | None:
    """The organisation whose maternity ward contact an urgent alert reaches (see the
    module), or ``None`` when none of them has one."""
    members = access.network_of(dossier) if members is None else members
    delivery = getattr(dossier, "delivery", None)
    if delivery is not None and delivery.maternity_ward:
        ward = (
            Organisation.objects.filter(
                kind=OrganisationKind.MATERNITY_WARD, name__iexact=delivery.maternity_ward.strip()
            )
            .filter(~Q(ward_phone="") | ~Q(ward_email=""))
            .first()
        )
        if ward is not None:
            return ward
    coordinator = next((m.professional for m in members if m.role == Role.COORDINATOR), None)
    if coordinator is not None and _has_contact(coordinator.organisation):
        return coordinator.organisation
    return next(
        (
            m.professional.organisation
            for m in members
            if _has_contact(m.professional.organisation)
            and m.professional.organisation.kind == OrganisationKind.MATERNITY_WARD
        ),
        None,
    )


# --- the rota -------------------------------------------------------------------------------


def organisation_of(user: User) -> Organisation | None:
    professional = getattr(user, "professional", None)
    return professional.organisation if professional is not None else None


def can_keep_rota(user: User, organisation: Organisation) -> bool:
    """A professional of the organisation keeps its rota (and its ward contact)."""
    professional = getattr(user, "professional", None)
    return (
        user.is_authenticated
        and user.is_active
        and professional is not None
        and professional.organisation_id == organisation.pk
    )


def _require_keeper(user: User, organisation: Organisation) -> None:
    if not can_keep_rota(user, organisation):
        raise PermissionDenied(
            _("Only the care providers of an organisation keep its on-call rota.")
        )


def shifts_of(
    organisation: Organisation, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[OnCallShift]:
    """The organisation's shifts that overlap ``[start, end)``, in order."""
    return (
        OnCallShift.objects.filter(organisation=organisation, start__lt=end, end__gt=start)
        .select_related("professional__user", "organisation")
        .order_by("start")
    )


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def _overlap_error(shift: OnCallShift) -> ValidationError:
    other = (
        OnCallShift.objects.filter(
            organisation_id=shift.organisation_id, start__lt=shift.end, end__gt=shift.start
        )
        .exclude(pk=shift.pk)
        .select_related("professional__user")
        .first()
    )
    if other is None:
        return ValidationError(
            {
                "start": ValidationError(
                    _("On call from: another shift of your organisation overlaps this one."),
                    code="overlap",
                )
            }
        )
    user = other.professional.user
    return ValidationError(
        {
            "start": ValidationError(
                _(
                    "On call from: this shift overlaps the shift of %(name)s from %(start)s until "
                    "%(end)s. Shifts of one organisation follow each other; one may end when the "
                    "next "
                    "begins."
                )
                % {
                    "name": user.get_full_name() or user.get_username(),
                    "start": _local(other.start),
                    "end": _local(other.end),
                },
                code="overlap",
            )
        }
    )


def _check(shift: OnCallShift, now: datetime.datetime) -> None:
    """The rota's rules that need the clock or the other rows (the single-row rules are
    the model's and the form's)."""
    errors = {}
    if shift.professional_id and shift.professional.organisation_id != shift.organisation_id:
        errors["professional"] = ValidationError(
            _("Care provider on call: choose a care provider of your organisation."),
            code="other_organisation",
        )
    if shift.start and shift.end:
        if shift.end <= shift.start:
            errors["end"] = ValidationError(
                _("On call until: the shift must end after it begins."), code="end_before_start"
            )
        elif shift.end - shift.start > MAX_SHIFT:
            errors["end"] = ValidationError(
                _(
                    "On call until: a shift lasts at most %(days)d days; enter longer cover as "
                    "several shifts."
                )
                % {"days": MAX_SHIFT.days},
                code="too_long",
            )
        elif shift.end <= now:
            errors["end"] = ValidationError(
                _("On call until: this moment has passed; the rota is kept for now and later."),
                code="past",
            )
        if shift.start > now + MAX_AHEAD:
            errors["start"] = ValidationError(
                _("On call from: at most a year ahead."), code="too_far"
            )
    if errors:
        raise ValidationError(errors)


def shift_save(
    *, actor: User, shift: OnCallShift, now: datetime.datetime | None = None
) -> OnCallShift:
    """Add a shift to the rota of ``shift.organisation`` or change one, in one transaction
    under a lock on the organisation, so two people keeping the rota take turns and the
    overlap check holds when written."""
    _require_keeper(actor, shift.organisation)
    now = now or timezone.now()
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=shift.organisation_id).exists()
        if shift.pk is not None:
            before = OnCallShift.objects.get(pk=shift.pk)
            if before.organisation_id != shift.organisation_id:
                raise PermissionDenied(_("A shift stays in its organisation's rota."))
            if before.end <= now:
                raise ValidationError(
                    _("This shift is over: it stays as the trace of who was on call."), code="over"
                )
        shift.full_clean(validate_constraints=False)
        _check(shift, now)
        if (
            OnCallShift.objects.filter(
                organisation_id=shift.organisation_id, start__lt=shift.end, end__gt=shift.start
            )
            .exclude(pk=shift.pk)
            .exists()
        ):
            raise _overlap_error(shift)
        shift.changed_by = actor
        try:
            with transaction.atomic():  # the database's guarantee, should a check miss one
                shift.save()
        except IntegrityError as error:
            if "oncallshift_no_overlap" not in str(error):
                raise
            raise _overlap_error(shift) from error
    return shift


def shift_delete(*, actor: User, shift: OnCallShift, now: datetime.datetime | None = None) -> None:
    """Take a shift that has not begun off the rota (one that has begun is shortened
    instead: who answered stays known)."""
    _require_keeper(actor, shift.organisation)
    now = now or timezone.now()
    with transaction.atomic():
        current = OnCallShift.objects.select_for_update().filter(pk=shift.pk).first()
        if current is None:
            return  # deleted meanwhile: the result is the same
        if current.start <= now:
            raise ValidationError(
                _(
                    "This shift has begun: change its end instead of "
                    "deleting it, so who was on call stays known."
                ),
                code="begun",
            )
        current.delete()


def ward_contact_save(
    *, actor: User, organisation: Organisation, phone: str, email: str
) -> Organisation:
    """The organisation's maternity ward contact (who an unanswered urgent alert reaches
    after the on-call professional)."""
    _require_keeper(actor, organisation)
    organisation.ward_phone, organisation.ward_email = phone.strip(), email.strip()
    organisation.full_clean(
        exclude=[
            field.name
            for field in Organisation._meta.fields
            if field.name not in ("ward_phone", "ward_email")
        ]
    )
    organisation.save(update_fields=["ward_phone", "ward_email", "updated_at"])
    return organisation
