"""The API's shapes of the record: output serializers that show only the sections the user
may see, and input serializers that only turn JSON into Python values.

Input serializers hold no rules: bounds, dates and other plausibility checks stay in the
models' ``clean()``, which the services run, so the API answers with the same Dutch message
naming the field as the pages do. A section the user may not see is absent from the output
(the key is not there, not ``null``); the view decides which sections are shown and logs
them as read."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.reverse import reverse
from rest_framework.utils.formatting import lazy_format

from dossier import growth
from dossier.dating import DatingMethod
from dossier.insz import compact_insz
from dossier.models import (
    Anomaly,
    Conception,
    Delivery,
    Dossier,
    DossierStatus,
    Feeding,
    Measurement,
    MeasurementSource,
    Mother,
    Newborn,
    NewbornStatus,
    RiskFactor,
    Screening,
    Sex,
    VitalStatus,
)
from dossier.screenings import ScreeningKind, ScreeningResult
from dossier.sections import Section

# --- shared fields ------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.URI)
class ApiLink(serializers.Field):
    """An absolute link to another API route of the object, built from its public ids."""

    def __init__(self, view_name: str, url_kwargs, **kwargs):
        self.view_name, self.url_kwargs = view_name, url_kwargs
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return reverse(
            self.view_name, kwargs=self.url_kwargs(value), request=self.context.get("request")
        )


def dossier_link(view_name: str) -> ApiLink:
    return ApiLink(view_name, lambda dossier: {"public_id": dossier.public_id})


class InszField(serializers.CharField):
    """Accepts the number as people type it (85.07.30-033.28) and keeps the 11 digits; the
    model checks it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)  # as the form's InszField: typed with dots, dashes
        super().__init__(allow_blank=True, required=False, **kwargs)

    def to_internal_value(self, data):
        return compact_insz(super().to_internal_value(data))


class DateTimeField(serializers.DateTimeField):
    """DRF's, refusing a moment its time-zone check cannot compute (year 1 in Brussels is
    before the first UTC instant: DRF's ``valid_datetime`` raises OverflowError, a 500) with
    its own "out of range" message on the field. Every ModelSerializer of the API maps a
    model's DateTimeField to it (below)."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = DateTimeField


class ModelBoundedSerializer(serializers.Serializer):
    """An input serializer whose text fields take the bound of the model field they fill
    (``bounds_model``), so the API refuses at the same length as the page's form (a model
    form takes its bound from the same field): a 400 naming the field, never a silent cut
    or a database error."""

    bounds_model = None

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not isinstance(field, serializers.CharField) or field.max_length is not None:
                continue
            try:
                model_field = self.bounds_model._meta.get_field(field.source or name)
            except (AttributeError, FieldDoesNotExist):
                continue
            limit = getattr(model_field, "max_length", None)
            if limit:
                field.max_length = limit
                field.validators.append(
                    MaxLengthValidator(
                        limit,
                        message=lazy_format(field.error_messages["max_length"], max_length=limit),
                    )
                )
        return fields


# --- output: the sections -----------------------------------------------------------------


class MotherSerializer(serializers.ModelSerializer):
    """The identity section: the mother's identity, contact details and address."""

    class Meta:
        model = Mother
        fields = [
            "public_id",
            "insz",
            "given_name",
            "family_name",
            "date_of_birth",
            "phone",
            "email",
            "street_address",
            "postcode",
            "municipality",
            "province",
            "preferred_language",
            "health_insurer",
        ]
        read_only_fields = fields


class MotherSummarySerializer(serializers.ModelSerializer):
    """What a list shows of the identity section (as the dashboard does)."""

    class Meta:
        model = Mother
        fields = ["given_name", "family_name", "municipality", "province"]
        read_only_fields = fields


class CarriedSerializer(serializers.Serializer):
    """A prenatal result where it decides care (``dossier.labs.carried_forward``)."""

    key = serializers.ChoiceField(choices=["rhesus", "hbsag", "gbs"])
    state = serializers.ChoiceField(choices=["act", "clear", "unknown"])
    finding = serializers.CharField()
    care = serializers.CharField(help_text="What it decides at the birth.")
    baby = serializers.CharField(help_text="What it decides for the baby.")


class PrenatalSerializer(serializers.ModelSerializer):
    """The prenatal section: the pregnancy's own fields, how it was dated, and the prenatal
    results that decide care at the birth and for the baby (``safety``)."""

    safety = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "last_menstrual_period",
            "expected_due_date",
            "dating_method",
            "crown_rump_length_mm",
            "dating_scan_on",
            "embryo_transfer_on",
            "embryo_age_days",
            "safety",
            "gravidity",
            "parity",
            "fetus_count",
            "conception",
            "risk_factors",
            "risk_notes",
        ]
        read_only_fields = fields

    @extend_schema_field(CarriedSerializer(many=True))
    def get_safety(self, dossier) -> list:
        from dossier.selectors import safety_status

        return CarriedSerializer(safety_status(dossier), many=True).data


class DeliverySerializer(serializers.ModelSerializer):
    """The delivery section: the birth and the maternity stay."""

    class Meta:
        model = Delivery
        fields = ["public_id", *Delivery.SECTION_FIELDS]
        read_only_fields = fields


class NewbornSerializer(serializers.ModelSerializer):
    """The newborn section: one newborn's birth record."""

    url = ApiLink(
        "api:newborn-detail",
        lambda newborn: {"public_id": newborn.dossier.public_id, "newborn_id": newborn.public_id},
    )

    class Meta:
        model = Newborn
        fields = ["public_id", "url", *Newborn.BIRTH_RECORD]
        read_only_fields = fields


class MeasurementSerializer(serializers.ModelSerializer):
    """A weighing, with the change since the birth weight and the > 10 % loss flag."""

    change_percent = serializers.SerializerMethodField()
    loss_alert = serializers.SerializerMethodField()

    class Meta:
        model = Measurement
        fields = [
            "public_id",
            "measured_at",
            "weight_g",
            "length_cm",
            "head_circumference_cm",
            "source",
            "change_percent",
            "loss_alert",
        ]
        read_only_fields = fields

    def get_change_percent(self, weighing) -> Decimal:
        return growth.percent_change(weighing.newborn.birth_weight_g, weighing.weight_g)

    def get_loss_alert(self, weighing) -> bool:
        return growth.is_alarming(weighing.newborn.birth_weight_g, weighing.weight_g)


class MeasurementInputSerializer(ModelBoundedSerializer):
    bounds_model = Measurement

    measured_at = DateTimeField()
    weight_g = serializers.IntegerField()
    length_cm = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    head_circumference_cm = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    source = serializers.ChoiceField(choices=MeasurementSource.choices, required=False)


class ScreeningSerializer(serializers.ModelSerializer):
    """A neonatal screening done, with its result."""

    class Meta:
        model = Screening
        fields = ["public_id", "kind", "done_at", "result", "card_number", "note"]
        read_only_fields = fields


class ScreeningInputSerializer(ModelBoundedSerializer):
    bounds_model = Screening

    kind = serializers.ChoiceField(choices=ScreeningKind.choices)
    done_at = DateTimeField()
    result = serializers.ChoiceField(choices=ScreeningResult.choices)
    card_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ScreeningStateSerializer(serializers.Serializer):
    """One scheduled screening of a newborn: its window after birth, its state (not yet,
    due, overdue, done, follow-up) and the last result recorded."""

    kind = serializers.CharField()
    status = serializers.CharField()
    due_from = serializers.DateTimeField()
    due_until = serializers.DateTimeField()
    last = ScreeningSerializer(allow_null=True)


def _no_data_yet():
    return serializers.DictField(
        required=False,
        help_text="A section without data in the API yet: an empty object when granted.",
    )


class DossierSerializer(serializers.Serializer):
    """One maternity record. ``public_id``, ``status`` and the links are always there; each
    section (``identity``, ``prenatal``, ``psychosocial``, ``delivery``, ``postnatal``,
    ``newborn``, ``careplan``, ``homehelp``) is a key only when the user may see it.
    ``delivery`` is ``null`` while no delivery is recorded."""

    # context["sections"] names the sections to show: the view logs exactly those as read.

    public_id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=DossierStatus.choices, read_only=True)
    url = dossier_link("api:dossier-detail")
    newborns_url = dossier_link("api:newborn-list")
    memberships_url = dossier_link("api:membership-list")
    consent_url = dossier_link("api:consent")

    # Not read-only, so that the schema marks them optional; this serializer never reads input.
    identity = MotherSerializer(source="mother", required=False)
    prenatal = PrenatalSerializer(source="*", required=False)
    psychosocial = _no_data_yet()
    delivery = DeliverySerializer(required=False, allow_null=True)
    postnatal = _no_data_yet()
    newborn = NewbornSerializer(source="newborns", many=True, required=False)
    careplan = _no_data_yet()
    homehelp = _no_data_yet()

    NO_DATA_YET = frozenset(
        {Section.PSYCHOSOCIAL, Section.POSTNATAL, Section.CAREPLAN, Section.HOMEHELP}
    )

    def to_representation(self, dossier):
        shown = self.context["sections"]
        data = {}
        for name, field in self.fields.items():
            if name in Section.values:
                if name not in shown:
                    continue
                if name in self.NO_DATA_YET:
                    data[name] = {}
                    continue
            try:
                value = field.get_attribute(dossier)
            except SkipField:
                continue
            data[name] = None if value is None else field.to_representation(value)
        return data


class DossierListSerializer(serializers.Serializer):
    """A row of the list: the mother's name only when her identity is shared with the user
    (``identity`` is absent otherwise), like the dashboard."""

    public_id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=DossierStatus.choices, read_only=True)
    url = dossier_link("api:dossier-detail")
    identity = MotherSummarySerializer(source="mother", required=False)

    def to_representation(self, dossier):
        data = super().to_representation(dossier)
        if not dossier.can_view_identity:
            del data["identity"]
        return data


# --- input --------------------------------------------------------------------------------


class DossierFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Name, INSZ or municipality of the mother.",
    )
    status = serializers.ChoiceField(
        choices=DossierStatus.choices, required=False, allow_blank=True
    )


class DossierUpdateSerializer(ModelBoundedSerializer):
    """The prenatal section and the status. The due date follows the dating method
    (``dating_method``: ``lmp`` + 280 days, ``ultrasound`` from ``crown_rump_length_mm`` and
    ``dating_scan_on``, ``ivf`` from ``embryo_transfer_on`` and ``embryo_age_days``, or
    ``typed``): left out of a change of the dating, or ``null``, it is computed again; a
    typed date that differs from the computed one is refused unless the method is
    ``typed``."""

    bounds_model = Dossier

    last_menstrual_period = serializers.DateField(required=False, allow_null=True)
    expected_due_date = serializers.DateField(required=False, allow_null=True)
    dating_method = serializers.ChoiceField(choices=DatingMethod.choices, required=False)
    crown_rump_length_mm = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True
    )
    dating_scan_on = serializers.DateField(required=False, allow_null=True)
    embryo_transfer_on = serializers.DateField(required=False, allow_null=True)
    embryo_age_days = serializers.IntegerField(required=False, allow_null=True)
    gravidity = serializers.IntegerField(required=False)
    parity = serializers.IntegerField(required=False)
    fetus_count = serializers.IntegerField(required=False)
    conception = serializers.ChoiceField(
        choices=Conception.choices, required=False, allow_blank=True
    )
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(RiskFactor.choices), required=False
    )
    risk_notes = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=DossierStatus.choices, required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why the record changes; kept in its history.",
    )

    def validate_status(self, status):
        """Forward only, and "delivered" needs a delivery: the model's own rule, shown on
        the field as the page's form does."""
        self.context["dossier"].check_status_change(status)
        return status


class NewbornInputSerializer(ModelBoundedSerializer):
    """A newborn's birth record. ``birth_order`` defaults to the next free number."""

    bounds_model = Newborn

    birth_order = serializers.IntegerField(required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why an existing birth record changes; kept in its history.",
    )
    given_name = serializers.CharField(required=False, allow_blank=True)
    family_name = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices)
    insz = InszField()
    vital_status = serializers.ChoiceField(choices=VitalStatus.choices, required=False)
    birth_weight_g = serializers.IntegerField()
    length_cm = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    head_circumference_cm = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    apgar_1 = serializers.IntegerField(required=False, allow_null=True)
    apgar_5 = serializers.IntegerField(required=False, allow_null=True)
    feeding = serializers.ChoiceField(choices=Feeding.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=NewbornStatus.choices, required=False)
    congenital_anomaly = serializers.ChoiceField(
        choices=Anomaly.choices, required=False, allow_blank=True
    )
    anomaly_description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    neonatal_admission = serializers.BooleanField(required=False, allow_null=True)


def validated(serializer_class, request, *, partial: bool = False, **context) -> dict:
    """Turn the request body into Python values, or answer 400 naming the fields."""
    serializer = serializer_class(
        data=request.data, partial=partial, context={"request": request, **context}
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
