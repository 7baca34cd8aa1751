"""The figures for policy makers as a page (with charts) and as CSV (R31). Aggregates only:
no record is shown, so no record's read is logged; who may see them is decided in
``network.access``."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ebirth import figures
from network import access

CHART_WIDTH, BAR_HEIGHT = 640, 26


def _year(request, available: list[int]) -> int:
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        year = available[0] if available else timezone.localdate().year
    return year


def _chart(bars):
    """Horizontal bars scaled to the largest; coordinates for the SVG (not localised)."""
    if not bars:
        return None
    top = max(value for _label, value in bars) or 1
    return {"height": BAR_HEIGHT * len(bars) + 10, "width": CHART_WIDTH,
            "bars": [{"label": label, "y": 5 + i * BAR_HEIGHT, "value": value,
                      "w": round((CHART_WIDTH - 260) * value / top, 1)}
                     for i, (label, value) in enumerate(bars)]}


@login_required
def figures_page(request):
    access.require_view_figures(request.user)
    available = figures.years()
    year = _year(request, available)
    tables = [{"table": table, "chart": _chart(table.bars),
               "rows": [list(zip(table.columns, row, strict=True)) for row in table.rows]}
              for table in figures.all_tables(year)]
    return render(request, "ebirth/figures.html", {
        "year": year, "years": available, "tables": tables,
        "minimum": figures.MIN_FAMILIES})


@login_required
def figures_csv(request):
    access.require_view_figures(request.user)
    year = _year(request, figures.years())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cijfers-{year}.csv"'
    response.write("\ufeff")  # so that a spreadsheet opens the accents right
    writer = csv.writer(response, delimiter=";")  # the Belgian spreadsheet's separator
    for table in figures.all_tables(year):
        writer.writerow([f"{table.title} ({year})"])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        writer.writerow([])
    return response
