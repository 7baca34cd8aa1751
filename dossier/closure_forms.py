"""The closure hand-over's forms: the coordinator's part (per newborn the immunisations at
birth and the feeding at the end of care, a remark) and the mother's consent. No rules
here: the models' ``clean`` and ``dossier.closure_services`` decide, and what the hepatitis
B choice proposes from the mother's HBsAg is ``dossier.closure.HEPATITIS_B_AT_BIRTH``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dossier import closure
from dossier.closure_services import BABY_FIELDS
from dossier.forms import DateInput
from dossier.models import Feeding, HepatitisB, VitaminK
from dossier.models.closure import REMARKS_MAX


def _choices(choices):
    return [("", _("not recorded")), *choices]


class HandoverForm(forms.Form):
    """One set of fields per newborn, named ``<birth order>-<field>``. ``hbsag``: the
    mother's HBsAg as carried forward (``closure.hbsag_status``) for a reader of the
    prenatal section, else None: the hepatitis B choice is then proposed from it, with its
    hint (the coordinator may still choose otherwise)."""

    remarks = forms.CharField(
        label=_("Remarks for the next carers"),
        max_length=REMARKS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What Kind & Gezin / ONE and the GP should know; no psychosocial details."),
    )

    def __init__(self, *args, newborns, hbsag=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.newborns = list(newborns)
        rule = closure.hepatitis_b_rule(hbsag) if hbsag is not None else None
        for newborn in self.newborns:
            handover = getattr(newborn, "handover", None)
            prefix, name = newborn.birth_order, str(newborn)
            fields = {
                "vitamin_k": forms.ChoiceField(
                    label=_("%(name)s: vitamin K") % {"name": name},
                    choices=_choices(VitaminK.choices),
                    required=False,
                ),
                "vitamin_k_on": forms.DateField(
                    label=_("%(name)s: vitamin K given on") % {"name": name},
                    required=False,
                    widget=DateInput,
                ),
                "hepatitis_b": forms.ChoiceField(
                    label=_("%(name)s: hepatitis B at birth") % {"name": name},
                    choices=_choices(HepatitisB.choices),
                    required=False,
                ),
                "hepatitis_b_on": forms.DateField(
                    label=_("%(name)s: hepatitis B given on") % {"name": name},
                    required=False,
                    widget=DateInput,
                ),
                "feeding": forms.ChoiceField(
                    label=_("%(name)s: feeding at the end of care") % {"name": name},
                    choices=_choices(Feeding.choices),
                    required=False,
                ),
            }
            for field_name, field in fields.items():
                self.fields[f"{prefix}-{field_name}"] = field
                if handover is not None:
                    self.initial[f"{prefix}-{field_name}"] = getattr(handover, field_name)
            if rule is not None:
                fields["hepatitis_b"].help_text = rule.hint
                proposed = closure.hepatitis_b_prefill(newborn, hbsag)
                if proposed:
                    self.initial[f"{prefix}-hepatitis_b"] = proposed

    def babies(self) -> dict[int, dict]:
        """The cleaned values per newborn id (``closure_services.handover_prepare``)."""
        return {
            newborn.pk: {
                name: self.cleaned_data.get(f"{newborn.birth_order}-{name}") for name in BABY_FIELDS
            }
            for newborn in self.newborns
        }

    def add_error(self, field, error):
        """The service's errors are keyed ``<birth order>-<field>``: each lands on its field."""
        if field is None and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                super().add_error(name if name in self.fields else None, errors)
            return
        super().add_error(field, error)


class HandoverConsentForm(forms.Form):
    to_child_health = forms.BooleanField(
        label=_("Send the summary to Kind & Gezin / ONE"), required=False
    )
    to_gp = forms.BooleanField(label=_("Send the summary to my GP"), required=False)
