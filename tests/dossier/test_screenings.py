"""Neonatal screenings (R23): the schedule, what is due or overdue, the coordinator's watch
list, and recording a result with the newborn section's rights."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossier import screenings, services
from dossier.models import Screening
from dossier.screenings import ScreeningKind, ScreeningResult, Status
from tests.factories import NewbornFactory, ProfessionalFactory, join
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db

BORN = timezone.make_aware(datetime.datetime(2026, 11, 1, 8, 0))


def state(kind, hours_after_birth, done=()):
    now = BORN + datetime.timedelta(hours=hours_after_birth)
    return {s.kind: s for s in screenings.states(BORN, done, now=now)}[kind].status


@pytest.mark.parametrize(
    ("kind", "hours", "expected"),
    [
        (ScreeningKind.CCHD, 12, Status.NOT_YET),
        (ScreeningKind.CCHD, 30, Status.DUE),
        (ScreeningKind.CCHD, 49, Status.OVERDUE),
        (ScreeningKind.HEEL_PRICK, 48, Status.NOT_YET),
        (ScreeningKind.HEEL_PRICK, 72, Status.DUE),  # the window opens at 72 h exactly
        (ScreeningKind.HEEL_PRICK, 96, Status.DUE),  # and closes after 96 h (R41)
        (ScreeningKind.HEEL_PRICK, 97, Status.OVERDUE),
        (ScreeningKind.HEARING, 1, Status.DUE),
        (ScreeningKind.HEARING, 28 * 24 + 1, Status.OVERDUE),
    ],
)
def test_the_schedule(kind, hours, expected):
    assert state(kind, hours) == expected


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (ScreeningResult.NORMAL, Status.DONE),
        (ScreeningResult.REFER, Status.FOLLOW_UP),
        (ScreeningResult.REPEAT, Status.OVERDUE),  # inconclusive keeps it open
    ],
)
def test_a_result_closes_the_screening_or_not(result, expected):
    done = [
        Screening(
            kind=ScreeningKind.HEEL_PRICK,
            result=result,
            done_at=BORN + datetime.timedelta(hours=80),
        )
    ]
    assert state(ScreeningKind.HEEL_PRICK, 200, done) == expected


def test_the_latest_result_counts():
    done = [
        Screening(
            kind=ScreeningKind.HEARING,
            result=ScreeningResult.REPEAT,
            done_at=BORN + datetime.timedelta(days=2),
        ),
        Screening(
            kind=ScreeningKind.HEARING,
            result=ScreeningResult.NORMAL,
            done_at=BORN + datetime.timedelta(days=9),
        ),
    ]
    assert state(ScreeningKind.HEARING, 24 * 30, done) == Status.DONE


def test_a_referral_names_where_and_nothing_comes_before_birth(midwife):
    newborn = NewbornFactory(coordinator=midwife)
    born = newborn.dossier.delivery.born_at
    with pytest.raises(ValidationError) as caught:
        services.screening_record(
            actor=midwife,
            screening=Screening(
                newborn=newborn,
                kind=ScreeningKind.HEARING,
                result=ScreeningResult.REFER,
                done_at=born - datetime.timedelta(hours=2),
            ),
        )
    assert set(caught.value.message_dict) == {"note", "done_at"}
    assert not Screening.objects.exists()


def test_the_coordinator_sees_missing_screenings_on_her_dashboard(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife, given_name="Mila")
    newborn.dossier.delivery.born_at = timezone.now() - datetime.timedelta(days=6)
    newborn.dossier.delivery.admitted_at = None
    newborn.dossier.delivery.save()
    services.screening_record(
        actor=midwife,
        screening=Screening(
            newborn=newborn,
            kind=ScreeningKind.HEEL_PRICK,
            result=ScreeningResult.NORMAL,
            done_at=timezone.now() - datetime.timedelta(days=2),
        ),
    )
    page = midwife_client.get(reverse("dossier:dashboard"))
    rows = page.context["missing_screenings"]
    assert [row["newborn"] for row in rows] == [newborn]
    assert {s.kind for s in rows[0]["missing"]} == {
        ScreeningKind.CCHD,
        ScreeningKind.BILIRUBIN,
        ScreeningKind.HEARING,
    }
    assert "Mila" in page.text


def test_the_panels_rows_cost_no_statement_each(midwife_client, midwife):
    """The babies shown are read with what their rows show (``SHOWN_NEWBORN_FIELDS``):
    three rows on the dashboard and the watch list run the statements of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def born_six_days_ago(name):
        newborn = NewbornFactory(coordinator=midwife, given_name=name)
        newborn.dossier.delivery.born_at = timezone.now() - datetime.timedelta(days=6)
        newborn.dossier.delivery.save()
        return newborn

    def statements(page_name):
        midwife_client.get(reverse(page_name))
        with CaptureQueriesContext(connection) as queries:
            page = midwife_client.get(reverse(page_name))
        return len(queries), page

    babies = [born_six_days_ago("Mila")]
    one = {name: statements(name)[0] for name in ("dossier:dashboard", "careplan:watch")}
    babies += [born_six_days_ago("Noor"), born_six_days_ago("Lou")]
    for name in ("dossier:dashboard", "careplan:watch"):
        count, page = statements(name)
        assert count == one[name], name
        assert all(baby.given_name in page.text for baby in babies), name
    # the watch list names each baby's mother too
    assert all(baby.dossier.mother.full_name in page.text for baby in babies)


def test_other_members_do_not_get_the_coordinators_watch_list(client):
    network = build_network()
    gp = network.users["gp"]
    sign_in(client, gp)
    assert client.get(reverse("dossier:dashboard")).context["missing_screenings"] == []


def test_recording_a_screening_on_the_page(midwife_client, midwife):
    newborn = NewbornFactory(coordinator=midwife)
    url = reverse("dossier:screenings", args=[newborn.dossier.public_id, newborn.public_id])
    response = midwife_client.post(
        url,
        {
            "kind": "hearing",
            "result": "normal",
            "done_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    states = {s.kind: s.status for s in midwife_client.get(url).context["states"]}
    assert states[ScreeningKind.HEARING] == Status.DONE
    assert Screening.objects.get().recorded_by == midwife


def test_screenings_follow_the_newborn_section_rights(client):
    network = build_network()
    url = reverse("dossier:screenings", args=[network.a.public_id, network.newborn.public_id])
    for persona, status in [("assistant", 200), ("outsider", 404), ("mother", 200)]:
        sign_in(client, network.users[persona])
        assert client.get(url).status_code == status, persona
    sign_in(client, network.users["assistant"])
    assert (
        client.post(
            url, {"kind": "hearing", "result": "normal", "done_at": "2026-11-20T10:00"}
        ).status_code
        == 403
    )
    paediatrician = ProfessionalFactory(profession="paediatrician").user
    join(network.a, paediatrician)
    sign_in(client, paediatrician)
    assert client.get(url).context["form"] is not None


@pytest.mark.parametrize(
    ("neonatal_unit", "weeks", "expected"),
    [
        (None, 39, Status.OVERDUE),
        (False, 35, Status.OVERDUE),
        (True, 39, Status.NOT_APPLICABLE),
        (False, 34, Status.NOT_APPLICABLE),
        (None, 33, Status.NOT_APPLICABLE),
    ],
)
def test_a_baby_in_neonatal_care_follows_the_unit_s_procedure(neonatal_unit, weeks, expected):
    """R41: no "pulse oximetry overdue" for a 33-week baby in the NICU; the heel prick
    still is due for every baby."""
    born = timezone.now() - datetime.timedelta(hours=60)
    found = {
        s.kind: s.status
        for s in screenings.states(born, [], neonatal_unit=neonatal_unit, gestational_weeks=weeks)
    }
    assert found[ScreeningKind.CCHD] == expected
    assert found[ScreeningKind.HEEL_PRICK] == Status.NOT_YET
    assert all(window.why for window in screenings.SCHEDULE.values())


def test_the_blood_card_number_belongs_to_a_heel_prick():
    net = build_network()
    done = net.a.delivery.born_at + datetime.timedelta(hours=20)  # the factory's baby: 1 day
    card = Screening(
        newborn=net.newborn,
        kind=ScreeningKind.HEEL_PRICK,
        done_at=done,
        result=ScreeningResult.NORMAL,
        card_number="VL-2026-00123",
    )
    card.full_clean()
    for kind, number in (
        (ScreeningKind.HEARING, "VL-2026-00123"),
        (ScreeningKind.HEEL_PRICK, "12;DROP"),
    ):
        with pytest.raises(ValidationError) as refused:
            Screening(
                newborn=net.newborn,
                kind=kind,
                done_at=done,
                result=ScreeningResult.NORMAL,
                card_number=number,
            ).full_clean()
        assert "card_number" in refused.value.error_dict


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_panels_badges_read_as_the_loop_they_replace(language):
    """``{% screening_badges %}`` (both screenings panels) writes what the template loop
    wrote: a badge per missing screening, its kind and its status in lower case."""
    from django.template import Context, Template
    from django.utils import translation

    states = [
        screenings.ScreeningState(kind, status, BORN, BORN, None)
        for kind in ScreeningKind
        for status in (Status.DUE, Status.OVERDUE)
    ]
    loop = Template(
        '{% for state in row.missing %}<span class="badge status-{{ state.status }}">'
        "{{ state.kind.label }}: {{ state.status.label|lower }}</span> {% endfor %}"
    )
    tag = Template("{% load screening_badges %}{% screening_badges row.missing %}")
    with translation.override(language):
        context = Context({"row": {"missing": states}})
        assert tag.render(context) == loop.render(context)
        assert tag.render(Context({"row": {"missing": []}})) == ""


def _edges():
    """Moments around every window's start and end, and before the birth."""
    tick = datetime.timedelta(microseconds=1)
    moments = {BORN - datetime.timedelta(hours=1)}
    for window in screenings.SCHEDULE.values():
        for edge in (window.earliest, window.latest):
            moments |= {BORN + edge - tick, BORN + edge, BORN + edge + tick}
    return sorted(moments)


def test_the_statement_s_missing_screenings_are_those_of_states():
    """``missing_condition`` (the panels' statement) picks exactly the babies for whom
    ``states`` finds a screening due or overdue: every kind with nothing, each result and
    a later result recorded (entered first or last), the others settled or not; a baby in
    a neonatal unit or not (or not said), born preterm or at term; at every window's
    edges."""
    from dossier.models import Newborn

    settled_others = {
        kind: [(other, ScreeningResult.NORMAL, 30) for other in ScreeningKind if other != kind]
        for kind in ScreeningKind
    }
    babies = [((None, 39), [])]  # nothing recorded at all
    for kind in ScreeningKind:
        for recorded in (
            [],
            [(kind, ScreeningResult.NORMAL, 30)],
            [(kind, ScreeningResult.REFER, 30)],
            [(kind, ScreeningResult.REPEAT, 30)],
            # entered in this order, done in the other: the later one counts
            [(kind, ScreeningResult.NORMAL, 40), (kind, ScreeningResult.REPEAT, 20)],
            [(kind, ScreeningResult.REPEAT, 40), (kind, ScreeningResult.NORMAL, 20)],
        ):
            babies.append(((None, 39), recorded + settled_others[kind]))
    for neonatal_unit in (None, False, True):
        for weeks in (34, 35):  # (the delivery always holds one)
            babies.append(((neonatal_unit, weeks), settled_others[ScreeningKind.CCHD]))
            babies.append(((neonatal_unit, weeks), []))
    made = {}
    for (neonatal_unit, weeks), recorded in babies:
        newborn = NewbornFactory(neonatal_admission=neonatal_unit)
        newborn.dossier.delivery.born_at = BORN
        newborn.dossier.delivery.gestational_weeks = weeks
        newborn.dossier.delivery.save()
        for kind, result, hours in recorded:
            Screening.objects.create(
                newborn=newborn,
                kind=kind,
                result=result,
                done_at=BORN + datetime.timedelta(hours=hours),
            )
        made[newborn.pk] = (neonatal_unit, weeks)
    for now in _edges():
        by_states = {
            pk
            for pk, (neonatal_unit, weeks) in made.items()
            if any(
                state.missing
                for state in screenings.states(
                    BORN,
                    Screening.objects.filter(newborn_id=pk),
                    now,
                    neonatal_unit=neonatal_unit,
                    gestational_weeks=weeks,
                )
            )
        }
        by_statement = set(
            Newborn.objects.filter(pk__in=made)
            .filter(
                screenings.missing_condition(
                    now,
                    born_at="dossier__delivery__born_at",
                    neonatal_unit="neonatal_admission",
                    gestational_weeks="dossier__delivery__gestational_weeks",
                )
            )
            .values_list("pk", flat=True)
        )
        assert by_statement == by_states, now - BORN
    assert 0 < len(by_states) < len(made)  # (the last moment: some settled, some not)


def test_a_panel_s_first_rows_are_the_first_of_the_whole_list(midwife):
    """The dashboard's first rows are the watch list's first, the oldest birth first, with
    the whole list's count; a baby whose screenings are all settled is on neither."""
    from dossier.selectors import missing_screenings_first

    babies = []
    for days in (9, 3, 6, 12):
        newborn = NewbornFactory(coordinator=midwife)
        newborn.dossier.delivery.born_at = timezone.now() - datetime.timedelta(days=days)
        newborn.dossier.delivery.save()
        babies.append(newborn)
    for kind in ScreeningKind:
        Screening.objects.create(
            newborn=babies[3],
            kind=kind,
            result=ScreeningResult.NORMAL,
            done_at=babies[3].dossier.delivery.born_at + datetime.timedelta(hours=80),
        )
    every, total = missing_screenings_first(midwife, limit=None)
    first, first_total = missing_screenings_first(midwife, limit=2)
    assert [row["newborn"] for row in every] == [babies[0], babies[2], babies[1]]
    assert total == first_total == 3
    assert [row["newborn"] for row in first] == [babies[0], babies[2]]
    assert all(row["missing"] and row["dossier"] == row["newborn"].dossier for row in every)
    assert missing_screenings_first(midwife, limit=None) == (every, total)
