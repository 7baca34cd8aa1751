"""The API of the clinical entries, made from the same registry as the pages
(``dossier.entries.KINDS``): one list route per kind (GET a page, POST a new entry) and one
route per entry (GET, PATCH to amend with a ``change_reason``); a kind recorded once per record
(the anamnesis, the checklists, the home-help need) has one route: GET, and PUT to fill it
in or amend it. Same gate, same validation, same history and access log as the pages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from dossier.api import ListApi
from dossier.entries import KINDS, EntryKind, shown_sections
from dossier.models import (
    DischargeChecklist,
    Feeding,
    HomeVisit,
    Jaundice,
    Newborn,
    SelfMonitoring,
    Stools,
)
from dossier.sections import Section
from dossier.selfcare import SelfKind
from dossier.serializers import DateTimeField
from network import names
from network.boundary import DossierApi, Spec, entry_write

# Values computed by the record, shown with each entry (never written).
COMPUTED = {
    "PrenatalConsultation": {
        "gestational_age": serializers.CharField(source="gestational_age_display", read_only=True)
    },
    "PrenatalLab": {
        "unit": serializers.CharField(read_only=True),
        "result_display": serializers.CharField(read_only=True),
        "gestational_age": serializers.CharField(source="gestational_age_display", read_only=True),
        "abnormal": serializers.BooleanField(read_only=True),
        "findings": serializers.ListField(
            child=serializers.DictField(child=serializers.CharField()),
            source="finding_rows",
            read_only=True,
        ),
    },
    "PsychosocialAnamnesis": {
        "vulnerable": serializers.BooleanField(read_only=True),
        "concerns": serializers.ListField(child=serializers.CharField(), read_only=True),
    },
    "DischargeChecklist": {
        "open_steps": serializers.ListField(child=serializers.CharField(), read_only=True),
        "is_confirmed": serializers.BooleanField(read_only=True),
    },
    "HomeVisit": {
        "day_post_partum": serializers.IntegerField(source="day", read_only=True),
        "epds_alarming": serializers.BooleanField(read_only=True),
    },
    "Admission": {
        "day_after_birth": serializers.IntegerField(read_only=True),
        "within_28_days": serializers.BooleanField(read_only=True),
    },
    "SelfMonitoring": {"unit": serializers.CharField(source="scale.unit", read_only=True)},
}


@extend_schema_field(OpenApiTypes.UUID)
class ProfessionalUserField(serializers.RelatedField):
    """A professional's login, named in the API by the professional's public id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.filter(professional__isnull=False), **kwargs)

    def to_representation(self, user):
        return str(user.professional.public_id) if hasattr(user, "professional") else None

    def to_internal_value(self, data):
        user = (
            self.get_queryset().filter(professional__public_id=data).first()
            if _is_uuid(data)
            else None
        )
        if user is None:
            raise serializers.ValidationError(_("No care provider with this id."))
        return user


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class BabyFindingSerializer(serializers.Serializer):
    newborn = serializers.SlugRelatedField(slug_field="public_id", queryset=Newborn.objects.all())
    weight_g = serializers.IntegerField(
        required=False, allow_null=True, min_value=300, max_value=7000
    )
    temperature_c = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True
    )
    jaundice = serializers.ChoiceField(Jaundice.choices, required=False, allow_blank=True)
    feeding = serializers.ChoiceField(Feeding.choices, required=False, allow_blank=True)
    stools = serializers.ChoiceField(Stools.choices, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)


def _babies(visit: HomeVisit) -> list[dict]:
    return [
        {
            "newborn": str(check.newborn.public_id),
            "weight_g": check.measurement.weight_g if check.measurement else None,
            "temperature_c": check.temperature_c,
            "jaundice": check.jaundice,
            "feeding": check.feeding,
            "stools": check.stools,
            "notes": check.notes,
        }
        for check in visit.baby_checks.all()
    ]


def _recorded_by(serializer, entry) -> str | None:
    """Who recorded the entry, as the reader may see them: the mother by name only for a
    reader of her identity (``network.names``)."""
    return names.for_serializer(serializer.context, entry.recorded_by, entry.dossier)


def entry_serializer(kind: EntryKind) -> type[serializers.ModelSerializer]:
    """The kind's fields as its form has them, by public ids, with who recorded it, when,
    the values the record computes, and ``change_reason`` (asked when amending)."""
    model = kind.model
    name = model.__name__
    attrs = {
        "id": serializers.UUIDField(source="public_id", read_only=True),
        "recorded_by": serializers.SerializerMethodField(),  # through network.names
        "get_recorded_by": _recorded_by,
        # "change_reason", as on the pages: a phone call and an admission have a "reason"
        "change_reason": serializers.CharField(
            write_only=True, required=False, allow_blank=True, max_length=300
        ),
        **COMPUTED.get(name, {}),
    }
    fields = list(kind.form._meta.fields)
    if "newborn" in fields:
        attrs["newborn"] = serializers.SlugRelatedField(
            slug_field="public_id", queryset=Newborn.objects.all(), required=False, allow_null=True
        )
    if "organisation" in fields:
        related = model._meta.get_field("organisation")
        attrs["organisation"] = serializers.SlugRelatedField(
            slug_field="public_id",
            queryset=related.related_model.objects.filter(related.get_limit_choices_to()),
            required=not related.null,
            allow_null=related.null,
        )
    if "first_home_visit_midwife" in fields:
        attrs["first_home_visit_midwife"] = ProfessionalUserField(required=False, allow_null=True)
    if model is SelfMonitoring:
        attrs["kind"] = serializers.ChoiceField(
            choices=SelfKind.choices,
            help_text=(
                "What was observed. `breastfeed` and `bottle` are read only: feeds noted "
                "before they were logged per baby keep them, but a new observation with "
                "either is refused with an error on `kind` — log a feed per baby with "
                "`/api/dossiers/{id}/feeds-nappies/`."
            ),
        )
    if model is HomeVisit:
        attrs["babies"] = BabyFindingSerializer(many=True, required=False)
    if model is DischargeChecklist:
        attrs["discharged_at"] = DateTimeField(
            required=False,
            allow_null=True,  # no overflow
            source="dossier.delivery.discharged_at",
        )
        attrs["confirm"] = serializers.BooleanField(write_only=True, required=False)
        fields += ["confirmed_at"]
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": [
                "id",
                *fields,
                *[f for f in ("babies", "discharged_at", "confirm") if f in attrs],
                *COMPUTED.get(name, {}),
                "recorded_by",
                "created_at",
                "updated_at",
                "change_reason",
            ],
            "read_only_fields": ["created_at", "updated_at", "confirmed_at"],
        },
    )
    serializer = type(f"{name}Serializer", (serializers.ModelSerializer,), attrs)
    if model is HomeVisit:
        serializer.to_representation = _with_babies(serializer.to_representation)
    return serializer


def _with_babies(to_representation):
    """The findings in the babies belong to the newborn section: absent for whoever may
    not see it (the view says so in the context)."""

    def wrapped(self, visit):
        data = to_representation(self, visit)
        if self.context.get("show_babies"):
            data["babies"] = _babies(visit)
        else:
            data.pop("babies", None)
        return data

    return wrapped


def _save(kind: EntryKind, request, entry, data: dict):
    """Apply the validated values and write through the kind's one save path (the pages'
    too, ``EntryKind.write``): the reason and the kind's extras by the same names."""
    reason = data.pop("change_reason", "")
    extras = {name: data.pop(name) for name in ("babies", "confirm") if name in data}
    delivery = data.pop("dossier", {}).get("delivery", {})
    if "discharged_at" in delivery:
        extras["discharged_at"] = delivery["discharged_at"]
    for name, value in data.items():
        setattr(entry, name, value)
    return kind.write(request.user, entry, reason=reason, **extras)


class EntryApi(DossierApi):
    """The boundary for one kind: read its section, write as its writer may."""

    kind: EntryKind
    serializer: type[serializers.Serializer]

    def boundary_spec(self):
        return Spec(reads=self.kind.section, writes=entry_write(self.kind.model))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, kind=self.kind, **kwargs)

    def context(self, entries) -> dict:
        """The serializer's context; the sections the answer shows are logged as read."""
        show_babies = self.route.can_view(Section.NEWBORN)
        self.route.show(*shown_sections(self.kind, entries, show_babies))
        return {"request": self.request, "show_babies": show_babies}

    def answer(self, entry, code=status.HTTP_200_OK) -> Response:
        return Response(self.serializer(entry, context=self.context([entry])).data, status=code)


def entry_routes() -> list:
    """The URL patterns of every kind's API routes (config/api_urls.py includes them)."""
    routes = []
    for kind in KINDS.values():
        serializer = entry_serializer(kind)
        base = f"dossiers/<uuid:public_id>/{kind.api_name}/"
        if kind.single:
            routes.append(
                path(base, _single_view(kind, serializer).as_view(), name=f"{kind.api_name}")
            )
        else:
            routes.append(
                path(base, _list_view(kind, serializer).as_view(), name=f"{kind.api_name}-list")
            )
            routes.append(
                path(
                    base + "<uuid:entry_id>/",
                    _detail_view(kind, serializer).as_view(),
                    name=f"{kind.api_name}-detail",
                )
            )
    return routes


def _list_view(kind: EntryKind, serializer):
    class EntryListApi(EntryApi, ListApi):
        @extend_schema(responses=serializer(many=True), summary=f"{kind.model.__name__}: list")
        def get(self, request, **_kwargs):
            page = self.paginate(kind.entries(self.route.dossier))
            return self.paginated(serializer(page, many=True, context=self.context(page)).data)

        @extend_schema(
            request=serializer, responses={201: serializer}, summary=f"{kind.model.__name__}: add"
        )
        def post(self, request, **_kwargs):
            data = _validated(serializer, request)
            entry = _save(kind, request, kind.model(dossier=self.route.dossier), data)
            return self.answer(entry, status.HTTP_201_CREATED)

    return _named(EntryListApi, kind, serializer, "ListApi")


def _detail_view(kind: EntryKind, serializer):
    class EntryDetailApi(EntryApi):
        @extend_schema(responses=serializer, summary=f"{kind.model.__name__}: one")
        def get(self, request, **_kwargs):
            return self.answer(self.route.entry)

        @extend_schema(
            request=serializer,
            responses=serializer,
            summary=f"{kind.model.__name__}: amend (give a reason)",
        )
        def patch(self, request, **_kwargs):
            data = _validated(serializer, request, partial=True)
            return self.answer(_save(kind, request, self.route.entry, data))

    return _named(EntryDetailApi, kind, serializer, "DetailApi")


def _single_view(kind: EntryKind, serializer):
    class SingleEntryApi(EntryApi):
        @extend_schema(responses=serializer, summary=f"{kind.model.__name__}: read")
        def get(self, request, **_kwargs):  # "_" is gettext here
            entry = kind.entries(self.route.dossier).first()
            if entry is None:
                raise Http404(_("Not recorded yet in this record."))
            return self.answer(entry)

        @extend_schema(
            request=serializer,
            responses=serializer,
            summary=f"{kind.model.__name__}: fill in or amend (give a reason)",
        )
        def put(self, request, **_kwargs):
            dossier = self.route.dossier
            entry = kind.entries(dossier).first() or kind.model(dossier=dossier)
            data = _validated(serializer, request, partial=entry.pk is not None)
            return self.answer(_save(kind, request, entry, data))

    return _named(SingleEntryApi, kind, serializer, "Api")


def _named(view, kind: EntryKind, serializer, suffix: str):
    view.kind, view.serializer = kind, serializer
    view.__name__ = view.__qualname__ = f"{kind.model.__name__}{suffix}"
    return view


def _validated(serializer_class, request, *, partial: bool = False) -> dict:
    data = serializer_class(data=request.data, partial=partial, context={"request": request})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)
