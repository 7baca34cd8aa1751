"""Forms for the record's pages. They hold no business rules: the models' ``clean()`` and
the services decide; the forms only shape input for a phone or a desk."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dossier.dating import DatingMethod
from dossier.insz import compact_insz, format_insz
from dossier.models import (
    Delivery,
    Dossier,
    Measurement,
    Mother,
    Newborn,
    RiskFactor,
    Screening,
)


class DateInput(forms.DateInput):
    """The phone's own date picker; the value travels as ISO (yyyy-mm-dd)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class InszField(forms.CharField):
    """Accepts the number as people type it (85.07.30-033.28) and keeps the 11 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "placeholder": "85.07.30-033.28"}
        )

    def prepare_value(self, value):
        return format_insz(value) if value and len(str(value)) == 11 else value

    def to_python(self, value):
        return compact_insz(super().to_python(value))


class AmendmentForm(forms.ModelForm):
    """Changing what was already recorded asks why (kept in the entry's history)."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        required=False,
        help_text=_("E.g. “typing error”, “ultrasound dating”, “INSZ now known”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["change_reason"]
        else:
            self.fields["change_reason"].required = getattr(
                self.instance, "AMEND_NEEDS_REASON", True
            )

    @property
    def reason(self) -> str:
        return self.cleaned_data.get("change_reason", "")


class MotherForm(AmendmentForm):
    insz = InszField(label=_("INSZ number"), help_text=Mother._meta.get_field("insz").help_text)

    class Meta:
        model = Mother
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "insz",
            "phone",
            "email",
            "street_address",
            "postcode",
            "municipality",
            "province",
            "preferred_language",
            "health_insurer",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "phone": forms.TelInput(attrs={"autocomplete": "tel"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}"}),
        }
        help_texts = {"province": _("Filled in from the postcode when left empty.")}


class NewMotherForm(MotherForm):
    """The mother of a new record. An INSZ already registered is not refused here: that
    answer would tell whoever types it that she is a registered mother (issue 13). The
    number is still checked (``Mother.clean``); ``services.dossier_open_or_join`` decides."""

    def _get_validation_exclusions(self):
        return {*super()._get_validation_exclusions(), "insz"}


class DossierForm(AmendmentForm):
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RiskFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Dossier
        fields = [
            "dating_method",
            "last_menstrual_period",
            "dating_scan_on",
            "crown_rump_length_mm",
            "embryo_transfer_on",
            "embryo_age_days",
            "expected_due_date",
            "gravidity",
            "parity",
            "fetus_count",
            "conception",
            "risk_factors",
            "risk_notes",
        ]
        widgets = {
            "last_menstrual_period": DateInput(),
            "dating_scan_on": DateInput(),
            "crown_rump_length_mm": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "0.1"}
            ),
            "embryo_transfer_on": DateInput(),
            "embryo_age_days": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "expected_due_date": DateInput(),
            "risk_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "dating_method": _(
                "The last period gives the due date + 280 days; an ultrasound, from the "
                "crown-rump length and the day of the scan; an IVF pregnancy, from the "
                "transfer. Choose “typed in” to keep a due date of your own."
            ),
            "dating_scan_on": _("Ultrasound dating only."),
            "crown_rump_length_mm": _("Ultrasound dating only: 10 to 84 mm."),
            "embryo_transfer_on": _("IVF dating only."),
            "embryo_age_days": _("IVF dating only: 3 for a day-3 embryo, 5 for a blastocyst."),
            "expected_due_date": _(
                "Computed by the dating method; typed in only with the method “typed in”."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_due_date"].required = False
        self.fields["dating_method"].choices = [
            ("", _("From what is filled in (the last period, or the date typed)")),
            *DatingMethod.choices,
        ]

    def clean(self):
        """A due date the user did not touch is computed again by a computing method (the
        last period, an ultrasound, the transfer), so a new scan or a corrected period
        redates the pregnancy; a date typed over the computed one is the model's to judge."""
        cleaned = super().clean()
        method = cleaned.get("dating_method")
        if method and method != DatingMethod.TYPED and "expected_due_date" not in self.changed_data:
            cleaned["expected_due_date"] = None
        return cleaned


class DossierEditForm(DossierForm):
    """Editing a record also moves its status (forward only; see the model)."""

    class Meta(DossierForm.Meta):
        fields = [*DossierForm.Meta.fields, "status", "closure_reason"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        self.instance.check_status_change(status)
        return status


class DeliveryForm(AmendmentForm):
    class Meta:
        model = Delivery
        fields = list(Delivery.SECTION_FIELDS)
        widgets = {
            "born_at": DateTimeInput(),
            "admitted_at": DateTimeInput(),
            "discharged_at": DateTimeInput(),
            "complications": forms.Textarea(attrs={"rows": 3}),
            "gestational_weeks": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "gestational_days": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }


class NewbornForm(AmendmentForm):
    insz = InszField(label=_("INSZ number"), help_text=Newborn._meta.get_field("insz").help_text)

    class Meta:
        model = Newborn
        fields = list(Newborn.BIRTH_RECORD)
        widgets = {
            "neonatal_admission": forms.NullBooleanSelect(),
            "birth_weight_g": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "apgar_1": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
            "apgar_5": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
        }


class DossierSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, INSZ or municipality")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All statuses")),
            *Dossier._meta.get_field("status").choices,
        ]


class MeasurementForm(AmendmentForm):
    class Meta:
        model = Measurement
        fields = ["measured_at", "weight_g", "length_cm", "head_circumference_cm", "source"]
        widgets = {
            "measured_at": DateTimeInput(),
            "weight_g": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "length_cm": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
            "head_circumference_cm": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "0.1"}
            ),
        }


class ScreeningForm(forms.ModelForm):
    class Meta:
        model = Screening
        fields = ["kind", "done_at", "result", "card_number", "note"]
        widgets = {"done_at": DateTimeInput()}
        help_texts = {
            "card_number": _(
                "Heel prick only: the number printed on the blood "
                "card, so the laboratory's result can be matched."
            )
        }
