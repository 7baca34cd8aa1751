"""The pages of a consult with the maternity ward (``dossier.consults``,
``dossier.consult_services``): the record's consults with their answers in place, the
question, the answer (and the notes on it), withdrawing. Every route names the record and
passes the boundary; what the rules add to a section's level — who asks, who answers
which request, who withdraws it — is declared there as a ``Need``."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier import consult_services, consults
from dossier.consult_forms import (
    MOTHER,
    ConsultAnswerForm,
    ConsultAskForm,
    ConsultNoteForm,
    ConsultWithdrawForm,
)
from dossier.models import ConsultStatus
from dossier.sections import Section
from network.boundary import Need, dossier_route

READ_CONSULTS = Need(consults.require_read, "read the consults with the maternity ward")
ASK_CONSULT = Need(consults.require_ask, "ask the maternity ward")


def answering(consult_id, **_kwargs) -> Need:
    """The right to answer the request in the path: a care provider of its ward."""
    return Need(
        functools.partial(consults.require_answer, consult_id=consult_id),
        "answer this consult request",
    )


def withdrawing(consult_id, **_kwargs) -> Need:
    """The right to withdraw the request in the path: whoever asked it."""
    return Need(
        functools.partial(consults.require_withdraw, consult_id=consult_id),
        "withdraw this consult request",
    )


def _back(route):
    return redirect("dossier:consults", route.dossier.public_id)


def _add_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """A service's error on the form: a field it names on that field (``rename``: the
    service's name → the form's), anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (rename or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


@dossier_route(needs=READ_CONSULTS)
def consults_page(request, route):
    """The record's consults in the sections this user may read, open ones first, each
    with its answer and notes in place; what she may do with each."""
    dossier = route.dossier
    sections = consults.readable_sections(route.levels)
    page = Paginator(consults.consults_of(dossier, sections), 20).get_page(request.GET.get("page"))
    rows = consults.decorate(page.object_list, request.user, dossier, route.levels, timezone.now())
    route.show(*{consult.section for consult in rows})
    can_ask = consults.may_ask(request.user, dossier, levels=route.levels)
    return render(
        request,
        "dossier/consults.html",
        {
            "dossier": dossier,
            "page": page,
            "rows": rows,
            "can_ask": can_ask,
            "ward": consults.ward_for(dossier) if can_ask else None,
            "withdraw_form": ConsultWithdrawForm(),
        },
    )


@dossier_route(needs=ASK_CONSULT, form=True)
def consult_ask(request, route):
    """The question: about whom (the mother, a baby: what this user may change), how
    urgent, what. Sent to the ward of ``consults.ward_for``."""
    dossier = route.dossier
    sections = consults.askable_sections(request.user, dossier, levels=route.levels)
    subjects = [(MOTHER, _("The mother"))] if Section.POSTNATAL in sections else []
    newborns = list(dossier.newborns.order_by("birth_order")) if Section.NEWBORN in sections else []
    if newborns:
        route.show(Section.NEWBORN)  # the choices name the babies
    subjects += [(str(newborn.public_id), str(newborn)) for newborn in newborns]
    form = ConsultAskForm(
        request.POST if request.method == "POST" else None, subjects=subjects
    )  # an empty POST too is answered field by field
    if request.method == "POST" and form.is_valid():
        about = form.cleaned_data["about"]
        try:
            consult_services.consult_ask(
                actor=request.user,
                dossier=dossier,
                question=form.cleaned_data["question"],
                urgency=form.cleaned_data["urgency"],
                newborn=next((n for n in newborns if str(n.public_id) == about), None),
            )
        except ValidationError as error:
            _add_errors(form, error, {"newborn": "about"})
        else:
            messages.success(
                request,
                _(
                    "Your question was sent to the maternity ward. You are told here and by "
                    "message when it is answered."
                ),
            )
            return _back(route)
    return render(
        request,
        "dossier/consult_ask.html",
        {
            "dossier": dossier,
            "form": form,
            "ward": consults.ward_for(dossier),
            "windows": consults.WINDOWS.values(),
        },
        status=400 if form.errors else 200,
    )


@dossier_route(needs=answering, form=True)
def consult_answer(request, route, consult_id):
    """A request as its ward reads it: the question, and the form to answer it — or, once
    answered, the answer and a form to add a note to it."""
    consult = consults.consult_in(route.dossier, consult_id)
    route.show(consult.section)
    if request.method == "POST":  # what was posted decides, not what the page showed then
        form = (ConsultNoteForm if "text" in request.POST else ConsultAnswerForm)(request.POST)
    else:
        form_class = {
            ConsultStatus.OPEN: ConsultAnswerForm,
            ConsultStatus.ANSWERED: ConsultNoteForm,
        }.get(consult.status)
        form = form_class() if form_class else None
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, ConsultAnswerForm):
                consult_services.consult_answer(
                    actor=request.user, consult=consult, answer=form.cleaned_data["answer"]
                )
            else:
                consult_services.consult_note_add(
                    actor=request.user, consult=consult, text=form.cleaned_data["text"]
                )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # answered or withdrawn meanwhile
                for message in error.messages:
                    messages.error(request, message)
                return redirect(request.path)
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Saved; whoever asked is told that the maternity ward answered.")
            )
            return _back(route)
    consult.overdue = consults.is_overdue(consult)
    return render(
        request,
        "dossier/consult_answer.html",
        {
            "dossier": route.dossier,
            "consult": consult,
            "rows": [consult],
            "form": form,
            "is_note": isinstance(form, ConsultNoteForm),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@dossier_route(needs=withdrawing)
def consult_withdraw(request, route, consult_id):
    """Whoever asked withdraws an open question."""
    consult = consults.consult_in(route.dossier, consult_id)
    form = ConsultWithdrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _back(route)
    try:
        consult_services.consult_withdraw(
            actor=request.user, consult=consult, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The question was withdrawn; the maternity ward is told."))
    return _back(route)
