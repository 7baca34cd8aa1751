"""The record's API: dossiers and newborns. Thin views, like the pages (``views.py``):
lookups start from ``network.access`` through the selectors (a dossier outside the user's
reach is a 404), writes go through the services (which check the right to edit and
validate), and every section a response shows is logged as read. Refusals are logged by
``config.api.exception_handler``."""

from __future__ import annotations

from django.db.models import Max
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dossier import screenings, selectors, services
from dossier.models import Dossier, Measurement, Newborn, Screening
from dossier.sections import Section
from dossier.serializers import (
    DossierFilterSerializer,
    DossierListSerializer,
    DossierSerializer,
    DossierUpdateSerializer,
    MeasurementInputSerializer,
    MeasurementSerializer,
    NewbornInputSerializer,
    NewbornSerializer,
    ScreeningInputSerializer,
    ScreeningSerializer,
    ScreeningStateSerializer,
    validated,
)
from network import access


class ListApi(APIView):
    """A view that answers a list 25 to a page (the settings' paginator). Not DRF's
    GenericAPIView: these lists have no fixed queryset, they start from the user."""

    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    def paginate(self, items) -> list:
        self.paginator = self.pagination_class()
        return self.paginator.paginate_queryset(items, self.request, view=self)

    def paginated(self, data) -> Response:
        return self.paginator.get_paginated_response(data)


def _dossier_response(request, dossier: Dossier) -> Response:
    """Every section the user may see, each logged as one read; the others are absent."""
    shown = access.visible_sections(request.user, dossier)
    access.record_read(request.user, dossier, shown)
    return Response(DossierSerializer(
        dossier, context={"request": request, "sections": shown}).data)


def _newborn_data(request, dossier: Dossier, newborns, *, many: bool = False):
    access.record_read(request.user, dossier, [Section.NEWBORN])
    return NewbornSerializer(newborns, many=many, context={"request": request}).data


class DossierListApi(ListApi):
    """The records the user may open, newest first, 25 to a page. A row names the mother
    only when she shares her identity with the user; the search (``q``) only finds those."""

    @extend_schema(parameters=[DossierFilterSerializer],
                   responses=DossierListSerializer(many=True))
    def get(self, request):
        filters = DossierFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate(selectors.dossier_list(
            request.user, query=filters.validated_data.get("q", ""),
            status=filters.validated_data.get("status", "")))
        access.record_read_list(request.user, [(d, Section.IDENTITY) for d in page
                                               if d.can_view_identity])
        return self.paginated(
            DossierListSerializer(page, many=True, context={"request": request}).data)


class DossierDetailApi(APIView):
    @extend_schema(responses=DossierSerializer)
    def get(self, request, public_id):
        """One record with every section the user may see; the others are absent."""
        return _dossier_response(request, selectors.dossier_for(request.user, public_id))

    @extend_schema(request=DossierUpdateSerializer, responses=DossierSerializer)
    def patch(self, request, public_id):
        """Change the pregnancy (prenatal section) and move the status forward."""
        dossier = selectors.dossier_for(request.user, public_id)
        access.require_edit(request.user, dossier, Section.PRENATAL)
        changes = validated(DossierUpdateSerializer, request, partial=True, dossier=dossier)
        reason = changes.pop("reason", "")
        for name, value in changes.items():
            setattr(dossier, name, value)
        services.dossier_update(actor=request.user, dossier=dossier, reason=reason)
        return _dossier_response(request, dossier)


class NewbornListApi(ListApi):
    @extend_schema(responses=NewbornSerializer(many=True))
    def get(self, request, public_id):
        """The newborns of the record, in birth order."""
        dossier = selectors.dossier_for(request.user, public_id)
        access.require_view(request.user, dossier, Section.NEWBORN)
        page = self.paginate(dossier.newborns.all())
        return self.paginated(_newborn_data(request, dossier, page, many=True))

    @extend_schema(request=NewbornInputSerializer, responses={201: NewbornSerializer})
    def post(self, request, public_id):
        """Add a newborn (the delivery must be recorded first)."""
        dossier = selectors.dossier_for(request.user, public_id)
        access.require_edit(request.user, dossier, Section.NEWBORN)
        data = validated(NewbornInputSerializer, request)
        data.pop("reason", None)  # a new record has no history to explain yet
        if "birth_order" not in data:
            highest = dossier.newborns.aggregate(highest=Max("birth_order"))["highest"]
            data["birth_order"] = (highest or 0) + 1
        newborn = services.newborn_record(actor=request.user,
                                          newborn=Newborn(dossier=dossier, **data))
        return Response(_newborn_data(request, dossier, newborn), status=status.HTTP_201_CREATED)


class NewbornDetailApi(APIView):
    @extend_schema(responses=NewbornSerializer)
    def get(self, request, public_id, newborn_id):
        """One newborn's birth record."""
        dossier = selectors.dossier_for(request.user, public_id)
        access.require_view(request.user, dossier, Section.NEWBORN)
        newborn = get_object_or_404(dossier.newborns, public_id=newborn_id)
        return Response(_newborn_data(request, dossier, newborn))

    @extend_schema(request=NewbornInputSerializer, responses=NewbornSerializer)
    def patch(self, request, public_id, newborn_id):
        """Correct or complete a newborn's birth record (e.g. the INSZ once known)."""
        dossier = selectors.dossier_for(request.user, public_id)
        access.require_edit(request.user, dossier, Section.NEWBORN)
        newborn = get_object_or_404(dossier.newborns, public_id=newborn_id)
        changes = validated(NewbornInputSerializer, request, partial=True)
        reason = changes.pop("reason", "")
        for name, value in changes.items():
            setattr(newborn, name, value)
        services.newborn_record(actor=request.user, newborn=newborn, reason=reason)
        return Response(_newborn_data(request, dossier, newborn))


def _newborn(request, public_id, newborn_id, *, edit: bool):
    """The dossier within reach and one of its newborns, under the newborn section's
    right to view (or to edit)."""
    dossier = selectors.dossier_for(request.user, public_id)
    (access.require_edit if edit else access.require_view)(
        request.user, dossier, Section.NEWBORN)
    return dossier, get_object_or_404(dossier.newborns, public_id=newborn_id)


class MeasurementListApi(ListApi):
    """A newborn's weighings (the weight curve), oldest first, with the change since birth
    and the > 10 % loss flag."""

    @extend_schema(responses=MeasurementSerializer(many=True))
    def get(self, request, public_id, newborn_id):
        dossier, newborn = _newborn(request, public_id, newborn_id, edit=False)
        page = self.paginate(newborn.measurements.select_related("newborn"))
        access.record_read(request.user, dossier, [Section.NEWBORN])
        return self.paginated(MeasurementSerializer(page, many=True).data)

    @extend_schema(request=MeasurementInputSerializer, responses={201: MeasurementSerializer})
    def post(self, request, public_id, newborn_id):
        _dossier, newborn = _newborn(request, public_id, newborn_id, edit=True)
        data = validated(MeasurementInputSerializer, request)
        weighing = services.measurement_record(
            actor=request.user, measurement=Measurement(newborn=newborn, **data))
        return Response(MeasurementSerializer(weighing).data, status=status.HTTP_201_CREATED)


class ScreeningListApi(APIView):
    """A newborn's scheduled screenings with their state (R23), and recording one."""

    @extend_schema(responses=ScreeningStateSerializer(many=True))
    def get(self, request, public_id, newborn_id):
        dossier, newborn = _newborn(request, public_id, newborn_id, edit=False)
        states = screenings.states_of(newborn)
        access.record_read(request.user, dossier, [Section.NEWBORN])
        return Response(ScreeningStateSerializer(states, many=True).data)

    @extend_schema(request=ScreeningInputSerializer, responses={201: ScreeningSerializer})
    def post(self, request, public_id, newborn_id):
        _dossier, newborn = _newborn(request, public_id, newborn_id, edit=True)
        data = validated(ScreeningInputSerializer, request)
        screening = services.screening_record(actor=request.user,
                                              screening=Screening(newborn=newborn, **data))
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)
