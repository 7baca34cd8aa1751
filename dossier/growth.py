"""The newborn's growth since birth: each weighing as a percentage of the birth weight,
flagged when the loss exceeds 10 % (the usual threshold for a closer look at feeding); its
WHO percentile (``dossier.growth_reference``); whether the baby is back to the birth weight
in time; a fall across two percentile lines; and the charts drawn on the page (plain SVG,
no script, no CDN): the weight curve with its −10 % line and WHO's percentile lines, and the
length and head-circumference curves where they were measured.

The thresholds are here, each with its source in ``dossier.alerts.THRESHOLDS`` (the alert
rules read them from there); the tests sit on their edges."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from dossier import growth_reference as reference

ALERT_LOSS_PERCENT = Decimal("10")
# Not back to the birth weight: a note on the weight page from day 14, an alert from day 21.
BACK_TO_BIRTH_WEIGHT_NOTE_DAY = 14
BACK_TO_BIRTH_WEIGHT_DAY = 21
# A fall across this many of the drawn percentile lines (P3, P15, P50, P85, P97), measured
# from day 14 on (the early weight loss is judged by the 10 % and birth-weight rules).
CROSSING_LINES = 2
CROSSING_FROM_DAY = 14


def percent_change(birth_weight_g: int, weight_g: int) -> Decimal:
    """Change since birth in percent, one decimal: 2700 g after 3000 g is -10.0."""
    change = Decimal(weight_g - birth_weight_g) * 100 / Decimal(birth_weight_g)
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_alarming(birth_weight_g: int, weight_g: int) -> bool:
    """More than 10 % below the birth weight (computed exactly, not on the rounded
    figure: 2699 g after 3000 g is a 10.03 % loss)."""
    return (birth_weight_g - weight_g) * 100 > ALERT_LOSS_PERCENT * birth_weight_g


def calendar_day(born_at: datetime.datetime, at: datetime.datetime) -> int:
    """Days since the birth by the calendar in Belgium (the day of birth is day 0): the age
    the WHO tables are read at."""
    return (timezone.localdate(at) - timezone.localdate(born_at)).days


def gestation_days(delivery) -> int | None:
    """The gestational age at birth in days, from the delivery (``None`` without one)."""
    if delivery is None or delivery.gestational_weeks is None:
        return None
    return delivery.gestational_weeks * 7 + (delivery.gestational_days or 0)


def percentile_display(z: float | None) -> str:
    """A percentile as a page shows it: whole numbers, one decimal in the outer 1 %."""
    if z is None:
        return "—"
    p = reference.percentile(z)
    if p < 0.1:
        return "< P0.1"
    if p > 99.9:
        return "> P99.9"
    if p < 1 or p > 99:
        return f"P{p:.1f}"
    return f"P{min(99, max(1, round(p)))}"


def lines_crossed_down(z_from: float, z_to: float) -> int:
    """How many of the drawn percentile lines lie between a higher and a lower position."""
    return sum(1 for _p, line in reference.PERCENTILE_LINES if z_to < line <= z_from)


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
    age_day: int | None = None  # calendar days since birth
    z: float | None = None  # WHO weight-for-age (corrected age for a preterm baby)
    crossed: bool = False  # two percentile lines below its highest position since day 14

    @property
    def percentile(self) -> str:
        return percentile_display(self.z)


def weight_point(
    birth_weight_g: int,
    at: datetime.datetime,
    weight_g: int,
    *,
    born_at: datetime.datetime | None = None,
    source: str = "",
    sex: str = "",
    gestation: int | None = None,
) -> WeightPoint:
    day = (
        Decimal((at - born_at).total_seconds() / 86400).quantize(Decimal("0.1"))
        if born_at
        else None
    )
    age_day = calendar_day(born_at, at) if born_at else None
    z = (
        reference.z_score(reference.WEIGHT, sex, weight_g / 1000, age_day, gestation)
        if sex and age_day is not None
        else None
    )
    return WeightPoint(
        at,
        day,
        weight_g,
        percent_change(birth_weight_g, weight_g),
        is_alarming(birth_weight_g, weight_g),
        source,
        age_day=age_day,
        z=z,
    )


def mark_crossings(points: list[WeightPoint]) -> list[WeightPoint]:
    """Flag each weighing from day 14 on that lies at least two percentile lines below the
    highest position of the weighings before it from day 14 on."""
    highest = None
    for point in points:
        if point.z is None or point.age_day is None or point.age_day < CROSSING_FROM_DAY:
            continue
        point.crossed = (
            highest is not None and lines_crossed_down(highest, point.z) >= CROSSING_LINES
        )
        highest = point.z if highest is None else max(highest, point.z)
    return points


def weight_points(
    newborn, born_at: datetime.datetime, measurements, *, gestation: int | None = None
) -> list[WeightPoint]:
    """The birth weight, then each weighing in time order, each with its WHO percentile
    (for a girl or a boy) and the flag of a fall across two percentile lines."""
    birth = newborn.birth_weight_g
    sex = getattr(newborn, "sex", "")
    return mark_crossings(
        [weight_point(birth, born_at, birth, born_at=born_at, sex=sex, gestation=gestation)]
        + [
            weight_point(
                birth,
                m.measured_at,
                m.weight_g,
                born_at=born_at,
                source=m.get_source_display(),
                sex=sex,
                gestation=gestation,
            )
            for m in sorted(measurements, key=lambda m: m.measured_at)
        ]
    )


def crosses_down(newborn, born_at, weighing, earlier, *, gestation: int | None = None) -> bool:
    """Whether ``weighing`` falls across two percentile lines (the alert rule's question):
    ``earlier``, the newborn's other weighings (only those before it count)."""
    before = [m for m in earlier if m.pk != weighing.pk and m.measured_at < weighing.measured_at]
    points = weight_points(newborn, born_at, [*before, weighing], gestation=gestation)
    return points[-1].crossed


@dataclass(frozen=True)
class BirthWeight:
    """Back to the birth weight? ``state``: ``back`` (on ``day``), ``waiting`` (not yet,
    before day 14), ``note`` (not yet at day 14 or later), ``alert`` (not yet at day 21
    or later); ``day``: the day of the weighing it is read from."""

    state: str
    day: int | None


def birth_weight_status(points: list[WeightPoint]) -> BirthWeight | None:
    """From the weight points (the birth first): ``None`` before any weighing."""
    if len(points) < 2:
        return None
    birth = points[0].weight_g
    back = next((p for p in points[1:] if p.weight_g >= birth), None)
    if back is not None:
        return BirthWeight("back", back.age_day)
    day = points[-1].age_day
    if day is None:
        return None
    if day >= BACK_TO_BIRTH_WEIGHT_DAY:
        return BirthWeight("alert", day)
    if day >= BACK_TO_BIRTH_WEIGHT_NOTE_DAY:
        return BirthWeight("note", day)
    return BirthWeight("waiting", day)


# --- the charts -----------------------------------------------------------------------------


@dataclass
class Line:
    """One percentile line: its label and its points on the chart."""

    percentile: int
    polyline: str
    label_x: float
    label_y: float


@dataclass
class Curve:
    width: int
    height: int
    points: list
    alert_y: float | None  # the 10 % line (the weight curve only)
    days: int
    low: float
    high: float
    polyline: str
    lines: list[Line] = field(default_factory=list)
    unit: str = "g"
    margin: int = 32

    @property
    def low_g(self):
        return self.low

    @property
    def high_g(self):
        return self.high

    @property
    def right(self) -> int:
        return self.width - self.margin


def _reference_lines(measure, sex, gestation, days, scale) -> dict[int, list[tuple[int, float]]]:
    """Each percentile line's (day, value) for the days of the chart that have a reference
    (``scale``: the chart's unit per table unit, 1000 for grams)."""
    lines: dict[int, list[tuple[int, float]]] = {p: [] for p, _z in reference.PERCENTILE_LINES}
    if sex not in ("M", "F"):
        return lines
    for day in range(days + 1):
        lms = reference.lms_for(measure, sex, day, gestation)
        if lms is None:
            continue
        for p, z in reference.PERCENTILE_LINES:
            lines[p].append((day, lms.value(z) * scale))
    return lines


def _draw(points, values, lines, *, days, low, high, width, height, margin, unit, alert=None):
    plot_w, plot_h = width - 2 * margin, height - 2 * margin

    def x_of(day):
        return round(margin + plot_w * float(day) / days, 1)

    def y_of(value):
        return round(margin + plot_h * (high - float(value)) / (high - low), 1)

    for point, value in zip(points, values, strict=True):
        point.x, point.y = x_of(point.day), y_of(value)
    drawn = [
        Line(
            p,
            " ".join(f"{x_of(d)},{y_of(v)}" for d, v in series),
            x_of(series[-1][0]) + 2,
            y_of(series[-1][1]) + 4,
        )
        for p, series in lines.items()
        if len(series) > 1
    ]
    return Curve(
        width,
        height,
        points,
        None if alert is None else y_of(alert),
        days,
        low,
        high,
        " ".join(f"{p.x},{p.y}" for p in points),
        drawn,
        unit,
        margin,
    )


def curve(
    points: list[WeightPoint],
    birth_weight_g: int,
    *,
    sex: str = "",
    gestation: int | None = None,
    width=340,
    height=240,
    margin=32,
) -> Curve:
    """Place the points on a chart: x in days since birth (at least the first 10 days),
    y in grams with the birth weight, the 10 % line and (for a girl or a boy) WHO's
    percentile lines P3–P97 over those days always in view."""
    days = max(10, int(max(p.day for p in points)) + 1)
    alert_g = int(birth_weight_g * (1 - ALERT_LOSS_PERCENT / 100))
    lines = _reference_lines(reference.WEIGHT, sex, gestation, days, 1000)
    band = [v for series in lines.values() for _d, v in series]
    low = int(min([alert_g - 100, *(p.weight_g for p in points), *band]) // 100 * 100)
    high = int((max([birth_weight_g, *(p.weight_g for p in points), *band]) // 100 + 2) * 100)
    return _draw(
        points,
        [p.weight_g for p in points],
        lines,
        days=days,
        low=low,
        high=high,
        width=width,
        height=height,
        margin=margin,
        unit="g",
        alert=alert_g,
    )


@dataclass
class MeasurePoint:
    """A length or a head circumference (cm) on its curve, with its WHO percentile."""

    at: datetime.datetime
    day: Decimal
    value: Decimal
    source: str = ""
    age_day: int | None = None
    z: float | None = None
    x: float = 0.0
    y: float = 0.0

    @property
    def percentile(self) -> str:
        return percentile_display(self.z)


MEASURED = {reference.LENGTH: "length_cm", reference.HEAD: "head_circumference_cm"}


def measure_points(
    measure: str, newborn, born_at, measurements, *, gestation: int | None = None
) -> list[MeasurePoint]:
    """The birth value (when measured) and each later measurement of the same kind."""
    name = MEASURED[measure]
    rows = [(born_at, getattr(newborn, name), "")] + [
        (m.measured_at, getattr(m, name), m.get_source_display())
        for m in sorted(measurements, key=lambda m: m.measured_at)
    ]
    sex = getattr(newborn, "sex", "")
    points = []
    for at, value, source in rows:
        if value is None:
            continue
        age_day = calendar_day(born_at, at)
        day = Decimal((at - born_at).total_seconds() / 86400).quantize(Decimal("0.1"))
        z = reference.z_score(measure, sex, float(value), age_day, gestation)
        points.append(MeasurePoint(at, day, value, source, age_day, z))
    return points


def measure_curve(
    measure: str,
    points: list[MeasurePoint],
    *,
    sex: str = "",
    gestation: int | None = None,
    width=340,
    height=200,
    margin=32,
) -> Curve | None:
    """A length or head-circumference chart in cm with WHO's percentile lines (``None``
    without any measurement)."""
    if not points:
        return None
    days = max(10, int(max(p.day for p in points)) + 1)
    lines = _reference_lines(measure, sex, gestation, days, 1)
    values = [float(p.value) for p in points] + [v for s in lines.values() for _d, v in s]
    return _draw(
        points,
        [p.value for p in points],
        lines,
        days=days,
        low=math.floor(min(values)) - 1,
        high=math.ceil(max(values)) + 1,
        width=width,
        height=height,
        margin=margin,
        unit="cm",
    )


def page(newborn, delivery, measurements) -> dict:
    """What the growth page shows of one newborn: the weight points and curve, the
    birth-weight status, and the length and head-circumference curves."""
    measurements = list(measurements)
    born_at, gestation = delivery.born_at, gestation_days(delivery)
    sex = newborn.sex
    points = weight_points(newborn, born_at, measurements, gestation=gestation)
    lengths = measure_points(reference.LENGTH, newborn, born_at, measurements, gestation=gestation)
    heads = measure_points(reference.HEAD, newborn, born_at, measurements, gestation=gestation)
    return {
        "chart": curve(points, newborn.birth_weight_g, sex=sex, gestation=gestation),
        "points": points,
        "latest": points[-1],
        "birth_weight": birth_weight_status(points),
        "lengths": lengths,
        "length_chart": measure_curve(reference.LENGTH, lengths, sex=sex, gestation=gestation),
        "heads": heads,
        "head_chart": measure_curve(reference.HEAD, heads, sex=sex, gestation=gestation),
        "preterm": reference.is_preterm(gestation),
        "fenton": reference.fenton() is not None,
        "with_reference": sex in ("M", "F"),
        "percentile_lines": [p for p, _z in reference.PERCENTILE_LINES],
        "back_note_day": BACK_TO_BIRTH_WEIGHT_NOTE_DAY,
        "back_alert_day": BACK_TO_BIRTH_WEIGHT_DAY,
    }
