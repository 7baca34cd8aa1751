"""Pages of the care network: the coordinator's network page, the mother's "Wie ziet wat?"
and "Wie bekeek mijn dossier", and the inbox. Access decisions come from
``network.access``; writes from ``network.services``."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dossier.sections import Section
from network import access, messaging, notices, selectors, services
from network.boundary import (
    DECIDE_CONSENT,
    MANAGE_NETWORK,
    OWN_ACCESS_LOG,
    RAISE_CONCERN,
    READ_CONCERNS,
    READ_CONSENT,
    RESPOND_TO_CONCERNS,
    dossier_route,
)
from network.forms import (
    ConcernAcknowledgeForm,
    ConcernForm,
    EndMembershipForm,
    MessageSettingsForm,
    ProfessionalSearchForm,
)
from network.models import (
    Concern,
    ConsentRule,
    Level,
    Membership,
    Professional,
    Role,
    RoleDefault,
)

SEARCH_LIMIT = 25


# The coordinator's network page and its actions: the coordinator and the mother (R10, R11).
managing = dossier_route(shows=Section.IDENTITY, needs=MANAGE_NETWORK)


@managing
def manage(request, route):
    dossier = route.dossier
    search = ProfessionalSearchForm(request.GET or None)
    found = None
    if search.is_valid() and any(search.cleaned_data.values()):
        found = selectors.professionals_matching(**search.cleaned_data, exclude_dossier=dossier)[
            :SEARCH_LIMIT
        ]
    members = access.network_of(dossier)
    return render(
        request,
        "network/manage.html",
        {
            "dossier": dossier,
            "members": members,
            "search": search,
            "found": found,
            "is_coordinator": access.is_coordinator(request.user, dossier),
            "past": selectors.past_members(dossier),
            "end_form": EndMembershipForm(),
            "replace_for": request.GET.get("vervang", ""),
            "search_limit": SEARCH_LIMIT,
        },
    )


def _membership(dossier, public_id) -> Membership:
    return get_object_or_404(
        Membership, dossier=dossier, public_id=public_id, ended_at__isnull=True
    )


def _run(request, dossier, write, success: str):
    try:
        write()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("network:manage", public_id=dossier.public_id)


@require_POST
@managing
def add_member(request, route):
    dossier = route.dossier
    professional = get_object_or_404(Professional, public_id=request.POST.get("professional"))
    return _run(
        request,
        dossier,
        lambda: services.membership_add(
            actor=request.user, dossier=dossier, professional=professional
        ),
        _("%(name)s has been added to the care network.")
        % {"name": professional.user.get_full_name()},
    )


@require_POST
@managing
def end_member(request, route, membership_id):
    dossier = route.dossier
    membership = _membership(dossier, membership_id)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason for ending the membership."))
        return redirect("network:manage", public_id=dossier.public_id)
    return _run(
        request,
        dossier,
        lambda: services.membership_end(
            actor=request.user, membership=membership, **form.cleaned_data
        ),
        _("%(name)s is no longer a member of the care network.")
        % {"name": membership.professional.user.get_full_name()},
    )


@require_POST
@managing
def replace_member(request, route, membership_id):
    dossier = route.dossier
    membership = _membership(dossier, membership_id)
    professional = get_object_or_404(Professional, public_id=request.POST.get("professional"))
    return _run(
        request,
        dossier,
        lambda: services.membership_replace(
            actor=request.user, membership=membership, professional=professional
        ),
        _("%(old)s has been replaced by %(new)s.")
        % {
            "old": membership.professional.user.get_full_name(),
            "new": professional.user.get_full_name(),
        },
    )


@require_POST
@managing
def hand_over(request, route, membership_id):
    dossier = route.dossier
    membership = _membership(dossier, membership_id)
    return _run(
        request,
        dossier,
        lambda: services.coordinator_hand_over(actor=request.user, dossier=dossier, to=membership),
        _("%(name)s is now the care coordinator.")
        % {"name": membership.professional.user.get_full_name()},
    )


@require_POST
@managing
def invite_mother(request, route):
    dossier = route.dossier
    return _run(
        request,
        dossier,
        lambda: services.mother_account_create(
            actor=request.user, dossier=dossier, base_url=request.build_absolute_uri("/")
        ),
        _(
            "An account has been created for %(name)s; she has received an e-mail to choose "
            "her password."
        )
        % {"name": dossier.mother.full_name},
    )


# --- "Wie ziet wat?" ----------------------------------------------------------------------


def _cell(rules, section, level_default, limit, now):
    rule = rules.get(section)
    return {
        "section": section,
        "chosen": "" if rule is None else rule.level,
        "default": level_default,
        "limit": limit,
        "now": Level(now),
        "levels": [level for level in Level if level <= limit],
    }


def _summary(cells) -> dict:
    """The card's plain sentence: the sections seen, the ones that may be changed, the
    ones not seen (lower-case labels, in the reader's language)."""

    def listed(wanted):
        return ", ".join(str(c["section"].label).lower() for c in cells if wanted(c["now"]))

    return {
        "sees": listed(lambda level: level >= Level.VIEW),
        "changes": listed(lambda level: level >= Level.EDIT),
        "hidden": listed(lambda level: level == Level.NONE),
    }


def _card(key, cells, **extra) -> dict:
    return {"key": key, "anchor": key.replace(":", "-"), "cells": cells, **_summary(cells), **extra}


@dossier_route(needs=READ_CONSENT, writes=DECIDE_CONSENT)
def consent(request, route):
    """The mother decides per role and per member what each may see (R4); the coordinator
    may look at the choices. Nobody else. One card per role and per member, each with a
    plain sentence and its own form: a save changes that card only."""
    dossier = route.dossier
    decides = route.can(DECIDE_CONSENT)
    members = access.network_of(dossier)
    if request.method == "POST" and decides:
        card = request.POST.get("card", "")
        try:
            changed = _save_consent(request, dossier, members, card=card)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            if changed:
                messages.success(
                    request,
                    ngettext(
                        "Your choices have been saved: %(count)s change, in force from now on.",
                        "Your choices have been saved: %(count)s changes, in force from now on.",
                        changed,
                    )
                    % {"count": changed},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            known = re.fullmatch(r"(role|member):[\w-]{1,64}", card)
            anchor = f"#{card.replace(':', '-')}" if known else ""
            return redirect(reverse("network:consent", args=[dossier.public_id]) + anchor)
    else:
        status = 200
    defaults = {(d.role, d.section): d.level for d in RoleDefault.objects.all()}
    rules = list(ConsentRule.objects.filter(dossier=dossier))
    roles = sorted({m.role for m in members}, key=lambda r: list(Role.values).index(r))
    role_cards = []
    for role in roles:
        own = {r.section: r for r in rules if r.role == role}
        cells = []
        for section in Section:
            default = defaults.get((role, section), access.default_level(role, section))
            limit = access.limit(role, section)
            now = min(own[section].level if section in own else default, limit)
            cells.append(_cell(own, section, default, limit, now))
        role_cards.append(_card(f"role:{role}", cells, role=Role(role)))
    member_cards = []
    for member in members:
        now = access.effective_levels(member, defaults, rules)
        own = {r.section: r for r in rules if r.membership_id == member.pk}
        member_cards.append(
            _card(
                f"member:{member.public_id}",
                [
                    _cell(own, section, None, access.limit(member.role, section), now[section])
                    for section in Section
                ],
                member=member,
            )
        )
    return render(
        request,
        "network/consent.html",
        {
            "dossier": dossier,
            "sections": list(Section),
            "role_cards": role_cards,
            "member_cards": member_cards,
            "decides": decides,
            "levels": Level,
        },
        status=status,
    )


def _rule_key(rule: ConsentRule) -> str:
    return f"member:{rule.membership.public_id}" if rule.membership_id else rule.role


@transaction.atomic
def _save_consent(request, dossier, members, *, card: str = "") -> int:
    """Apply every changed cell of the form in one transaction: all choices or none.
    ``card`` ("role:<role>" or "member:<id>"): only that card's cells are read."""
    by_key = {f"member:{m.public_id}": m for m in members}
    existing = {
        (_rule_key(r), r.section): r.level
        for r in ConsentRule.objects.filter(dossier=dossier).select_related("membership")
    }
    changed = 0
    for name, raw in request.POST.items():
        kind, _sep, rest = name.partition(":")
        if kind not in {"role", "member"}:
            continue
        who, _sep, section = rest.rpartition(":")
        if section not in Section.values:
            continue
        if card and f"{kind}:{who}" != card:
            continue
        level = None if raw == "" else (int(raw) if raw.isdigit() else -1)
        if level is not None and level not in Level.values:
            raise ValidationError(
                _("%(section)s: unknown access level.") % {"section": Section(section).label}
            )
        key = f"member:{who}" if kind == "member" else who
        if existing.get((key, section)) == level:
            continue
        if kind == "member":
            membership = by_key.get(key)
            if membership is None:
                continue
            services.consent_set(
                actor=request.user,
                dossier=dossier,
                section=section,
                level=level,
                membership=membership,
            )
        elif who in Role.values:
            services.consent_set(
                actor=request.user, dossier=dossier, section=section, level=level, role=who
            )
        changed += 1
    return changed


# --- "Wie bekeek mijn dossier" and the inbox ----------------------------------------------


@dossier_route(needs=OWN_ACCESS_LOG)
def access_log(request, route):
    """ "Wie bekeek mijn dossier": one row per visit (one person's requests on her record
    within half an hour), everyone else's by default, her own apart (``?wie=ik``), one
    person's (``?persoon=<id>``); refusals marked."""
    dossier, me = route.dossier, request.user
    mine = request.GET.get("wie") == "ik"
    people = selectors.access_log_people(dossier, except_user=me)
    person = request.GET.get("persoon", "")
    chosen = next((p for p in people if str(p[0]) == person), None) if not mine else None
    visits = selectors.access_visits(
        dossier,
        mine_of=me if mine else None,
        others_of=None if mine else me,
        actor_id=chosen[0] if chosen else None,
    )
    page = Paginator(visits, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "network/access_log.html",
        {
            "dossier": dossier,
            "page": page,
            "mine": mine,
            "people": people,
            "chosen": chosen,
        },
    )


def _uuids(values) -> list[uuid.UUID] | None:
    try:
        return [uuid.UUID(value) for value in values]
    except (ValueError, AttributeError):
        return None


@login_required
def inbox(request):
    """The reader's notices, newest first: each naming whose record (as far as the reader
    may see her) and leading to the thing itself; the arrivals in one record's network on
    one day folded into one line; read one by one or all at once."""
    notifications = selectors.notifications_for(request.user)
    if request.method == "POST":
        chosen = request.POST.getlist("notice")
        unread = notifications.filter(read_at__isnull=True)
        if chosen:
            ids = _uuids(chosen[:100])
            if ids is None:
                return HttpResponseBadRequest(_("notice: not a notification of yours."))
            unread = unread.filter(public_id__in=ids)
        unread.update(read_at=timezone.now())
        page_number = request.POST.get("page", "")
        return redirect(
            reverse("network:inbox") + (f"?page={page_number}" if page_number.isdigit() else "")
        )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    items = notices.grouped(notices.render(page.object_list, request.user))
    return render(request, "network/inbox.html", {"page": page, "items": items})


@login_required
def message_settings(request):
    """ "Mijn berichten": the language of one's messages; the mother's channels too."""
    professional = getattr(request.user, "professional", None)
    mother = getattr(request.user, "mother", None)
    if professional is None and mother is None:
        raise Http404
    if mother is not None and professional is None:
        initial = {
            "language": messaging.language_for(request.user),
            "by_email": mother.messages_by_email,
            "by_sms": mother.messages_by_sms,
        }
    else:
        initial = {"language": messaging.language_for(request.user)}
    form = MessageSettingsForm(
        request.POST or None, initial=initial, for_mother=professional is None
    )
    if request.method == "POST" and form.is_valid():
        services.message_settings_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your message settings were saved."))
        return redirect("network:message_settings")
    return render(
        request,
        "network/message_settings.html",
        {
            "form": form,
            "mother": mother if professional is None else None,
            "professional": professional,
        },
    )


# --- "Zorgsignaal": a worrying situation (R28) ---------------------------------------------


def _acknowledge_form(concern, data=None) -> ConcernAcknowledgeForm:
    # One form per open concern on the page: ids unique, the field's name stays "response".
    return ConcernAcknowledgeForm(data, auto_id=f"id_%s_{concern.public_id}")


def _concerns_page(request, route, *, form, failed=None, failed_form=None):
    """The form to signal a situation and, below it, what this user may read of the ones
    signalled; the reads are logged only when at least one is shown."""
    dossier = route.dossier
    concerns = list(selectors.concerns_of(request.user, dossier))
    coordinator = route.can(RESPOND_TO_CONCERNS)
    for concern in concerns:
        if coordinator and concern.is_open:
            concern.acknowledge_form = (
                failed_form
                if failed is not None and concern.pk == failed
                else _acknowledge_form(concern)
            )
    if concerns:  # read by the coordinator and whoever signalled it (access.can_read_concern)
        route.record(Section.PSYCHOSOCIAL)
    return render(
        request,
        "network/concerns.html",
        {
            "dossier": dossier,
            "form": form,
            "concerns": concerns,
            "is_coordinator": coordinator,
        },
    )


@dossier_route(needs=READ_CONCERNS, writes=RAISE_CONCERN)
def concerns(request, route):
    """Signal a worrying situation to the coordinator (every member and the mother), and
    follow up on the ones this user may read."""
    dossier = route.dossier
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.concern_raise(actor=request.user, dossier=dossier, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "The care coordinator has been told at once. If the "
                    "situation is life-threatening, call 112."
                ),
            )
            return redirect("network:concerns", public_id=dossier.public_id)
    return _concerns_page(request, route, form=form)


@require_POST
@dossier_route(needs=RESPOND_TO_CONCERNS)
def concern_acknowledge(request, route, concern_id):
    """The coordinator records what they did about a signalled situation."""
    dossier = route.dossier
    concern = get_object_or_404(Concern, dossier=dossier, public_id=concern_id)
    form = _acknowledge_form(concern, request.POST)
    if form.is_valid():
        try:
            services.concern_acknowledge(
                actor=request.user, concern=concern, response=form.cleaned_data["response"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # e.g. acknowledged meanwhile by someone
                for message in error.messages:
                    messages.error(request, message)
                return redirect("network:concerns", public_id=dossier.public_id)
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your response has been saved; whoever signalled the situation has been told."),
            )
            return redirect("network:concerns", public_id=dossier.public_id)
    return _concerns_page(request, route, form=ConcernForm(), failed=concern.pk, failed_form=form)
