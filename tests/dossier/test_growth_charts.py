"""The growth chart (issue 18): back to the birth weight (a note from day 14, an alert from
day 21), the fall across two percentile lines (its edges, and the alert it raises), and the
weight page's SVG with WHO's percentile lines, the percentile of each weighing and the
length and head-circumference curves."""

import datetime
import re

import pytest
from django.urls import reverse

from dossier import alerts, growth, services
from dossier import growth_reference as reference
from dossier.models import Alert, Measurement
from tests.factories import DeliveryFactory, NewbornFactory, noon_days_ago

pytestmark = pytest.mark.django_db

P15 = reference.PERCENTILE_LINES[1][1]


def grams(sex, day, z):
    return round(reference.lms_for("weight", sex, day).value(z) * 1000)


def girl(*, days_old=30, weeks=39, sex="F", birth_weight_g=3400, coordinator=None):
    delivery = DeliveryFactory(
        dossier__coordinator=coordinator,
        born_at=noon_days_ago(days_old),
        gestational_weeks=weeks,
        gestational_days=0,
    )
    return NewbornFactory(dossier=delivery.dossier, sex=sex, birth_weight_g=birth_weight_g)


def points(weighings, *, birth_weight_g=3400):
    newborn = NewbornFactory.build(birth_weight_g=birth_weight_g, sex="F")
    born = noon_days_ago(40)
    measurements = [
        Measurement(measured_at=born + datetime.timedelta(days=day), weight_g=weight)
        for day, weight in weighings
    ]
    return growth.weight_points(newborn, born, measurements)


# --- back to the birth weight ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("weighings", "state", "day"),
    [
        ([(3, 3200)], "waiting", 3),
        ([(13, 3399)], "waiting", 13),
        ([(14, 3399)], "note", 14),  # not back at two weeks: a note
        ([(20, 3399)], "note", 20),
        ([(21, 3399)], "alert", 21),  # not back at three weeks: the alert's limit
        ([(5, 3150), (10, 3400)], "back", 10),  # exactly the birth weight is back
        ([(5, 3150), (10, 3420), (22, 3390)], "back", 10),  # once back, back
    ],
)
def test_back_to_the_birth_weight(weighings, state, day):
    assert growth.birth_weight_status(points(weighings)) == growth.BirthWeight(state, day)


def test_no_status_before_the_first_weighing_and_the_limits_are_the_alert_table_s():
    newborn = NewbornFactory.build(birth_weight_g=3400, sex="F")
    born = noon_days_ago(0)
    assert growth.birth_weight_status(growth.weight_points(newborn, born, [])) is None
    assert alerts.THRESHOLDS["back_to_birth_weight_note_day"].value == 14
    assert alerts.THRESHOLDS["back_to_birth_weight_day"].value == 21
    assert "NICE" in alerts.THRESHOLDS["back_to_birth_weight_day"].why


# --- a fall across two percentile lines --------------------------------------------------------


@pytest.mark.parametrize(
    ("later", "crossed"),
    [
        (P15 - 0.01, True),  # from just above P50 to below P15: two lines
        (P15 + 0.01, False),  # above P15: one line
    ],
)
def test_a_fall_across_two_lines_from_day_14(later, crossed):
    newborn = NewbornFactory.build(birth_weight_g=3400, sex="F")
    born = noon_days_ago(40)
    weighings = [
        Measurement(measured_at=born + datetime.timedelta(days=14), weight_g=grams("F", 14, 0.1)),
        Measurement(measured_at=born + datetime.timedelta(days=28), weight_g=grams("F", 28, later)),
    ]
    result = growth.weight_points(newborn, born, weighings)
    assert [p.crossed for p in result] == [False, False, crossed]


def test_before_day_14_the_early_loss_does_not_count_as_a_fall():
    newborn = NewbornFactory.build(birth_weight_g=3400, sex="F")
    born = noon_days_ago(40)
    weighings = [  # 1.5 SD on day 13, −0.5 on day 20: two lines, but day 13 is early
        Measurement(measured_at=born + datetime.timedelta(days=13), weight_g=grams("F", 13, 1.5)),
        Measurement(measured_at=born + datetime.timedelta(days=20), weight_g=grams("F", 20, -0.5)),
    ]
    assert not any(p.crossed for p in growth.weight_points(newborn, born, weighings))
    # the highest position since day 14 is the reference, not the last one
    weighings += [
        Measurement(measured_at=born + datetime.timedelta(days=24), weight_g=grams("F", 24, -0.8)),
        Measurement(measured_at=born + datetime.timedelta(days=30), weight_g=grams("F", 30, -1.9)),
    ]
    assert [p.crossed for p in growth.weight_points(newborn, born, weighings)] == [
        False,
        False,
        False,
        False,
        True,  # −0.5 → −1.9: P15 and P3
    ]


def weigh(midwife, newborn, day, weight_g):
    born = newborn.dossier.delivery.born_at
    return services.measurement_record(
        actor=midwife,
        measurement=Measurement(
            newborn=newborn, measured_at=born + datetime.timedelta(days=day), weight_g=weight_g
        ),
    )


@pytest.mark.parametrize(("later", "raised"), [(P15 - 0.01, True), (P15 + 0.01, False)])
def test_the_fall_raises_an_alert_for_the_baby(midwife, later, raised):
    newborn = girl(coordinator=midwife)
    weigh(midwife, newborn, 14, grams("F", 14, 0.1))
    weighing = weigh(midwife, newborn, 28, grams("F", 28, later))
    found = Alert.objects.filter(rule="growth_crossing", entry_id=weighing.public_id)
    assert found.exists() is raised
    if raised:
        alert = found.get()
        assert alert.newborn == newborn and alert.severity == alerts.Severity.SOON
    rule = alerts.BY_CODE["growth_crossing"]
    assert "NG75" in rule.why and alerts.THRESHOLDS["growth_crossing_lines"].value == 2


def test_no_fall_for_a_baby_without_a_reference(midwife):
    newborn = girl(coordinator=midwife, sex="U")
    weigh(midwife, newborn, 14, grams("F", 14, 0.1))
    weighing = weigh(midwife, newborn, 28, grams("F", 28, -2))
    assert not Alert.objects.filter(rule="growth_crossing", entry_id=weighing.public_id).exists()


# --- the page ----------------------------------------------------------------------------------


def svg(text, css_class):
    return re.search(rf'<svg class="{css_class}".*?</svg>', text, re.S).group(0)


def test_the_weight_curve_draws_who_s_percentile_lines(midwife_client, midwife):
    newborn = girl(coordinator=midwife)
    weigh(midwife, newborn, 3, 3200)
    weigh(midwife, newborn, 15, 3390)
    page = midwife_client.get(
        reverse("dossier:weight", args=[newborn.dossier.public_id, newborn.public_id])
    )
    assert page.status_code == 200
    curve = svg(page.text, "weight-curve")
    lines = re.findall(r'<polyline points="([^"]+)" class="centile', curve)
    assert len(lines) == 5
    assert re.findall(r">P(\d+)</text>", curve) == ["3", "15", "50", "85", "97"]
    first_y = [float(line.split()[0].split(",")[1]) for line in lines]
    assert first_y == sorted(first_y, reverse=True)  # P3 lowest on the chart, P97 highest
    assert curve.count('class="alert-line"') == 1 and curve.count("<circle") == 3
    # each weighing's percentile; the birth-weight note of day 15
    latest = page.context["latest"]
    assert latest.z == pytest.approx(reference.z_score("weight", "F", 3.39, 15))
    assert latest.percentile in page.text
    assert page.context["birth_weight"] == growth.BirthWeight("note", 15)
    assert 'data-state="note"' in page.text
    # the length and head circumference of the birth, on their own curves
    assert svg(page.text, "growth-curve").count('class="centile') == 5
    assert page.context["length_chart"] and page.context["head_chart"]
    assert page.context["lengths"][0].z == pytest.approx(reference.z_score("length", "F", 50.5, 0))


def test_no_percentile_lines_without_a_reference(midwife_client, midwife):
    undetermined = girl(coordinator=midwife, sex="U")
    page = midwife_client.get(
        reverse("dossier:weight", args=[undetermined.dossier.public_id, undetermined.public_id])
    )
    assert 'class="centile' not in svg(page.text, "weight-curve")
    assert page.context["with_reference"] is False


def test_a_preterm_baby_before_term_has_no_who_lines_yet(midwife_client, midwife, monkeypatch):
    monkeypatch.setattr(reference, "FENTON_FILE", reference.DATA / "absent.csv")
    reference.fenton.cache_clear()
    try:
        preterm = girl(coordinator=midwife, days_old=10, weeks=30, birth_weight_g=1400)
        page = midwife_client.get(
            reverse("dossier:weight", args=[preterm.dossier.public_id, preterm.public_id])
        )
        assert page.context["preterm"] is True and page.context["chart"].lines == []
        assert page.context["latest"].percentile == "—"
        # ten weeks after the birth (corrected age 0) the WHO lines begin
        older = girl(coordinator=midwife, days_old=75, weeks=30, birth_weight_g=1400)
        born = older.dossier.delivery.born_at
        chart = growth.page(
            older,
            older.dossier.delivery,
            [Measurement(measured_at=born + datetime.timedelta(days=74), weight_g=3300)],
        )["chart"]
        day_70 = round(chart.margin + (chart.right - chart.margin) * 70 / chart.days, 1)
        assert len(chart.lines) == 5
        assert all(line.polyline.startswith(f"{day_70},") for line in chart.lines)
    finally:
        reference.fenton.cache_clear()
