"""The closure hand-over's pages (``dossier.closure``, ``dossier.closure_services``): the
summary with the mother's consent and what was sent, the coordinator's part, the PDF
preview, and the link a recipient opens (no sign-in: the link is the key, logged)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dossier import closure, closure_services
from dossier.closure_forms import HandoverConsentForm, HandoverForm
from dossier.sections import Section
from network import access
from network.boundary import Need, dossier_route
from network.messaging import language_for
from network.models import Action
from network.names import shown_name

READ_HANDOVER = Need(closure_services.require_read, "read the hand-over summary")
PREPARE_HANDOVER = Need(closure_services.require_prepare, "prepare and send the hand-over")
CONSENT_HANDOVER = Need(closure_services.require_consent, "record the mother's consent")


def _back(route):
    return redirect("dossier:handover", route.dossier.public_id)


@dossier_route(reads=closure.SECTIONS, needs=READ_HANDOVER)
def handover(request, route):
    dossier = route.dossier
    made = closure.summary(dossier)
    consent = closure_services.current_consent(dossier)
    sends = list(dossier.handover_sends.select_related("sent_by").order_by("created_at"))
    sent_to = {s.recipient for s in sends}
    targets = [
        {
            "target": target,
            "label": closure_services.HandoverRecipient(target.recipient).label,
            "agreed": consent is not None and consent.allows(target.recipient),
            "sent": next((s for s in sends if s.recipient == target.recipient), None),
        }
        for target in closure_services.targets(dossier)
    ]
    is_coordinator = access.is_coordinator(request.user, dossier)
    # a hepatitis B at birth that does not follow a positive HBsAg: warned about, for a
    # reader of the pregnancy (then logged as its read)
    warnings = (
        closure.hepatitis_b_warnings(made, closure.hbsag_status(dossier))
        if route.can_view(Section.PRENATAL)
        else []
    )
    if warnings:
        route.show(Section.PRENATAL)
    return render(
        request,
        "dossier/closure.html",
        {
            "dossier": dossier,
            "warnings": warnings,
            "parts": closure.parts(made),
            "summary": made,
            "consent": consent,
            "consent_by": shown_name(consent.recorded_by, reader=request.user, dossier=dossier)
            if consent
            else "",
            "consent_form": HandoverConsentForm(
                initial={"to_child_health": consent.to_child_health, "to_gp": consent.to_gp}
                if consent
                else {}
            ),
            "is_mother": access.is_mother_of(request.user, dossier),
            "is_coordinator": is_coordinator,
            "targets": targets,
            "can_send": is_coordinator
            and any(t["agreed"] and t["target"].recipient not in sent_to for t in targets),
        },
    )


@dossier_route(reads=closure.SECTIONS, writes=Section.NEWBORN, needs=PREPARE_HANDOVER, form=True)
def handover_prepare(request, route):
    dossier = route.dossier
    newborns = list(dossier.newborns.order_by("birth_order").select_related("handover"))
    existing = getattr(dossier, "handover", None)
    # the mother's HBsAg proposes the hepatitis B at birth: for a reader of the pregnancy
    hbsag = None
    if route.can_view(Section.PRENATAL):
        hbsag = closure.hbsag_status(dossier)
        route.show(Section.PRENATAL)
    form = HandoverForm(
        request.POST or None,
        newborns=newborns,
        initial={"remarks": existing.remarks if existing else ""},
        hbsag=hbsag,
    )
    if request.method == "POST" and form.is_valid():
        try:
            closure_services.handover_prepare(
                actor=request.user,
                dossier=dossier,
                remarks=form.cleaned_data["remarks"],
                babies=form.babies(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The hand-over summary is saved."))
            return _back(route)
    return render(
        request,
        "dossier/form.html",
        {
            "dossier": dossier,
            "title": _("Prepare the hand-over summary"),
            "form": form,
            "carried": {"items": [hbsag], "for": "baby"} if hbsag is not None else None,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@dossier_route(needs=CONSENT_HANDOVER)
def handover_consent(request, route):
    form = HandoverConsentForm(request.POST)
    form.is_valid()  # two check boxes: nothing to refuse
    closure_services.handover_consent_set(
        actor=request.user,
        dossier=route.dossier,
        to_child_health=form.cleaned_data.get("to_child_health", False),
        to_gp=form.cleaned_data.get("to_gp", False),
    )
    messages.success(request, _("The choice is saved."))
    return _back(route)


@require_POST
@dossier_route(needs=PREPARE_HANDOVER)
def handover_send(request, route):
    try:
        sent = closure_services.handover_send(actor=request.user, dossier=route.dossier)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Sent to %(who)s.")
            % {"who": ", ".join(str(s.get_recipient_display()) for s in sent)},
        )
    return _back(route)


@require_GET
@dossier_route(reads=closure.SECTIONS, needs=READ_HANDOVER)
def handover_pdf(request, route):
    """The summary as it would be sent now, in the reader's language (not sent)."""
    route.action = Action.DOWNLOAD
    user = request.user
    data = closure.pdf(
        closure.summary(route.dossier),
        author=user.get_full_name() or user.get_username(),
        language=language_for(user),
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"overdracht-{str(route.dossier.public_id)[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_GET
def handover_link(request, token: str):
    """What a recipient's link opens: the PDF as sent, or with ``?fhir`` the FHIR document.
    An unknown or expired link is a plain 404."""
    sent = closure_services.link_open(token)
    if sent is None:
        raise Http404
    if "fhir" in request.GET:
        response = HttpResponse(
            json.dumps(sent.document, ensure_ascii=False), content_type="application/fhir+json"
        )
        name = "overdracht.fhir.json"
    else:
        response = HttpResponse(bytes(sent.pdf), content_type="application/pdf")
        name = "overdracht.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Referrer-Policy"] = "no-referrer"
    return response
