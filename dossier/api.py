"""The record's API: dossiers and newborns. Thin views, like the pages (``views.py``):
lookups start from ``network.access`` through the selectors (a dossier outside the user's
reach is a 404), writes go through the services (which check the right to edit and
validate), and every section a response shows is logged as read. Refusals are logged by
``config.api.exception_handler``."""

from __future__ import annotations

from django.db.models import Max
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dossier import dating, screenings, selectors, services
from dossier.models import Measurement, Newborn, Screening
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
from network.boundary import VISIBLE, DossierApi


class ListApi(APIView):
    """A view that answers a list 25 to a page (the settings' paginator). Not DRF's
    GenericAPIView: these lists have no fixed queryset, they start from the user."""

    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    def paginate(self, items) -> list:
        self.paginator = self.pagination_class()
        return self.paginator.paginate_queryset(items, self.request, view=self)

    def paginate_as(self, page) -> list:
        """A page read another way (``selectors.first_list_page``: its ids and the list's
        count in one statement), answered as the paginator's own page."""
        self.paginator = self.pagination_class()
        self.paginator.page = page
        self.paginator.request = self.request
        return list(page.object_list)

    def paginated(self, data) -> Response:
        return self.paginator.get_paginated_response(data)


def _dossier_response(view) -> Response:
    """Every section the user may see (logged by the boundary); the others are absent."""
    return Response(
        DossierSerializer(
            view.route.dossier, context={"request": view.request, "sections": view.route.visible}
        ).data
    )


def _newborn_data(view, newborns, *, many: bool = False):
    return NewbornSerializer(newborns, many=many, context={"request": view.request}).data


class DossierListApi(ListApi):
    """The records the user may open, newest first, 25 to a page. A row names the mother
    only when she shares her identity with the user; the search (``q``) only finds those.
    Without ``q``, a professional's list holds her current records (not closed); a search
    and ``status=closed`` reach the closed ones too (``selectors.dossier_list``)."""

    @extend_schema(parameters=[DossierFilterSerializer], responses=DossierListSerializer(many=True))
    def get(self, request):
        filters = DossierFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        query = filters.validated_data.get("q", "")
        status = filters.validated_data.get("status", "")
        # as "My records" does: the page's ids (sorted on the record's own columns), then
        # only those rows whole — not the joins and flags of every current record sorted;
        # a care provider's first pages without a search in one statement with the count
        first = (
            selectors.first_list_page(
                request.user,
                urgent=[],
                number=request.query_params.get(self.pagination_class.page_query_param),
                size=api_settings.PAGE_SIZE,
            )
            if not query and not status and access.is_care_provider(request.user)
            else None
        )
        if first is not None:
            ids = self.paginate_as(first)
        else:
            listing = selectors.dossier_list(request.user, query=query, status=status)
            ids = self.paginate(listing.values_list("pk", flat=True))
        page = selectors.list_rows(request.user, list(ids))
        access.record_read_list(
            request.user, [(d, Section.IDENTITY) for d in page if d.can_view_identity]
        )
        return self.paginated(
            DossierListSerializer(page, many=True, context={"request": request}).data
        )


class DossierDetailApi(DossierApi):
    shows = VISIBLE
    writes = Section.PRENATAL

    @extend_schema(responses=DossierSerializer)
    def get(self, request, **_kwargs):
        """One record with every section the user may see; the others are absent."""
        return _dossier_response(self)

    @extend_schema(request=DossierUpdateSerializer, responses=DossierSerializer)
    def patch(self, request, **_kwargs):
        """Change the pregnancy (prenatal section) and move the status forward."""
        dossier = self.route.dossier
        changes = validated(DossierUpdateSerializer, request, partial=True, dossier=dossier)
        reason = changes.pop("reason", "")
        for name, value in changes.items():
            setattr(dossier, name, value)
        if (
            changes.keys() & dating.DATING_FIELDS
            and "expected_due_date" not in changes
            and dossier.dating_method != dating.DatingMethod.TYPED
        ):
            dossier.expected_due_date = None  # redated by its method (Dossier.clean)
        services.dossier_update(actor=request.user, dossier=dossier, reason=reason)
        return _dossier_response(self)


class NewbornApi(DossierApi):
    """The newborn section: read to see, changed to write."""

    reads = Section.NEWBORN
    writes = Section.NEWBORN


class NewbornListApi(NewbornApi, ListApi):
    @extend_schema(responses=NewbornSerializer(many=True))
    def get(self, request, **_kwargs):
        """The newborns of the record, in birth order."""
        page = self.paginate(self.route.dossier.newborns.all())
        return self.paginated(_newborn_data(self, page, many=True))

    @extend_schema(request=NewbornInputSerializer, responses={201: NewbornSerializer})
    def post(self, request, **_kwargs):
        """Add a newborn (the delivery must be recorded first)."""
        dossier = self.route.dossier
        data = validated(NewbornInputSerializer, request)
        data.pop("reason", None)  # a new record has no history to explain yet
        if "birth_order" not in data:
            highest = dossier.newborns.aggregate(highest=Max("birth_order"))["highest"]
            data["birth_order"] = (highest or 0) + 1
        newborn = services.newborn_record(
            actor=request.user, newborn=Newborn(dossier=dossier, **data)
        )
        return Response(_newborn_data(self, newborn), status=status.HTTP_201_CREATED)


class NewbornDetailApi(NewbornApi):
    @extend_schema(responses=NewbornSerializer)
    def get(self, request, **_kwargs):
        """One newborn's birth record."""
        return Response(_newborn_data(self, self.route.newborn))

    @extend_schema(request=NewbornInputSerializer, responses=NewbornSerializer)
    def patch(self, request, **_kwargs):
        """Correct or complete a newborn's birth record (e.g. the INSZ once known)."""
        newborn = self.route.newborn
        changes = validated(NewbornInputSerializer, request, partial=True)
        reason = changes.pop("reason", "")
        for name, value in changes.items():
            setattr(newborn, name, value)
        services.newborn_record(actor=request.user, newborn=newborn, reason=reason)
        return Response(_newborn_data(self, newborn))


class MeasurementListApi(NewbornApi, ListApi):
    """A newborn's weighings (the weight curve), oldest first, with the change since birth
    and the > 10 % loss flag."""

    @extend_schema(responses=MeasurementSerializer(many=True))
    def get(self, request, **_kwargs):
        page = self.paginate(self.route.newborn.measurements.select_related("newborn"))
        return self.paginated(MeasurementSerializer(page, many=True).data)

    @extend_schema(request=MeasurementInputSerializer, responses={201: MeasurementSerializer})
    def post(self, request, **_kwargs):
        data = validated(MeasurementInputSerializer, request)
        weighing = services.measurement_record(
            actor=request.user, measurement=Measurement(newborn=self.route.newborn, **data)
        )
        return Response(MeasurementSerializer(weighing).data, status=status.HTTP_201_CREATED)


class ScreeningListApi(NewbornApi):
    """A newborn's scheduled screenings with their state (R23), and recording one."""

    @extend_schema(responses=ScreeningStateSerializer(many=True))
    def get(self, request, **_kwargs):
        states = screenings.states_of(self.route.newborn)
        return Response(ScreeningStateSerializer(states, many=True).data)

    @extend_schema(request=ScreeningInputSerializer, responses={201: ScreeningSerializer})
    def post(self, request, **_kwargs):
        data = validated(ScreeningInputSerializer, request)
        screening = services.screening_record(
            actor=request.user, screening=Screening(newborn=self.route.newborn, **data)
        )
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)
