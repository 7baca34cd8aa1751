"""Forms for the clinical entries. Like ``forms.py`` they hold no rules: the models'
``clean()`` and the services decide. Each takes the dossier it writes into, to offer only
that record's babies and network members."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.forms import AmendmentForm, DateInput, DateTimeInput
from dossier.models import (
    Admission,
    DischargeChecklist,
    Feeding,
    HomeHelpDay,
    HomeHelpNeed,
    HomeHelpReason,
    HomeVisit,
    Jaundice,
    PhoneContact,
    PrenatalConsultation,
    PrenatalLab,
    PsychosocialAnamnesis,
    SelfMonitoring,
    ShortStayAssessment,
    ShortStayCriterion,
    Stools,
    VitalStatus,
)
from dossier.sections import Section
from dossier.selfcare import PER_BABY_KINDS, SCALES
from network import access
from network.models import Level

NUMERIC = {"inputmode": "numeric"}
DECIMAL = {"inputmode": "decimal", "step": "0.1"}


class EntryForm(AmendmentForm):
    """``levels``: the writer's level per section (``Route.levels``), for a form that asks
    about another section too (a home visit's findings in the babies)."""

    def __init__(self, *args, dossier, user=None, levels=None, **kwargs):
        self.dossier, self.user, self.levels = dossier, user, levels or {}
        super().__init__(*args, **kwargs)
        if "newborn" in self.fields:
            self.fields["newborn"].queryset = dossier.newborns.all()

    def extras(self) -> dict:
        """What the kind's service takes besides the entry and the reason (``EntryKind.save``):
        the same names the API's serializer gives."""
        return {}


class ConsultationForm(EntryForm):
    class Meta:
        model = PrenatalConsultation
        fields = [
            "consulted_on",
            "at_home",
            "weight_kg",
            "bp_systolic",
            "bp_diastolic",
            "fundal_height_cm",
            "fetal_heart_rate",
            "epds_score",
            "epds_self_harm",
            "notes",
        ]
        widgets = {
            "consulted_on": DateInput(),
            "weight_kg": forms.NumberInput(attrs=DECIMAL),
            "bp_systolic": forms.NumberInput(attrs=NUMERIC),
            "bp_diastolic": forms.NumberInput(attrs=NUMERIC),
            "fundal_height_cm": forms.NumberInput(attrs=DECIMAL),
            "fetal_heart_rate": forms.NumberInput(attrs=NUMERIC),
            "epds_score": forms.NumberInput(attrs=NUMERIC),
            "epds_self_harm": forms.NumberInput(attrs=NUMERIC),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        # the model's help text names its requirement (R35); the page says it plainly
        help_texts = {
            "at_home": _(
                "A prenatal home visit by the midwife is recorded as a consultation at home."
            )
        }


class PrenatalLabForm(EntryForm):
    """One lab result. Which fields a test takes is the reference table's
    (``dossier.labs``); the model says which field does not belong to the chosen test."""

    class Meta:
        model = PrenatalLab
        fields = [
            "test",
            "taken_on",
            "result",
            "value",
            "value_1h",
            "value_2h",
            "abo",
            "rhesus",
            "anti_d_given_on",
            "anti_d_dose_ug",
            "detail",
            "source",
            "laboratory",
        ]
        widgets = {
            "taken_on": DateInput(),
            "anti_d_given_on": DateInput(),
            "value": forms.NumberInput(attrs=DECIMAL),
            "value_1h": forms.NumberInput(attrs=DECIMAL),
            "value_2h": forms.NumberInput(attrs=DECIMAL),
            "anti_d_dose_ug": forms.NumberInput(attrs=NUMERIC),
        }
        help_texts = {
            "abo": _("Blood group only."),
            "rhesus": _("Blood group only."),
            "value_1h": _("Glucose tolerance test only."),
            "value_2h": _("Glucose tolerance test only."),
        }


class PsychosocialForm(EntryForm):
    class Meta:
        model = PsychosocialAnamnesis
        fields = [
            "interviewed_on",
            "social_support",
            "housing",
            "income",
            "language",
            "mental_health",
            "violence",
            "substance_use",
            "notes",
        ]
        widgets = {"interviewed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PsychosocialAnamnesis().answers():
            field = self.fields[name]
            field.widget = forms.RadioSelect(choices=[("", _("Not asked")), *field.choices[1:]])


class ShortStayForm(EntryForm):
    criteria_met = forms.MultipleChoiceField(
        label=_("Criteria met"),
        choices=ShortStayCriterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ShortStayAssessment
        fields = ["assessed_on", "criteria_met", "decision", "notes"]
        widgets = {"assessed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}


class DischargeForm(EntryForm):
    discharged_at = forms.DateTimeField(
        label=_("Discharged at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("The moment mother and baby leave the ward; kept with the stay."),
    )
    confirm = forms.BooleanField(label=_("Confirm the discharge"), required=False)

    class Meta:
        model = DischargeChecklist
        fields = [
            "needs_mother_assessed",
            "needs_child_assessed",
            "needs_notes",
            "first_home_visit_at",
            "first_home_visit_midwife",
            "paediatric_consultation_on",
            "home_help",
            "gp_informed",
            "open_steps_reason",
        ]
        widgets = {
            "first_home_visit_at": DateTimeInput(),
            "paediatric_consultation_on": DateInput(),
            "needs_notes": forms.Textarea(attrs={"rows": 2}),
            "open_steps_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        delivery = getattr(self.dossier, "delivery", None)
        if delivery is not None:
            self.fields["discharged_at"].initial = delivery.discharged_at
        self.fields["first_home_visit_midwife"].queryset = access.home_visit_providers(self.dossier)
        self.fields["first_home_visit_midwife"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        if self.instance.is_confirmed:
            del self.fields["confirm"]

    def extras(self) -> dict:
        return {
            "discharged_at": self.cleaned_data["discharged_at"],
            "confirm": self.cleaned_data.get("confirm", False),
        }


class HomeVisitForm(EntryForm):
    """The mother's part of the visit, and per live baby a few fields (weight, jaundice,
    feeding, stools) for whoever may write in the newborn section."""

    # The id static/js/drafts.js gives a new visit, so that one sent twice (offline queue,
    # a lost answer) is saved once (HomeVisit.client_key, issue 14).
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = HomeVisit
        fields = [
            "visited_at",
            "temperature_c",
            "bp_systolic",
            "bp_diastolic",
            "involution",
            "lochia",
            "wound",
            "breasts",
            "epds_score",
            "epds_self_harm",
            "advice",
            "notes",
            "next_visit_at",
        ]
        widgets = {
            "visited_at": DateTimeInput(),
            "next_visit_at": DateTimeInput(),
            "temperature_c": forms.NumberInput(attrs=DECIMAL),
            "bp_systolic": forms.NumberInput(attrs=NUMERIC),
            "bp_diastolic": forms.NumberInput(attrs=NUMERIC),
            "epds_score": forms.NumberInput(attrs=NUMERIC),
            "epds_self_harm": forms.NumberInput(attrs=NUMERIC),
            "advice": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_babies = self.levels.get(Section.NEWBORN, Level.NONE) >= Level.EDIT
        self.newborns = (
            list(self.dossier.newborns.filter(vital_status=VitalStatus.LIVE_BIRTH))
            if with_babies
            else []
        )
        checks = (
            {c.newborn_id: c for c in self.instance.baby_checks.select_related("measurement")}
            if self.instance.pk
            else {}
        )
        for newborn in self.newborns:
            check = checks.get(newborn.pk)
            prefix = f"baby{newborn.birth_order}_"
            named = f" – {newborn}" if len(self.newborns) > 1 else ""
            self.fields[prefix + "weight_g"] = forms.IntegerField(
                label=_("Baby's weight (g)") + named,
                required=False,
                min_value=300,
                max_value=7000,
                widget=forms.NumberInput(attrs=NUMERIC),
                initial=check.measurement.weight_g if check and check.measurement else None,
            )
            self.fields[prefix + "temperature_c"] = forms.DecimalField(
                label=_("Baby's temperature (°C)") + named,
                required=False,
                max_digits=3,
                decimal_places=1,
                widget=forms.NumberInput(attrs=DECIMAL),
                initial=check.temperature_c if check else None,
            )
            for name, label, choices in (
                ("jaundice", _("Jaundice"), Jaundice.choices),
                ("feeding", _("Feeding"), Feeding.choices),
                ("stools", _("Stools"), Stools.choices),
            ):
                self.fields[prefix + name] = forms.ChoiceField(
                    label=label + named,
                    required=False,
                    choices=[("", "—"), *choices],
                    initial=getattr(check, name, ""),
                )

    def baby_prefixes(self) -> list[tuple]:
        return [(newborn, f"baby{newborn.birth_order}_") for newborn in self.newborns]

    def mother_fields(self) -> list:
        """The visible fields but the babies' (the form page groups those per baby)."""
        prefixes = tuple(prefix for _newborn, prefix in self.baby_prefixes())
        return [
            field
            for field in self.visible_fields()
            if not prefixes or not field.name.startswith(prefixes)
        ]

    def baby_groups(self) -> list[tuple]:
        """Per live baby, its name and its fields: one fieldset each (twins, issue 14)."""
        return [
            (newborn, [self[name] for name in self.fields if name.startswith(prefix)])
            for newborn, prefix in self.baby_prefixes()
        ]

    def babies(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "newborn": newborn,
                **{
                    name: data.get(f"baby{newborn.birth_order}_{name}")
                    for name in ("weight_g", "temperature_c", "jaundice", "feeding", "stools")
                },
            }
            for newborn in self.newborns
        ]

    def extras(self) -> dict:
        return {"babies": self.babies()}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            self.instance.client_key = cleaned.get("client_key")
        return cleaned


class PhoneContactForm(EntryForm):
    class Meta:
        model = PhoneContact
        fields = [
            "started_at",
            "duration_minutes",
            "caller",
            "reason",
            "reason_detail",
            "outcome",
            "notes",
        ]
        widgets = {
            "started_at": DateTimeInput(),
            "duration_minutes": forms.NumberInput(attrs=NUMERIC),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class AdmissionForm(EntryForm):
    class Meta:
        model = Admission
        fields = [
            "patient",
            "newborn",
            "admitted_on",
            "hospital",
            "reason",
            "reason_detail",
            "days",
        ]
        widgets = {"admitted_on": DateInput(), "days": forms.NumberInput(attrs=NUMERIC)}


class HomeHelpNeedForm(EntryForm):
    reasons = forms.MultipleChoiceField(
        label=_("Reasons for more help"),
        choices=HomeHelpReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = HomeHelpNeed
        fields = ["estimated_hours", "reasons", "organisation", "notes"]
        widgets = {
            "estimated_hours": forms.NumberInput(attrs=NUMERIC),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class HomeHelpDayForm(EntryForm):
    class Meta:
        model = HomeHelpDay
        fields = ["day", "hours", "organisation", "notes"]
        widgets = {
            "day": DateInput(),
            "hours": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.25"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:  # today, by the service the need names (issue 14)
            self.fields["day"].initial = timezone.localdate()
            need = HomeHelpNeed.objects.filter(dossier=self.dossier).only("organisation_id").first()
            if need is not None and need.organisation_id:
                self.fields["organisation"].initial = need.organisation_id


class SelfMonitoringForm(EntryForm):
    """A new observation offers no feed: feeds are logged per baby (``dossier.feeds``);
    a feed noted before keeps its kind when it is amended."""

    class Meta:
        model = SelfMonitoring
        fields = ["kind", "noted_at", "value", "newborn", "note"]
        widgets = {"noted_at": DateTimeInput(), "value": forms.NumberInput(attrs=DECIMAL)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = {
            kind: scale
            for kind, scale in SCALES.items()
            if self.instance.pk or not scale.logged_per_baby
        }
        if not self.instance.pk:
            self.fields["kind"].choices = [
                (value, label)
                for value, label in self.fields["kind"].choices
                if value not in PER_BABY_KINDS
            ]
            self.fields["kind"].help_text = _(
                "A feed is logged per baby, in one tap, under “Feeds and nappies”."
            )
        self.fields["value"].help_text = " · ".join(
            f"{kind.label}: {scale.hint}" for kind, scale in kinds.items()
        )
        self.fields["newborn"].help_text = _("Only for the baby's weight.")
        if not self.instance.pk:
            self.fields["noted_at"].initial = timezone.now()


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AlertForm(forms.Form):
    """Take an alert on, or say how it was resolved (R42)."""

    ACTIONS = (("acknowledge", _("Take it on")), ("resolve", _("Resolved")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What you do, or how it was resolved"),
        max_length=300,
        required=False,
        widget=forms.TextInput(),
    )
