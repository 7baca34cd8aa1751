"""The parent groups' forms (``careplan.groups``): a group, a session, a referral."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careplan.group_models import GroupSession, ParentGroup
from dossier.forms import DateTimeInput


class GroupForm(forms.ModelForm):
    class Meta:
        model = ParentGroup
        fields = ["name", "place", "language", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "place": _("Where the sessions are held, e.g. the practice's group room."),
            "description": _("What the group offers, for the parents and the referring carers."),
        }


class SessionForm(forms.ModelForm):
    class Meta:
        model = GroupSession
        fields = ["starts_at", "duration_minutes", "topic"]
        widgets = {"starts_at": DateTimeInput}


class ReferralForm(forms.Form):
    group = forms.ChoiceField(label=_("Parent group"))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {str(g.public_id): g for g in groups}
        self.fields["group"].choices = [
            (key, f"{g.name} · {g.organisation} · {g.place} ({g.get_language_display()})")
            for key, g in self.groups.items()
        ]

    def clean_group(self):
        return self.groups[self.cleaned_data["group"]]
