"""R22's schedule on a table of cases: the appointments proposed for a birth and a
discharge, never more than once, and one physician consultation per baby."""

import datetime
import zoneinfo

import pytest

from careplan import schedule
from careplan.content import AppointmentKind as K

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
BORN = datetime.datetime(2026, 3, 10, 4, 35, tzinfo=BRUSSELS)  # day 0 is 10 March


def at(day: int, hour: int = 11) -> datetime.datetime:
    return BORN.replace(hour=hour, minute=0) + datetime.timedelta(days=day)


def kinds(proposals):
    return [(p["kind"], p["due_from"], p["due_until"]) for p in proposals]


@pytest.mark.parametrize(
    ("discharge", "extra_visits"),
    [
        (at(1), True),  # day 1: a stay of 30 hours
        (at(2), True),  # day 2: 54 hours
        (at(3), False),  # day 3: 78 hours, not under 3 days
        (at(5), False),  # day 5
    ],
)
def test_the_proposal_by_day_of_discharge(settings, discharge, extra_visits):
    settings.TIME_ZONE = "Europe/Brussels"
    proposed = kinds(schedule.propose(BORN, discharge, [""], []))
    leaving = discharge.date()
    first = (
        K.FIRST_HOME_VISIT,
        leaving.isoformat(),
        (discharge + datetime.timedelta(hours=24)).date().isoformat(),
    )
    assert proposed[0] == first
    extra = [p for p in proposed if p[0] == K.HOME_VISIT and p[1] < "2026-03-19"]
    assert len(extra) == (3 if extra_visits else 0)
    if extra_visits:
        assert [p[1] for p in extra] == [
            (leaving + datetime.timedelta(days=d)).isoformat() for d in (2, 4, 6)
        ]
    assert (K.HOME_VISIT, "2026-03-19", "2026-03-20") in proposed  # to day 10
    assert (K.PAEDIATRIC, "2026-03-17", "2026-03-20") in proposed  # day 7–10
    assert (K.SIX_WEEK_CHECK, "2026-04-14", "2026-04-28") in proposed


def test_a_night_discharge_gets_its_first_visit_by_the_next_night(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    night = at(2, hour=23).replace(minute=30)
    first = schedule.propose(BORN, night, [""], [])[0]
    assert (first["due_from"], first["due_until"]) == ("2026-03-12", "2026-03-13")


def test_twins_get_a_physician_consultation_each_and_one_set_of_visits(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    proposed = schedule.propose(BORN, at(2), ["Mats", "Wout"], [])
    paediatric = [p["note"] for p in proposed if p["kind"] == K.PAEDIATRIC]
    assert paediatric == ["Mats", "Wout"]
    assert len([p for p in proposed if p["kind"] == K.FIRST_HOME_VISIT]) == 1


def test_what_the_plan_already_has_is_not_proposed_again(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    first = schedule.propose(BORN, at(2), [""], [])
    again = schedule.propose(BORN, at(2), [""], [{**first[0], "status": "planned"}])
    assert first[0]["id"] not in {p["id"] for p in again}
    assert len(again) == len(first) - 1
    # the same inputs give the same ids: a proposal shown can be accepted afterwards
    assert [p["id"] for p in schedule.propose(BORN, at(2), [""], [])] == [p["id"] for p in first]


def test_a_home_birth_counts_from_the_birth(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    first = schedule.propose(BORN, None, [""], [])[0]
    assert first["due_from"] == "2026-03-10"


def test_a_baby_going_home_before_72_hours_gets_a_heel_prick_appointment_each():
    """R41: the heel prick is taken between 72 and 96 hours; discharged before it, each
    baby gets a concrete appointment at home on day 3–4."""
    import datetime as dt

    from django.utils import timezone as tz

    from careplan import schedule

    born = tz.make_aware(dt.datetime(2026, 3, 2, 10, 0))
    early = schedule.propose(born, born + dt.timedelta(hours=50), ["Noor", "Lien"], [])
    pricks = [a for a in early if a["kind"] == "heel_prick"]
    assert [(a["note"], a["due_from"], a["due_until"]) for a in pricks] == [
        ("Noor", "2026-03-05", "2026-03-06"),
        ("Lien", "2026-03-05", "2026-03-06"),
    ]
    late = schedule.propose(born, born + dt.timedelta(hours=80), ["Noor"], [])
    assert not [a for a in late if a["kind"] == "heel_prick"]
