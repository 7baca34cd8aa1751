"""The newborn's weight since birth: each weighing as a percentage of the birth weight,
flagged when the loss exceeds 10 % (the usual threshold for a closer look at feeding), and
the points of the weight curve drawn on the page (a plain SVG, no script, no CDN)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ALERT_LOSS_PERCENT = Decimal("10")


def percent_change(birth_weight_g: int, weight_g: int) -> Decimal:
    """Change since birth in percent, one decimal: 2700 g after 3000 g is -10.0."""
    change = Decimal(weight_g - birth_weight_g) * 100 / Decimal(birth_weight_g)
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_alarming(birth_weight_g: int, weight_g: int) -> bool:
    """More than 10 % below the birth weight (computed exactly, not on the rounded
    figure: 2699 g after 3000 g is a 10.03 % loss)."""
    return (birth_weight_g - weight_g) * 100 > ALERT_LOSS_PERCENT * birth_weight_g


@dataclass
class WeightPoint:
    at: datetime.datetime
    day: Decimal | None  # days since birth, one decimal
    weight_g: int
    change: Decimal
    alarming: bool
    source: str = ""
    x: float = 0.0
    y: float = 0.0


def weight_point(
    birth_weight_g: int,
    at: datetime.datetime,
    weight_g: int,
    *,
    born_at: datetime.datetime | None = None,
    source: str = "",
) -> WeightPoint:
    day = (
        Decimal((at - born_at).total_seconds() / 86400).quantize(Decimal("0.1"))
        if born_at
        else None
    )
    return WeightPoint(
        at,
        day,
        weight_g,
        percent_change(birth_weight_g, weight_g),
        is_alarming(birth_weight_g, weight_g),
        source,
    )


def weight_points(newborn, born_at: datetime.datetime, measurements) -> list[WeightPoint]:
    """The birth weight, then each weighing in time order."""
    birth = newborn.birth_weight_g
    return [weight_point(birth, born_at, birth, born_at=born_at)] + [
        weight_point(
            birth, m.measured_at, m.weight_g, born_at=born_at, source=m.get_source_display()
        )
        for m in sorted(measurements, key=lambda m: m.measured_at)
    ]


@dataclass
class Curve:
    width: int
    height: int
    points: list[WeightPoint]
    alert_y: float  # the 10 % line
    days: int
    low_g: int
    high_g: int
    polyline: str


def curve(
    points: list[WeightPoint], birth_weight_g: int, *, width=340, height=180, margin=32
) -> Curve:
    """Place the points on a chart: x in days since birth (at least the first 10 days),
    y in grams with the birth weight and the 10 % line always in view."""
    days = max(10, int(max(p.day for p in points)) + 1)
    alert_g = int(birth_weight_g * (1 - ALERT_LOSS_PERCENT / 100))
    low = min([alert_g - 100, *(p.weight_g for p in points)]) // 100 * 100
    high = (max([birth_weight_g, *(p.weight_g for p in points)]) // 100 + 2) * 100
    plot_w, plot_h = width - 2 * margin, height - 2 * margin

    def y_of(grams):
        return round(margin + plot_h * (high - grams) / (high - low), 1)

    for p in points:
        p.x = round(margin + plot_w * float(p.day) / days, 1)
        p.y = y_of(p.weight_g)
    return Curve(
        width,
        height,
        points,
        y_of(alert_g),
        days,
        low,
        high,
        " ".join(f"{p.x},{p.y}" for p in points),
    )
