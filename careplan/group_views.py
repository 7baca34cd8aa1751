"""Parent groups' pages (``careplan.groups``): the organisation's groups, a group's sessions
and attendance, and from the care plan the referral and the mother's answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from careplan import groups
from careplan.group_forms import GroupForm, ReferralForm, SessionForm
from careplan.group_models import GroupSession, ParentGroup
from dossier.sections import Section
from network.boundary import Need, dossier_route

MOTHER_ANSWERS = Need(groups.require_mother_answer, "the mother answers a referral")


def _to_plan(route):
    return redirect(reverse("careplan:plan", args=[route.dossier.public_id]) + "#parent-groups")


@login_required
def group_list(request):
    """The groups of the user's organisation, and a new one."""
    organisation = groups.require_organisation(request.user)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_create(actor=request.user, group=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The group is created."))
            return redirect("careplan:group", group.public_id)
    return render(
        request,
        "careplan/groups.html",
        {"organisation": organisation, "groups": groups.groups_of(request.user), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def group_detail(request, group_id):
    """A group's sessions and, per session, who came; a new session."""
    group = groups.organised_group(request.user, group_id)
    form = SessionForm(request.POST or None, instance=GroupSession(group=group))
    if request.method == "POST" and form.is_valid():
        try:
            groups.session_add(actor=request.user, session=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The session is planned."))
            return redirect("careplan:group", group.public_id)
    return render(
        request,
        "careplan/group.html",
        {**groups.group_page(request.user, group), "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def attendance(request, group_id, session_id):
    group = groups.organised_group(request.user, group_id)
    session = GroupSession.objects.filter(group=group, public_id=session_id).first()
    if session is None:
        return redirect("careplan:group", group.public_id)
    groups.attendance_record(
        actor=request.user, session=session, present=set(request.POST.getlist("present"))
    )
    messages.success(request, _("The attendance is saved."))
    return redirect("careplan:group", group.public_id)


@require_POST
@dossier_route(reads=Section.CAREPLAN, writes=Section.CAREPLAN)
def refer(request, route):
    form = ReferralForm(request.POST, groups=ParentGroup.objects.filter(active=True))
    if form.is_valid():
        try:
            groups.referral_create(
                actor=request.user, dossier=route.dossier, group=form.cleaned_data["group"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Referred: the mother is asked whether she agrees."))
    else:
        messages.error(request, _("Parent group: choose one of the list."))
    return _to_plan(route)


@require_POST
@dossier_route(reads=Section.CAREPLAN, needs=MOTHER_ANSWERS)
def answer(request, route, referral_id):
    try:
        groups.referral_answer(
            actor=request.user,
            dossier=route.dossier,
            public_id=referral_id,
            accept=request.POST.get("answer") == "accept",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your answer is saved."))
    return _to_plan(route)


@require_POST
@dossier_route(reads=Section.CAREPLAN, writes=Section.CAREPLAN)
def withdraw(request, route, referral_id):
    groups.referral_withdraw(actor=request.user, dossier=route.dossier, public_id=referral_id)
    messages.success(request, _("The referral is withdrawn."))
    return _to_plan(route)
