from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import EndReason, Profession


class ProfessionalSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    profession = forms.ChoiceField(label=_("Profession"), required=False,
                                   choices=[("", _("All professions")), *Profession.choices])
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)


class EndMembershipForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
