"""The figures over the API: every table of the figures page (``/api/figures/``, for policy
analysts) and a maternity ward's quality figures beside the national ones
(``/api/figures/ward/``, for the ward's own professionals), with the same disclosure
control as the page and its CSV: a hidden cell has its symbol as text and no value."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ebirth import figures, figures_tables
from network import access


class CellSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="As the page shows it: 76.887,48, <5 or ×.")
    value = serializers.FloatField(
        allow_null=True, help_text="The number behind the text; null when hidden or empty."
    )
    state = serializers.ChoiceField(
        choices=["shown", "small", "protected", "unpublished"],
        help_text=(
            "small: about fewer than 5 families; protected: hidden beside a small cell; "
            "unpublished: the breakdown is not published for the year."
        ),
    )


class RowSerializer(serializers.Serializer):
    label = serializers.CharField()
    measure = serializers.CharField(allow_blank=True)
    total = serializers.BooleanField()
    cells = CellSerializer(many=True)


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    provisional = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    years = YearSerializer(many=True)
    tables = TableSerializer(many=True)


RANGE = [
    OpenApiParameter("van", OpenApiTypes.INT, description="First year (default: the first)."),
    OpenApiParameter("tot", OpenApiTypes.INT, description="Last year (default: the last)."),
]


def _years(request) -> list[int]:
    years, errors = figures.choose_years(request.query_params, figures.available_years())
    if errors:
        raise ValidationError(errors)
    return years


def _shape(result: figures_tables.Figures) -> dict:
    return {
        "years": [
            {"year": y.year, "provisional": y.provisional, "computed_at": y.computed_at}
            for y in result.years
        ],
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "note": table.note,
                "columns": table.columns,
                "rows": [
                    {
                        "label": row.label,
                        "measure": row.measure,
                        "total": row.total,
                        "cells": [
                            {"text": c.text, "value": c.value, "state": str(c.state)}
                            for c in row.cells
                        ],
                    }
                    for row in table.rows
                ],
            }
            for table in result.tables
        ],
    }


class FiguresApi(APIView):
    """The anonymous figures for policy makers, years side by side."""

    @extend_schema(parameters=RANGE, responses=FiguresSerializer)
    def get(self, request):
        access.require_view_figures(request.user)
        return Response(FiguresSerializer(_shape(figures_tables.tables(_years(request)))).data)


class WardFiguresApi(APIView):
    """The quality figures of the user's own maternity ward beside the national ones."""

    @extend_schema(parameters=RANGE, responses=FiguresSerializer)
    def get(self, request):
        ward = access.require_figures_ward(request.user)
        result = figures_tables.ward_tables(_years(request), ward.name)
        return Response(FiguresSerializer(_shape(result)).data)
