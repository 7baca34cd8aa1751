"""The on-call rota's page, "Wachtdienst" (R12, R13, R34): the professionals of an
organisation keep its rota week by week — who is on call from when until when, and the
number to call — and its maternity ward contact. Rules and writes: ``network.oncall``.

Anyone else: a signed-in account that is no care provider gets a 404 (as the other
professionals' pages), a shift of another organisation is a 404; a professional without
an organisation is told so."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dossier.forms import DateTimeInput
from network import oncall
from network.models import OnCallShift, Organisation, Professional

PER_PAGE = 50


class ShiftForm(forms.ModelForm):
    """A shift: who, from when until when (typed in Belgian time), the number to call."""

    class Meta:
        model = OnCallShift
        fields = ["professional", "start", "end", "phone"]
        widgets = {
            "start": DateTimeInput(),
            "end": DateTimeInput(),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }
        error_messages = {
            "professional": {
                "required": gettext_lazy("Care provider on call: choose who is on call.")
            },
            "start": {
                "required": gettext_lazy("On call from: enter when the shift begins."),
                "invalid": gettext_lazy(
                    "On call from: enter a date and time, e.g. 14-03-2025 20:00."
                ),
            },
            "end": {
                "required": gettext_lazy("On call until: enter when the shift ends."),
                "invalid": gettext_lazy(
                    "On call until: enter a date and time, e.g. 15-03-2025 08:00."
                ),
            },
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = (
            Professional.objects.filter(organisation=organisation)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        self.fields["professional"].label_from_instance = lambda p: (
            p.user.get_full_name() or p.user.get_username()
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("On call until: the shift must end after it begins."))
        return data


class WardContactForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["ward_phone", "ward_email"]
        widgets = {"ward_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})}


def _organisation(request) -> Organisation | None:
    """The rota this user keeps: their organisation (a 404 for anyone but a professional)."""
    if getattr(request.user, "professional", None) is None:
        raise Http404
    return oncall.organisation_of(request.user)


def _week(request) -> tuple[datetime.date, str]:
    """The Monday of the week asked for (``?week=yyyy-mm-dd``, any day of it), else of
    this week; and an error naming the parameter when it is not a date."""
    today = timezone.localdate()
    raw, error = request.GET.get("week", ""), ""
    day = today
    if raw:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            error = _("Week: give a date as yyyy-mm-dd, e.g. %(example)s.") % {
                "example": today.isoformat()
            }
    return day - datetime.timedelta(days=day.weekday()), error


def _page(request, organisation, *, form=None, editing=None, ward_form=None, status=200):
    """The page: the rota of one week (paginated), who is on call now, the form."""
    monday, week_error = _week(request)
    if week_error:
        status = 400
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))
    end = timezone.make_aware(
        datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time())
    )
    now = timezone.now()
    shifts = Paginator(oncall.shifts_of(organisation, start, end), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for shift in shifts:
        shift.is_over, shift.has_begun = shift.end <= now, shift.start <= now
    current = oncall.shifts_of(organisation, now, now + datetime.timedelta(microseconds=1))
    return render(
        request,
        "network/oncall.html",
        {
            "organisation": organisation,
            "page": shifts,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "week_error": week_error,
            "previous_week": (monday - datetime.timedelta(days=7)).isoformat(),
            "next_week": (monday + datetime.timedelta(days=7)).isoformat(),
            "this_week": monday
            == timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday()),
            "on_call": current.first(),
            "form": form or ShiftForm(organisation=organisation, initial=_next_free(organisation)),
            "editing": editing,
            "ward_form": ward_form or WardContactForm(instance=organisation),
        },
        status=status,
    )


def _next_free(organisation) -> dict:
    """A new shift's proposal: from the end of the last planned one (or the next hour)
    for twelve hours."""
    now = timezone.localtime()
    last = (
        OnCallShift.objects.filter(organisation=organisation, end__gt=now)
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )
    start = (
        timezone.localtime(last)
        if last
        else (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    )
    return {"start": start, "end": start + datetime.timedelta(hours=12)}


def _save(request, organisation, form, shift) -> bool:
    if not form.is_valid():
        return False
    try:
        oncall.shift_save(actor=request.user, shift=shift)
    except ValidationError as error:
        form.add_error(None, error)  # a dict names its field ("start" for an overlap)
        return False
    return True


@login_required
def rota(request):
    """The week's rota and a form to add a shift (POST adds it)."""
    organisation = _organisation(request)
    if organisation is None:
        return render(request, "network/oncall.html", {"organisation": None})
    if request.method == "POST":
        shift = OnCallShift(organisation=organisation)
        form = ShiftForm(request.POST, instance=shift, organisation=organisation)
        if _save(request, organisation, form, shift):
            messages.success(request, _("The shift was added to the rota."))
            return redirect(f"{request.path}?week={_monday_of(shift.start)}")
        return _page(request, organisation, form=form, status=400)
    return _page(request, organisation)


def _monday_of(moment: datetime.datetime) -> str:
    day = timezone.localdate(moment)
    return (day - datetime.timedelta(days=day.weekday())).isoformat()


def _shift(request, organisation, shift_id) -> OnCallShift:
    if organisation is None:
        raise Http404
    return get_object_or_404(
        OnCallShift.objects.select_related("professional__user"),
        organisation=organisation,
        public_id=shift_id,
    )


@login_required
def shift_edit(request, shift_id):
    """Change a shift that is not over (its end, the number, who)."""
    organisation = _organisation(request)
    shift = _shift(request, organisation, shift_id)
    if shift.end <= timezone.now():
        messages.error(request, _("This shift is over: it stays as the trace of who was on call."))
        return redirect(f"{_rota_url()}?week={_monday_of(shift.start)}")
    if request.method == "POST":
        form = ShiftForm(request.POST, instance=shift, organisation=organisation)
        if _save(request, organisation, form, shift):
            messages.success(request, _("The shift was changed."))
            return redirect(f"{_rota_url()}?week={_monday_of(shift.start)}")
        return _page(request, organisation, form=form, editing=shift, status=400)
    return _page(
        request,
        organisation,
        editing=shift,
        form=ShiftForm(instance=shift, organisation=organisation),
    )


def _rota_url() -> str:
    from django.urls import reverse

    return reverse("network:oncall")


@login_required
@require_POST
def shift_delete(request, shift_id):
    """Take a shift that has not begun off the rota."""
    organisation = _organisation(request)
    shift = _shift(request, organisation, shift_id)
    try:
        oncall.shift_delete(actor=request.user, shift=shift)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The shift was taken off the rota."))
    return redirect(f"{_rota_url()}?week={_monday_of(shift.start)}")


@login_required
@require_POST
def ward_contact(request):
    """The organisation's maternity ward contact (the second step of an alert's ladder)."""
    organisation = _organisation(request)
    if organisation is None:
        raise Http404
    form = WardContactForm(request.POST, instance=Organisation.objects.get(pk=organisation.pk))
    if form.is_valid():
        try:
            oncall.ward_contact_save(
                actor=request.user,
                organisation=organisation,
                phone=form.cleaned_data["ward_phone"],
                email=form.cleaned_data["ward_email"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The maternity ward contact was saved."))
            return redirect("network:oncall")
    return _page(request, organisation, ward_form=form, status=400)
