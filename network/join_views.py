"""Requests to join a care network (``network.joins``): where "open a new record" always
leads, the requester's own requests, and the page of a record where its coordinator and
the mother approve or refuse them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from network import access, joins
from network.boundary import MANAGE_NETWORK, dossier_route
from network.models import JoinRequest

# The session key in which ``dossier.views.dossier_create`` leaves what happened, so that
# its own answer is the same redirect whether her INSZ was new or known.
OPENING_KEY = "dossier_opening"


class JoinDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=JoinRequest.NOTE_MAX, required=False
    )


@login_required
def opening(request):
    """Where a valid "new record" form always leads (README, "No existence oracle").
    A new record (or one of hers the user already sees) opens; otherwise the user's
    requests to join, the newest one waiting for the coordinator or the mother."""
    access.require_can_open(request.user)
    outcome = request.session.pop(OPENING_KEY, None) or {}
    if outcome.get("dossier"):
        dossier = access.visible_dossiers(request.user).filter(public_id=outcome["dossier"]).first()
        if dossier is not None:
            messages.success(
                request,
                _("The maternity record has been opened.")
                if outcome.get("created")
                else _(
                    "She already has a record in your care network; here it is. "
                    "For a new pregnancy, choose “New pregnancy” on it."
                ),
            )
            return redirect("dossier:detail", public_id=dossier.public_id)
    return render(
        request,
        "network/join_requests_mine.html",
        {
            "requests": joins.requests_of(request.user)[:50],
            "just_asked": bool(outcome) and not outcome.get("dossier"),
        },
    )


@dossier_route(needs=MANAGE_NETWORK)
def join_requests(request, route):
    """The record's requests to join, pending first, for its coordinator and the mother.
    Shows who asked (professionals by name), nothing of the record itself."""
    return _requests_page(request, route)


def _requests_page(request, route, *, form=None, failed=None):
    requests = list(joins.requests_for(route.dossier))
    for join_request in requests:
        if join_request.is_pending:
            join_request.form = (
                form
                if failed == join_request.pk
                else JoinDecisionForm(auto_id=f"id_%s_{join_request.public_id}")
            )
    route.record("")  # the network part of the record was read
    return render(
        request,
        "network/join_requests.html",
        {
            "dossier": route.dossier,
            "requests": requests,
        },
        status=400 if failed is not None else 200,
    )


@dossier_route(needs=MANAGE_NETWORK)
@require_POST
def join_request_decide(request, route, request_id):
    dossier = route.dossier
    join_request = get_object_or_404(JoinRequest, dossier=dossier, public_id=request_id)
    form = JoinDecisionForm(request.POST, auto_id=f"id_%s_{join_request.public_id}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            joins.join_request_decide(
                actor=request.user,
                join_request=join_request,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            join_request.refresh_from_db()
            if not join_request.is_pending:  # decided meanwhile by the other decider
                messages.error(request, " ".join(error.messages))
                return redirect("network:join_requests", public_id=dossier.public_id)
            form.add_error(None, error)
        else:
            name = join_request.professional.user.get_full_name()
            messages.success(
                request,
                _("%(name)s has joined the care network.") % {"name": name}
                if approve
                else _(
                    "The request of %(name)s has been refused; they have been told "
                    "it was not approved."
                )
                % {"name": name},
            )
            return redirect("network:join_requests", public_id=dossier.public_id)
    # the page again, the form's errors named by field (400)
    return _requests_page(request, route, form=form, failed=join_request.pk)
