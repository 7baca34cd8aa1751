"""The care plan's forms. Each edits a part of the plan on top of the version it started
from (``base_version``, hidden): the service refuses a stale base and the page offers the
merge. No rules here: ``careplan.content.check`` and the services decide."""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from careplan.content import (
    CHECKLIST,
    TEXT_LIMITS,
    AppointmentKind,
    AppointmentStatus,
    FeedingPreference,
    HomeHelpWish,
    StayPreference,
    new_appointment,
)
from dossier.forms import DateInput


class VersionedForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label=_("Why (optional)"),
        max_length=300,
        required=False,
        help_text=_("Kept with the version, e.g. “after the consultation of 12 March”."),
    )

    # A path of the plan (careplan.content.check names its errors by path) → this form's field.
    PATH_FIELDS: dict[str, str] = {}

    def add_error(self, field, error):
        """A ValidationError from the plan's check is keyed by the plan's paths
        ("preferences.visitors", "appointments.2.note"): each lands on the field that edits
        it, the rest on the form."""
        if field is None and hasattr(error, "error_dict"):
            mapped: dict[str, list] = {}
            for path, errors in error.error_dict.items():
                name = self.PATH_FIELDS.get(path) or self.PATH_FIELDS.get(
                    ".".join(part for part in path.split(".") if not part.isdigit())
                )
                if name not in self.fields:
                    name = NON_FIELD_ERRORS
                mapped.setdefault(name, []).extend(errors)
            error = ValidationError(mapped)
        super().add_error(field, error)


class PlanForm(VersionedForm):
    stay = forms.ChoiceField(
        label=_("Stay after the birth"), choices=StayPreference.choices, widget=forms.RadioSelect
    )
    feeding = forms.ChoiceField(
        label=_("Feeding"), choices=FeedingPreference.choices, widget=forms.RadioSelect
    )
    visitors = forms.CharField(
        label=_("Who may visit"),
        max_length=TEXT_LIMITS["preferences.visitors"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_course = forms.CharField(
        label=_("Expected course"),
        max_length=TEXT_LIMITS["expected_course"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    home_help_wish = forms.ChoiceField(
        label=_("Maternity home help"), choices=HomeHelpWish.choices, widget=forms.RadioSelect
    )
    home_help_hours = forms.IntegerField(
        label=_("First estimate (hours)"), required=False, min_value=0, max_value=200
    )
    discharge_notify = forms.MultipleChoiceField(
        label=_("Who must be told of the discharge"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    checklist = forms.MultipleChoiceField(
        label=_("Checklist: what is already arranged"),
        required=False,
        choices=list(CHECKLIST.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    PATH_FIELDS = {
        "preferences.stay": "stay",
        "preferences.feeding": "feeding",
        "preferences.visitors": "visitors",
        "expected_course": "expected_course",
        "home_help.wish": "home_help_wish",
        "home_help.estimated_hours": "home_help_hours",
        "discharge_notify": "discharge_notify",
        "checklist": "checklist",
    }

    field_order = [
        "stay",
        "feeding",
        "visitors",
        "expected_course",
        "home_help_wish",
        "home_help_hours",
        "discharge_notify",
        "checklist",
        "reason",
        "base_version",
    ]

    def __init__(self, *args, members: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discharge_notify"].choices = sorted(members.items(), key=lambda m: m[1])

    @staticmethod
    def initial_from(plan: dict, base_version: int) -> dict:
        return {
            "base_version": base_version,
            "stay": plan["preferences"]["stay"],
            "feeding": plan["preferences"]["feeding"],
            "visitors": plan["preferences"]["visitors"],
            "expected_course": plan["expected_course"],
            "home_help_wish": plan["home_help"]["wish"],
            "home_help_hours": plan["home_help"]["estimated_hours"],
            "discharge_notify": plan["discharge_notify"],
            "checklist": [key for key, done in plan["checklist"].items() if done],
        }

    def applied_to(self, plan: dict) -> dict:
        """``plan`` with this form's parts replaced; the appointments are left as they are."""
        data, plan = self.cleaned_data, copy.deepcopy(plan)
        plan["preferences"] = {
            "stay": data["stay"],
            "feeding": data["feeding"],
            "visitors": data["visitors"],
        }
        plan["expected_course"] = data["expected_course"]
        plan["home_help"] = {
            "wish": data["home_help_wish"],
            "estimated_hours": data["home_help_hours"],
        }
        plan["discharge_notify"] = sorted(data["discharge_notify"])
        plan["checklist"] = {key: key in data["checklist"] for key in CHECKLIST}
        return plan


class AppointmentForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AppointmentKind.choices)
    due_from = forms.DateField(label=_("From"), widget=DateInput())
    due_until = forms.DateField(label=_("Until"), widget=DateInput())
    at = forms.TimeField(
        label=_("At (time, if agreed)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("With a time, the invitation is for that hour on the first day."),
    )
    member = forms.ChoiceField(label=_("With"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=AppointmentStatus.choices, initial=AppointmentStatus.PLANNED
    )
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_LIMITS["appointments.note"], required=False
    )

    PATH_FIELDS = {
        "appointments.kind": "kind",
        "appointments.due_from": "due_from",
        "appointments.due_until": "due_until",
        "appointments.time": "at",
        "appointments.member": "member",
        "appointments.status": "status",
        "appointments.note": "note",
    }

    field_order = [
        "kind",
        "due_from",
        "due_until",
        "at",
        "member",
        "status",
        "note",
        "reason",
        "base_version",
    ]

    def __init__(self, *args, members: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *sorted(members.items(), key=lambda m: m[1])]

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_until") and data["due_until"] < data["due_from"]:
            self.add_error("due_until", _("The window ends before it starts."))
        return data

    def applied_to(self, plan: dict, appointment_id: str | None) -> dict:
        """``plan`` with this appointment added (no id) or replaced."""
        data, plan = self.cleaned_data, copy.deepcopy(plan)
        appointment = new_appointment(
            data["kind"],
            data["due_from"],
            data["due_until"],
            member=data["member"],
            status=data["status"],
            note=data["note"],
            time=data["at"].strftime("%H:%M") if data["at"] else "",
        )
        if appointment_id:
            appointment["id"] = appointment_id
            plan["appointments"] = [a for a in plan["appointments"] if a["id"] != appointment_id]
        plan["appointments"].append(appointment)
        return plan


class AnnotationForm(forms.Form):
    path = forms.CharField(widget=forms.HiddenInput, max_length=80)
    reply_to = forms.UUIDField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Your remark"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
