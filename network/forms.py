from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import Concern, EndReason, Profession, Urgency


class ProfessionalSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    profession = forms.ChoiceField(label=_("Profession"), required=False,
                                   choices=[("", _("All professions")), *Profession.choices])
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)


class EndMembershipForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ConcernForm(forms.Form):
    """Signal a worrying situation to the care coordinator (R28)."""

    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Urgency.choices,
                                widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What worries you?"), max_length=Concern.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the care coordinator reads this, and you."),
        error_messages={"required": _("Describe the situation: what did you see or hear "
                                      "that worries you?")})


class ConcernAcknowledgeForm(forms.Form):
    """The coordinator's answer to a signalled situation: what was done about it."""

    response = forms.CharField(
        label=_("What did you do or will you do?"), max_length=Concern.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what you did or will do about this situation; "
                                      "the person who signalled it reads it.")})
