"""Every change to a care network and to the mother's consent, one transaction each:
check the rule, write, recompute the dossier's permissions (``network.access``), log the
write and notify the people concerned (R10, R11, R4)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any, TypeAlias

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from dossier.history import attribute
from dossier.models import Dossier, lock_dossier
from dossier.sections import Section
from network import access, audit, messaging, notices, outbox
from network.models import (
    Action,
    Channel,
    Concern,
    ConsentRule,
    EndReason,
    Level,
    Membership,
    Notification,
    Professional,
    Role,
    Urgency,
)

# A notice: a msgid (``gettext_noop``) with its parameters, or several as (msgid, params).
NoticeMessage: TypeAlias = str | list[tuple[str, dict[str, Any]]]
# ``_readers_sql``: the SQL, its parameters, where the dossier's and the excluded user's ids go.
ReadersSql: TypeAlias = tuple[str, tuple[Any, ...], int, int | None]


def _lock(dossier: Dossier) -> Dossier:
    return lock_dossier(dossier.pk)


def _notify(
    dossier: Dossier | None,
    users: Iterable[User | None],
    message: NoticeMessage,
    *,
    about_section: str = "",
    **params: Any,
) -> None:
    """In-app messages, in one insert, stored as references and rendered when read
    (``network.notices``): in the reader's language and under the reader's rights of that
    moment. ``message`` is a translatable msgid (``gettext_noop``) with %(name)s
    placeholders filled from ``params`` — people, the mother, choices and moments are kept
    as ids and codes, never as rendered names — or a list of (msgid, params) for several.
    ``about_section``: the section the message tells of; a reader who may no longer see it
    is not shown the message (nor one about a dossier she may no longer open)."""
    stored = _stored(message, params)
    recipients = {u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                dossier=dossier,
                section=about_section,
                message=msgid,
                params=references,
            )
            for user in recipients
            for msgid, references in stored
        ]
    )


def _stored(message: NoticeMessage, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(msgid, references) per message as a notification row keeps them: ``message`` is a
    msgid with ``params``, or a list of (msgid, params)."""
    texts = message if isinstance(message, list) else [(message, params)]
    stored = []
    for msgid, values in texts:
        msgid = notices.msgid_of(msgid)
        references = notices.references(values)
        msgid % dict.fromkeys(references, "")  # a missing parameter fails here, not when read
        stored.append((msgid[:300], references))
    return stored


def notify(
    dossier: Dossier | None,
    users: Iterable[User | None],
    message: str,
    *,
    about_section: str = "",
    **params: Any,
) -> None:
    """In-app messages to these users, rendered when read (see ``_notify``)."""
    _notify(dossier, users, message, about_section=about_section, **params)


def notify_section_readers(
    dossier: Dossier,
    section: str,
    message: NoticeMessage,
    *,
    exclude: User | None = None,
    **params: Any,
) -> None:
    """An in-app message about a change in a section to everyone who may read it (members
    and the mother) but ``exclude``, who made it: nobody is left out (R16), nobody learns
    of a section not shared with them — also later: whoever loses the section no longer
    sees the message. The message links to the record."""
    exclude_id = getattr(exclude, "pk", None)
    _notify_in_one_statement(
        dossier,
        _readers_sql(section, exclude_id is not None),
        exclude_id,
        message,
        about_section=section,
        **params,
    )


_DOSSIER_MARK, _EXCLUDE_MARK = -7_771_001, -7_771_002  # no real id is negative


@functools.cache
def _readers_sql(section: str, excluding: bool) -> ReadersSql:
    """The SQL of ``access.users_who_see(dossier, section)`` (but one user), compiled once
    per section: building and compiling that queryset cost more than running it. Returns
    the SQL, its parameters, and where the dossier's and the excluded user's ids go."""
    readers = access.users_who_see(Dossier(pk=_DOSSIER_MARK), section)
    if excluding:
        readers = readers.exclude(pk=_EXCLUDE_MARK)
    sql, params = readers.select_related(None).values_list("pk").query.sql_with_params()
    if params.count(_DOSSIER_MARK) != 1 or params.count(_EXCLUDE_MARK) != excluding:
        raise RuntimeError("users_who_see: the dossier's and the user's ids are not found")
    return (
        sql,
        tuple(params),
        params.index(_DOSSIER_MARK),
        params.index(_EXCLUDE_MARK) if excluding else None,
    )


def _notify_in_one_statement(
    dossier: Dossier,
    readers: ReadersSql,
    exclude_id: int | None,
    message: NoticeMessage,
    *,
    about_section: str,
    **params: Any,
) -> None:
    """``_notify`` to the readers ``_readers_sql`` selects, as one INSERT … SELECT: the
    readers are not fetched into Python, so an alert's notices cost one statement, not two
    (bench/alerts.py, ``alert_eval_median_ms``). The rows are those ``_notify`` writes (the
    same msgids and references; ``public_id`` from PostgreSQL's ``gen_random_uuid()``)."""
    stored = [(msgid, json.dumps(references)) for msgid, references in _stored(message, params)]
    sql, readers_params, dossier_at, exclude_at = readers
    sql_params = list(readers_params)
    sql_params[dossier_at] = dossier.pk
    if exclude_at is not None:
        sql_params[exclude_at] = exclude_id
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO network_notification (public_id, created_at, updated_at, "
            "recipient_id, dossier_id, section, message, params, text) "
            # a microsecond apart, in the given order, as one by one (the inbox's order)
            "SELECT gen_random_uuid(), %s::timestamptz + m.n * interval '1 microsecond', %s, r.id, "
            "%s, %s, "
            "m.message, m.params, '' "
            f"FROM ({sql}) AS r(id) CROSS JOIN unnest(%s::text[], %s::jsonb[]) "
            "WITH ORDINALITY AS m(message, params, n) ORDER BY r.id, m.n",
            [
                now,
                now,
                dossier.pk,
                about_section,
                *sql_params,
                [msgid for msgid, _refs in stored],
                [refs for _msgid, refs in stored],
            ],
        )


def _network_users(dossier: Dossier) -> list[User | None]:
    """The active members' users and the mother's (``None`` while she has no login)."""
    users = [
        m.professional.user
        for m in Membership.objects.filter(dossier=dossier, ended_at__isnull=True).select_related(
            "professional__user"
        )
    ]
    return [*users, dossier.mother.user]


def _others(users: Iterable[User | None], actor: User) -> list[User]:
    """The recipients of a notice but the one who acted: nobody is told of their own
    action (issue 14)."""
    return [user for user in users if user is not None and user.pk != actor.pk]


def _require_manager(actor: User, dossier: Dossier) -> None:
    if not access.can_manage_network(actor, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator or the mother changes the network."), dossier=dossier
        )


def check_role_fits(professional: Professional, role: str) -> None:
    if role == Role.COORDINATOR:
        if professional.profession not in access.COORDINATING_PROFESSIONS:
            raise ValidationError(
                _("Only a midwife, gynaecologist or GP can be the care coordinator."),
                code="coordinator_profession",
            )
    elif role != professional.profession:
        raise ValidationError(
            _("%(name)s is a %(profession)s and cannot take the role “%(role)s”.")
            % {
                "name": professional,
                "profession": professional.get_profession_display().lower(),
                "role": Role(role).label,
            },
            code="role_profession",
        )


def _start(dossier: Dossier, professional: Professional, role: str, actor: User) -> Membership:
    check_role_fits(professional, role)
    try:
        with transaction.atomic():
            return Membership.objects.create(
                dossier=dossier,
                professional=professional,
                role=role,
                started_at=timezone.now(),
                added_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("%(name)s is already a member of this network.") % {"name": professional},
            code="already_member",
        ) from error


def _end(membership: Membership, reason: str, note: str = "") -> None:
    membership.ended_at = timezone.now()
    membership.end_reason = reason
    membership.end_note = note
    membership.save(update_fields=["ended_at", "end_reason", "end_note", "updated_at"])


@transaction.atomic
def membership_add(
    *, actor: User, dossier: Dossier, professional: Professional, role: str | None = None
) -> Membership:
    dossier = _lock(dossier)
    _require_manager(actor, dossier)
    membership = _start(dossier, professional, role or professional.profession, actor)
    access.recompute_permissions(dossier)
    audit.record_write(actor, dossier, "", Action.CREATE)
    _notify(
        dossier,
        _others(_network_users(dossier), actor),
        gettext_noop("%(member)s joined the care network of %(mother)s as %(role)s."),
        member=professional.user,
        mother=dossier.mother,
        role=notices.choice(Role(membership.role), lower=True),
    )
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership, reason: str, note: str = "") -> None:
    dossier = _lock(membership.dossier)
    _require_manager(actor, dossier)
    membership = Membership.objects.select_for_update(no_key=True).get(pk=membership.pk)
    if membership.ended_at is not None:
        raise ValidationError(_("This membership has already ended."), code="already_ended")
    if membership.role == Role.COORDINATOR:
        raise ValidationError(
            _("The care coordinator cannot simply leave: hand the role to another member first."),
            code="coordinator_must_hand_over",
        )
    if reason not in EndReason.values:
        raise ValidationError(_("Choose a reason for ending the membership."), code="reason")
    recipients = _network_users(dossier)
    _end(membership, reason, note)
    access.recompute_permissions(dossier)
    audit.record_write(actor, dossier, "", Action.UPDATE)
    _notify(
        dossier,
        _others(recipients, actor),
        gettext_noop("%(member)s left the care network of %(mother)s."),
        member=membership.professional.user,
        mother=dossier.mother,
    )


@transaction.atomic
def membership_replace(
    *,
    actor: User,
    membership: Membership,
    professional: Professional,
    reason: str = EndReason.PARENTS_CHOICE,
) -> Membership:
    """The parents' free choice (R11): another provider of the same profession takes over."""
    if membership.role == Role.COORDINATOR:
        raise ValidationError(
            _("Hand the coordinator role over instead of replacing the coordinator."),
            code="coordinator_must_hand_over",
        )
    if professional.profession != membership.professional.profession:
        raise ValidationError(
            _("Replace a member by a provider of the same profession."), code="replace_profession"
        )
    membership_end(actor=actor, membership=membership, reason=reason)
    return membership_add(
        actor=actor, dossier=membership.dossier, professional=professional, role=membership.role
    )


@transaction.atomic
def coordinator_hand_over(*, actor: User, dossier: Dossier, to: Membership) -> Membership:
    """The coordinator role moves to another active member; the former coordinator stays
    in the network in their profession's role. Checked by the database at commit."""
    dossier = _lock(dossier)
    _require_manager(actor, dossier)
    to = Membership.objects.select_for_update(no_key=True).get(pk=to.pk, dossier=dossier)
    if to.ended_at is not None or to.role == Role.COORDINATOR:
        raise ValidationError(
            _("Choose an active member who is not the coordinator yet."), code="handover_target"
        )
    check_role_fits(to.professional, Role.COORDINATOR)
    current = (
        Membership.objects.select_for_update(no_key=True)
        .filter(dossier=dossier, role=Role.COORDINATOR, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        _end(current, EndReason.REPLACED)
        _start(dossier, current.professional, current.professional.profession, actor)
    _end(to, EndReason.REPLACED)
    coordinator = _start(dossier, to.professional, Role.COORDINATOR, actor)
    access.recompute_permissions(dossier)
    audit.record_write(actor, dossier, "", Action.UPDATE)
    _notify(
        dossier,
        _others(_network_users(dossier), actor),
        gettext_noop("%(member)s is now the care coordinator of %(mother)s."),
        member=to.professional.user,
        mother=dossier.mother,
    )
    return coordinator


@transaction.atomic
def consent_set(
    *,
    actor: User,
    dossier: Dossier,
    section: str,
    level: int | None,
    role: str = "",
    membership: Membership | None = None,
) -> ConsentRule | None:
    """The mother's choice for a role or one member; ``level=None`` returns to the default.
    Takes effect on the very next request."""
    dossier = _lock(dossier)
    if not access.can_decide_consent(actor, dossier):
        raise access.AccessDenied(
            _("Only the mother decides who sees what of her record."),
            dossier=dossier,
            section=section,
        )
    target_role = membership.role if membership else role
    filters: dict[str, Any] = {"dossier": dossier, "section": section}
    filters.update({"membership": membership} if membership else {"role": role})
    if level is None:
        ConsentRule.objects.filter(**filters).delete()
        rule = None
    else:
        access.check_within_limit(target_role, section, Level(level))
        rule, _created = ConsentRule.objects.update_or_create(
            **filters, defaults={"level": level, "decided_by": actor}
        )
    access.recompute_permissions(dossier)
    audit.record_write(actor, dossier, section, Action.UPDATE)
    return rule


def _coordinators(dossier: Dossier) -> list[User]:
    return [
        m.professional.user
        for m in Membership.objects.filter(
            dossier=dossier,
            role=Role.COORDINATOR,
            ended_at__isnull=True,
        ).select_related("professional__user")
    ]


@transaction.atomic
def concern_raise(*, actor: User, dossier: Dossier, text: str, urgency: str) -> Concern:
    """A member or the mother signals a worrying situation (R28): it is saved and the
    coordinator is told at once, in-app. The message names the urgency, never the text:
    only the concerns page shows that, to the coordinator and to whoever signalled it."""
    dossier = _lock(dossier)
    access.require_can_raise_concern(actor, dossier)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent the situation is.")}, code="urgency")
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            {"text": _("Describe the situation: what did you see or hear that worries you?")},
            code="text_required",
        )
    concern = Concern(dossier=dossier, raised_by=actor, urgency=urgency, text=text)
    concern.full_clean()
    concern.save()
    audit.record_write(actor, dossier, Section.PSYCHOSOCIAL, Action.CREATE)
    _notify(
        dossier,
        [u for u in _coordinators(dossier) if u.pk != actor.pk],
        gettext_noop(
            "Worrying situation signalled in the record of %(mother)s: "
            "%(urgency)s. Open the record to read it."
        ),
        mother=dossier.mother,
        urgency=Urgency(urgency),
    )
    return concern


@transaction.atomic
def concern_acknowledge(*, actor: User, concern: Concern, response: str) -> Concern:
    """The coordinator acknowledges a signalled situation with what they did about it;
    whoever signalled it is told that the coordinator responded."""
    _lock(concern.dossier)
    concern = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("dossier__mother")
        .get(pk=concern.pk)
    )
    access.require_can_acknowledge_concern(actor, concern)
    if concern.acknowledged_at is not None:
        raise ValidationError(
            _("This worrying situation has already been acknowledged."), code="already_acknowledged"
        )
    response = (response or "").strip()
    if not response:
        raise ValidationError(
            {
                "response": _(
                    "Write what you did or will do about this "
                    "situation; the person who signalled it "
                    "reads it."
                )
            },
            code="response_required",
        )
    concern.acknowledged_at = timezone.now()
    concern.acknowledged_by = actor
    concern.response = response
    concern.full_clean()
    concern.save(update_fields=["acknowledged_at", "acknowledged_by", "response", "updated_at"])
    audit.record_write(actor, concern.dossier, Section.PSYCHOSOCIAL, Action.UPDATE)
    if concern.raised_by_id != actor.pk:
        _notify(
            concern.dossier,
            [concern.raised_by],
            gettext_noop(
                "The care coordinator responded to the worrying situation you "
                "signalled on %(date)s."
            ),
            date=concern.created_at,
        )
    return concern


@transaction.atomic
def mother_account_create(*, actor: User, dossier: Dossier, base_url: str) -> User:
    """The coordinator gives the mother her own login (R5): an account named after her
    e-mail address, without a password, and an e-mail in her language with a one-time link
    to choose one. Sent only once the transaction has committed."""
    dossier = _lock(dossier)
    if not access.is_coordinator(actor, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator creates the mother's account."), dossier=dossier
        )
    mother = dossier.mother
    if mother.user_id:
        raise ValidationError(_("The mother already has an account."), code="has_account")
    email = mother.email.strip().lower()
    if not email:
        raise ValidationError(
            _(
                "Fill in the mother's e-mail address first: the invitation "
                "to choose a password is sent there."
            ),
            code="no_email",
        )
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError(
            _(
                "An account with this e-mail address already exists. Ask the "
                "administrator to link it to this mother."
            ),
            code="taken",
        )
    attribute(actor, "account created for the mother")
    user = User.objects.create_user(
        username=email,
        email=email,
        password=None,
        first_name=mother.given_name,
        last_name=mother.family_name,
    )
    mother.user = user
    mother.save(update_fields=["user", "updated_at"])
    access.recompute_for_mother(mother)
    audit.record_write(actor, dossier, "identity", Action.UPDATE)
    link = base_url.rstrip("/") + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    language = messaging.language_for(user)
    with override(language):
        context = {
            "mother": mother,
            "link": link,
            "username": email,
            "coordinator": actor.get_full_name(),
        }
        subject = render_to_string("network/email/mother_invitation_subject.txt", context)
        body = render_to_string("network/email/mother_invitation.txt", context)
    outbox.enqueue(
        key=f"mother-invitation:{user.pk}",
        channel=Channel.EMAIL,
        recipient=user,
        address=email,
        dossier=dossier,
        subject=" ".join(subject.split()),
        body=body,
        language=language,
        sender_name=actor.get_full_name() or actor.get_username(),
        reply_to=actor.email,
    )
    return user


@transaction.atomic
def message_settings_save(
    *, actor: User, language: str, by_email: bool = True, by_sms: bool = True
) -> None:
    """ "Mijn berichten": a professional chooses the language of their messages and feed;
    the mother also turns e-mail or SMS of her appointments on or off. Written to the
    record's history (the mother's row) like every change of her identity data."""
    if language not in messaging.SUPPORTED:
        raise ValidationError({"language": _("Choose Dutch, French or English.")})
    professional = getattr(actor, "professional", None)
    if professional is not None:
        professional.language = language
        professional.save(update_fields=["language", "updated_at"])
        return
    mother = getattr(actor, "mother", None)
    if mother is None:
        raise PermissionDenied(_("Only care providers and mothers receive messages."))
    attribute(actor, "message settings")
    mother.preferred_language = language
    mother.messages_by_email, mother.messages_by_sms = by_email, by_sms
    mother.save(
        update_fields=["preferred_language", "messages_by_email", "messages_by_sms", "updated_at"]
    )
