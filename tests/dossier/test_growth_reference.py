"""The WHO growth reference (issue 18): the LMS table against WHO's own published z-score
tables at its edges (birth and 6 weeks, girls and boys, weight, length and head
circumference), WHO's restricted application beyond ±3 SD, the percentiles, and a preterm
baby's corrected age. No database."""

import datetime

import pytest

from dossier import growth
from dossier import growth_reference as reference
from tests.factories import noon_days_ago

SD = (-3, -2, -1, 0, 1, 2, 3)

# WHO Child Growth Standards, the simplified z-score tables by week (0-13 weeks):
# tab_wfa_boys_z_0_13, tab_wfa_girls_z_0_13 (kg), tab_lhfa_*_z_0_13 and tab_hcfa_*_z_0_13
# (cm), rows week 0 (day 0) and week 6 (day 42): the -3 … +3 SD columns, one decimal, as
# published (the copies in github.com/ewheeler/pygrowup, pygrowup/tables/*_0_13_zscores.json).
PUBLISHED = [
    ("weight", "M", 0, (2.1, 2.5, 2.9, 3.3, 3.9, 4.4, 5.0)),
    ("weight", "M", 42, (3.3, 3.8, 4.3, 4.9, 5.6, 6.3, 7.2)),
    ("weight", "F", 0, (2.0, 2.4, 2.8, 3.2, 3.7, 4.2, 4.8)),
    ("weight", "F", 42, (3.0, 3.5, 4.0, 4.6, 5.2, 6.0, 6.8)),
    ("length", "M", 0, (44.2, 46.1, 48.0, 49.9, 51.8, 53.7, 55.6)),
    ("length", "M", 42, (50.3, 52.3, 54.3, 56.2, 58.2, 60.2, 62.1)),
    ("length", "F", 0, (43.6, 45.4, 47.3, 49.1, 51.0, 52.9, 54.7)),
    ("length", "F", 42, (49.1, 51.1, 53.1, 55.1, 57.1, 59.0, 61.0)),
    ("head", "M", 0, (30.7, 31.9, 33.2, 34.5, 35.7, 37.0, 38.3)),
    ("head", "M", 42, (34.6, 35.7, 36.9, 38.1, 39.2, 40.4, 41.6)),
    ("head", "F", 0, (30.3, 31.5, 32.7, 33.9, 35.1, 36.2, 37.4)),
    ("head", "F", 42, (33.7, 34.9, 36.1, 37.3, 38.5, 39.6, 40.8)),
]


@pytest.mark.parametrize(("measure", "sex", "day", "values"), PUBLISHED)
def test_the_table_gives_who_s_published_sd_lines(measure, sex, day, values):
    lms = reference.lms_for(measure, sex, day)
    assert tuple(round(lms.value(z), 1) for z in SD) == values
    for z, value in zip(SD, values, strict=True):  # and back: within the table's rounding
        assert reference.z_score(measure, sex, value, day) == pytest.approx(z, abs=0.16)


def test_the_lms_values_are_who_s_own():
    """The first and the 42nd day of the boys' weight-for-age (wfa_boys_p_exp.txt)."""
    assert reference.lms_for("weight", "M", 0) == reference.LMS(0.3487, 3.3464, 0.14602)
    assert reference.lms_for("weight", "F", 42) == reference.LMS(0.1395, 4.5793, 0.13392)
    assert reference.who().span("weight", "M") == (0, 182)
    assert reference.lms_for("weight", "M", 183) is None


def test_the_median_is_the_50th_percentile_and_the_lines_are_who_s_set():
    assert reference.z_score("weight", "M", 3.3464, 0) == pytest.approx(0, abs=1e-9)
    assert reference.percentile(0) == pytest.approx(50)
    assert [p for p, _z in reference.PERCENTILE_LINES] == [3, 15, 50, 85, 97]
    for p, z in reference.PERCENTILE_LINES:
        assert reference.percentile(z) == pytest.approx(p)


def test_beyond_3_sd_the_restricted_application():
    """WHO 2006, chapter 7: beyond ±3 SD the distance is measured in the 2–3 SD spacing;
    within ±3 SD it is the plain LMS z-score."""
    lms = reference.lms_for("weight", "M", 0)
    low, high = 1.8, 5.6
    sd3neg, sd2neg = lms.value(-3), lms.value(-2)
    sd3, sd2 = lms.value(3), lms.value(2)
    assert lms.z(low) == pytest.approx(-3 + (low - sd3neg) / (sd2neg - sd3neg))
    assert lms.z(high) == pytest.approx(3 + (high - sd3) / (sd3 - sd2))
    plain = ((low / lms.M) ** lms.L - 1) / (lms.L * lms.S)
    assert abs(plain - lms.z(low)) > 0.05  # the skewed tail is not stretched
    assert lms.z(sd3) == pytest.approx(3) and lms.z(sd3neg) == pytest.approx(-3)
    inside = 2.9
    assert lms.z(inside) == pytest.approx(((inside / lms.M) ** lms.L - 1) / (lms.L * lms.S))


def test_no_reference_for_an_undetermined_sex_or_nothing_measured():
    assert reference.z_score("weight", "U", 3.3, 0) is None
    assert reference.z_score("weight", "F", 0, 0) is None


@pytest.fixture
def no_fenton(monkeypatch):
    monkeypatch.setattr(reference, "FENTON_FILE", reference.DATA / "absent.csv")
    reference.fenton.cache_clear()
    yield
    reference.fenton.cache_clear()


@pytest.mark.parametrize(
    ("weeks", "days", "age", "expected"),
    [
        (37, 0, 10, 10),  # 37+0 is term: no correction
        (36, 6, 10, None),  # preterm: 258 + 10 days is before term-equivalent age
        (36, 6, 22, 0),  # 258 + 22 = 280: corrected age 0, WHO's first day
        (34, 0, 41, None),
        (34, 0, 42, 0),  # 6 weeks early: WHO's day 0 six weeks after birth
        (30, 0, 80, 10),
    ],
)
def test_a_preterm_baby_is_read_at_the_corrected_age(no_fenton, weeks, days, age, expected):
    where = reference.reference_age(age, weeks * 7 + days)
    assert (where[1] if where else None) == expected
    lms = reference.lms_for("weight", "F", age, weeks * 7 + days)
    assert lms == (reference.lms_for("weight", "F", expected) if expected is not None else None)


def test_a_preterm_baby_s_percentile_at_corrected_age_zero_is_the_term_newborn_s(no_fenton):
    born = noon_days_ago(50)
    at = born + datetime.timedelta(days=42)
    point = growth.weight_point(2000, at, 3232, born_at=born, sex="F", gestation=34 * 7)
    assert point.z == pytest.approx(reference.z_score("weight", "F", 3.232, 0))
    assert point.percentile == "P50"
    early = growth.weight_point(2000, born, 2000, born_at=born, sex="F", gestation=34 * 7)
    assert early.z is None and early.percentile == "—"


def test_the_fenton_chart_is_used_before_50_weeks_when_its_file_is_installed(tmp_path, monkeypatch):
    """The mechanics only: a stand-in file in Fenton's format (its rows are WHO's, so no
    invented number); the real one comes from the University of Calgary under its licence."""
    stand_in = tmp_path / "fenton.csv"
    stand_in.write_text(
        "# stand-in\nmeasure,sex,day,L,M,S\nweight,F,224,0.3809,3.2322,0.14171\n"
        "weight,F,238,0.3259,3.1957,0.14578\n"
    )
    monkeypatch.setattr(reference, "FENTON_FILE", stand_in)
    reference.fenton.cache_clear()
    try:
        table, age = reference.reference_age(7, 32 * 7)  # postmenstrual 231 days
        assert table.name == "Fenton 2013" and age == 231
        median = reference.lms_for("weight", "F", 7, 32 * 7).M
        assert median == pytest.approx((3.2322 + 3.1957) / 2)  # interpolated by day
        table, age = reference.reference_age(126, 32 * 7)  # 350 days: 50 weeks, WHO again
        assert table.name == "WHO" and age == 70
    finally:
        reference.fenton.cache_clear()


@pytest.mark.parametrize(
    ("z", "shown"),
    [
        (None, "—"),
        (0, "P50"),
        (-1.0364333894937894, "P15"),
        (-2.5, "P0.6"),
        (2.5, "P99.4"),
        (-3.2, "< P0.1"),
        (3.2, "> P99.9"),
        (-2.3, "P1"),
    ],
)
def test_the_percentile_as_the_page_shows_it(z, shown):
    assert growth.percentile_display(z) == shown


def test_lines_crossed_downward_counts_the_drawn_lines_between_two_positions():
    p50, p15 = 0.0, reference.PERCENTILE_LINES[1][1]
    assert growth.lines_crossed_down(0.1, p15 - 0.001) == 2
    assert growth.lines_crossed_down(0.1, p15 + 0.001) == 1
    assert growth.lines_crossed_down(p50, p15) == 1  # on a line is not below it
    assert growth.lines_crossed_down(-0.5, 0.5) == 0  # upward
    assert growth.lines_crossed_down(3, -3) == 5
