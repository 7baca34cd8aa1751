"""The care plan over the API: the current plan with its version as the ETag, a write that
must name the version it started from (``If-Match``: 428 without it, 412 when someone
saved in between), and the versions. Same services, rules and access log as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from careplan import content as plan_content
from careplan import selectors, services
from dossier.api import ListApi
from dossier.sections import Section
from network import names
from network.boundary import CHANGE_PLAN, DossierApi


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "Name the version your change starts from: send If-Match with the "
        "ETag of the plan you read."
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PlanSerializer(serializers.Serializer):
    """The plan document (see careplan/content.py); members by their public id."""

    preferences = serializers.DictField()
    expected_course = serializers.CharField(allow_blank=True)
    home_help = serializers.DictField()
    discharge_notify = serializers.ListField(child=serializers.CharField())
    checklist = serializers.DictField(child=serializers.BooleanField())
    appointments = serializers.ListField(child=serializers.DictField())


class PlanWriteSerializer(PlanSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField())
    restored_from = serializers.IntegerField(allow_null=True)
    by_mother = serializers.BooleanField()
    content = PlanSerializer()

    def get_author(self, version) -> str:
        """The author as the reader may see them: the mother by name only for a reader of
        her identity (``network.names``; the dossier and levels from the view's route)."""
        return names.for_serializer(self.context, version.author) or ""


class CurrentPlanSerializer(serializers.Serializer):
    """The current plan: its version number (also the ``ETag``) and its content."""

    version = serializers.IntegerField()
    content = PlanSerializer()


def etag(number: int) -> str:
    return f'"v{number}"'


def _version_in(request) -> int:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    try:
        return int(header.removeprefix("W/").strip('"').removeprefix("v"))
    except ValueError as error:
        raise PreconditionFailed(f"If-Match {header} is not a version of this plan.") from error


def _plan_response(request, dossier, code=status.HTTP_200_OK) -> Response:
    _plan, version = selectors.current_plan(dossier)
    number = version.number if version else 0
    response = Response(
        {"version": number, "content": version.content if version else plan_content.empty_plan()},
        status=code,
    )
    response["ETag"] = etag(number)
    return response


class PlanApi(DossierApi):
    """Read by whoever may see the care-plan section; changed by the mother and whoever
    may change that section."""

    reads = Section.CAREPLAN
    writes = CHANGE_PLAN


class CarePlanApi(PlanApi):
    @extend_schema(responses=CurrentPlanSerializer, summary="The current care plan (ETag: version)")
    def get(self, request, **_kwargs):
        return _plan_response(request, self.route.dossier)

    @extend_schema(
        request=PlanWriteSerializer,
        responses=CurrentPlanSerializer,
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
        summary="Save the plan as a new version (If-Match required)",
    )
    def put(self, request, **_kwargs):
        dossier = self.route.dossier
        base = _version_in(request)
        data = PlanWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = dict(data.validated_data)
        reason = body.pop("reason", "")
        try:
            services.plan_save(
                actor=request.user, dossier=dossier, content=body, base_number=base, reason=reason
            )
        except services.PlanConflict as conflict:
            raise PreconditionFailed(
                f"The plan is at version {conflict.current.number}, not {base}: read it "
                "again, merge your change and send it with the new ETag."
            ) from conflict
        return _plan_response(request, dossier)


class PlanVersionListApi(PlanApi, ListApi):
    @extend_schema(responses=VersionSerializer(many=True), summary="Every version, newest first")
    def get(self, request, **_kwargs):
        plan, _version = selectors.current_plan(self.route.dossier)
        versions = plan.versions.select_related("author") if plan else []
        page = self.paginate(versions)
        return self.paginated(VersionSerializer(page, many=True, context={"request": request}).data)


class PlanVersionApi(PlanApi):
    @extend_schema(responses=VersionSerializer, summary="One version")
    def get(self, request, number, **_kwargs):
        plan, _version = selectors.current_plan(self.route.dossier)
        if plan is None:
            return Response({"detail": "No care plan yet."}, status=status.HTTP_404_NOT_FOUND)
        version = get_object_or_404(plan.versions.select_related("author"), number=number)
        return Response(VersionSerializer(version, context={"request": request}).data)
