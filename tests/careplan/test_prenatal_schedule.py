"""The prenatal contact schedule (issue 18, KCE Report 248 / 326): ten contacts for a first
baby, seven for a next one, the prenatal home visit around 34 weeks (R35); proposed from the
due date like the postnatal schedule, never twice, past windows left out; and the proposal
page before the birth, for a reader of the pregnancy."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from careplan import schedule
from careplan.content import AppointmentKind as K
from careplan.models import PlanVersion
from dossier.sections import Section
from network.models import AccessEvent
from tests.network.conftest import sign_in
from tests.personas import build_network

DUE = datetime.date(2026, 10, 8)  # the last period on 1 January 2026
START = DUE - datetime.timedelta(days=280)
EARLY = START + datetime.timedelta(weeks=5)  # today at 5 weeks: every window still ahead


def weeks(proposal) -> tuple[float, float]:
    a, _purpose = proposal
    return tuple(
        (datetime.date.fromisoformat(a[key]) - START).days / 7 for key in ("due_from", "due_until")
    )


def test_a_first_baby_gets_ten_contacts_a_next_one_seven():
    first = schedule.propose_prenatal(DUE, 0, [], today=EARLY)
    next_one = schedule.propose_prenatal(DUE, 1, [], today=EARLY)
    assert len(first) == 10 and len(next_one) == 7
    starts = [round(weeks(p)[0]) for p in first]
    assert starts == [6, 15, 24, 27, 30, 33, 35, 38, 40, 41]
    assert [round(weeks(p)[0]) for p in next_one] == [6, 15, 27, 33, 35, 38, 41]
    # the windows follow each other without overlapping, each ends on day 6 of its last week
    for (a, _), (b, _) in itertools.pairwise(first):
        assert a["due_until"] < b["due_from"]
    assert all(weeks(p)[1] % 1 == pytest.approx(6 / 7) for p in first)


def test_the_34_week_contact_is_the_prenatal_home_visit():
    home = [
        a
        for a, _ in schedule.propose_prenatal(DUE, 2, [], today=EARLY)
        if a["kind"] == K.PRENATAL_HOME_VISIT
    ]
    assert len(home) == 1
    assert home[0]["due_from"] == (START + datetime.timedelta(weeks=33)).isoformat()
    assert home[0]["due_until"] == (START + datetime.timedelta(weeks=34, days=6)).isoformat()


def test_a_window_that_is_over_is_not_proposed_and_a_planned_contact_not_twice():
    at_29_weeks = START + datetime.timedelta(weeks=29)
    later = schedule.propose_prenatal(DUE, 0, [], today=at_29_weeks)
    assert [round(weeks(p)[0]) for p in later] == [30, 33, 35, 38, 40, 41]
    planned = {**later[0][0], "status": "planned"}
    again = schedule.propose_prenatal(DUE, 0, [planned], today=at_29_weeks)
    assert len(again) == 5 and planned["id"] not in {a["id"] for a, _ in again}
    # the same inputs give the same ids: a proposal shown can be accepted afterwards
    assert [a["id"] for a, _ in later] == [
        a["id"] for a, _ in schedule.propose_prenatal(DUE, 0, [], today=at_29_weeks)
    ]


def test_every_contact_says_what_it_is_for_and_where_the_rule_comes_from():
    for rule in schedule.PRENATAL_RULES:
        assert rule.purpose and len(rule.why) > 80 and "KCE" in rule.why


# --- the proposal page before the birth -------------------------------------------------------


@pytest.mark.django_db
def test_before_the_birth_the_page_proposes_the_prenatal_contacts(client):
    net = build_network()
    coordinator = net.users["coordinator"]
    sign_in(client, coordinator)
    url = reverse("careplan:proposal", args=[net.b.public_id])
    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    page = client.get(url)
    assert page.status_code == 200
    proposals = page.context["proposals"]
    assert proposals and {a["kind"] for a, _text, _purpose in proposals} <= {
        K.PRENATAL_CONSULTATION,
        K.PRENATAL_HOME_VISIT,
    }
    assert all(purpose for _a, _text, purpose in proposals)
    read = set()
    for event in AccessEvent.objects.filter(id__gt=before, dossier=net.b):
        read.update(getattr(event, "sections", None) or [getattr(event, "section", "")])
    assert Section.PRENATAL in read  # the windows tell the due date
    home = next(a for a, _t, _p in proposals if a["kind"] == K.PRENATAL_HOME_VISIT)
    response = client.post(url, {"base_version": 0, "accept": [home["id"]]})
    assert response.status_code == 302
    saved = PlanVersion.objects.get().content["appointments"]
    assert [(a["kind"], a["status"]) for a in saved] == [(K.PRENATAL_HOME_VISIT, "planned")]
    assert timezone.localdate().isoformat() <= saved[0]["due_until"]
