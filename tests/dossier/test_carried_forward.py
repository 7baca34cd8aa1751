"""The prenatal results that decide care at the birth and for the baby (issue 18): the
Rhesus D with the anti-D given, the HBsAg (the baby's hepatitis B immunisation at birth) and
the GBS (antibiotics in labour, the baby's observation), carried forward to the delivery and
newborn pages and the record's "now" header — for a reader of the prenatal section only, and
logged as such."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dossier import labs, selectors, services
from dossier.labs import LabResult, LabTest, Rhesus, State
from dossier.models import PrenatalLab
from dossier.sections import Section
from network.models import AccessEvent
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def net():
    network = build_network()
    born = timezone.localdate(network.a.delivery.born_at)
    for values in (
        {"test": LabTest.BLOOD_GROUP, "abo": "O", "rhesus": Rhesus.NEGATIVE},
        {"test": LabTest.HBSAG, "result": LabResult.POSITIVE},
        {"test": LabTest.GBS, "result": LabResult.POSITIVE},
    ):
        services.entry_record(
            actor=network.users["coordinator"],
            entry=PrenatalLab(dossier=network.a, taken_on=born - 20 * DAY, **values),
        )
    return network


def sections_read(user, dossier, since: int) -> set[str]:
    events = AccessEvent.objects.filter(id__gt=since, actor=user, dossier=dossier, action="read")
    found = set()
    for event in events:
        found.update(getattr(event, "sections", None) or [getattr(event, "section", "")])
    return found


def last_event() -> int:
    return AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- the status itself ----------------------------------------------------------------------


def gbs(result, taken_on):
    return PrenatalLab(test=LabTest.GBS, result=result, taken_on=taken_on)


def test_a_negative_swab_counts_for_five_weeks():
    birth = datetime.date(2026, 6, 30)
    status = {
        days: labs.carried_forward(
            {LabTest.GBS: gbs(LabResult.NEGATIVE, birth - days * DAY)}, on=birth
        )[2]
        for days in (35, 36)
    }
    assert status[35].state == State.CLEAR
    assert status[36].state == State.UNKNOWN
    with translation.override("en"):
        older = labs.carried_forward(
            {LabTest.GBS: gbs(LabResult.NEGATIVE, birth - 36 * DAY)}, on=birth
        )[2]
    assert "5 weeks" in older.finding


def test_nothing_recorded_is_not_known_and_asks_for_something():
    rhesus, hbsag, streptococcus = labs.carried_forward({}, on=datetime.date(2026, 6, 30))
    assert [item.state for item in (rhesus, hbsag, streptococcus)] == [State.UNKNOWN] * 3
    assert all(item.needs_action and item.baby for item in (rhesus, hbsag, streptococcus))


def test_the_anti_d_given_is_named_with_its_day_and_dose():
    given = PrenatalLab(
        test=LabTest.BLOOD_GROUP,
        abo="A",
        rhesus=Rhesus.NEGATIVE,
        anti_d_given_on=datetime.date(2026, 5, 1),
        anti_d_dose_ug=300,
        taken_on=datetime.date(2026, 1, 10),
    )
    rhesus = labs.carried_forward({LabTest.BLOOD_GROUP: given}, on=datetime.date(2026, 6, 30))[0]
    assert rhesus.state == State.ACT
    assert "01-05-2026" in rhesus.finding and "300" in rhesus.finding
    assert "72" in rhesus.care


def test_the_latest_result_counts(net):
    services.entry_record(
        actor=net.users["coordinator"],
        entry=PrenatalLab(
            dossier=net.a,
            test=LabTest.HBSAG,
            result=LabResult.NEGATIVE,
            taken_on=timezone.localdate(net.a.delivery.born_at) - 2 * DAY,
        ),
    )
    status = {item.key: item for item in selectors.safety_status(net.a)}
    assert status["hbsag"].state == State.CLEAR
    assert status["rhesus"].state == State.ACT and status["gbs"].state == State.ACT


# --- on the pages ---------------------------------------------------------------------------


def text_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def carried(text: str, audience: str) -> str:
    start = text.index(f'data-carried="{audience}"')
    return text[start : text.index("</ul>", start)]


def test_the_delivery_and_the_newborn_cards_and_the_header_carry_it(net, client):
    sign_in(client, net.users["coordinator"])
    text = text_of(client, reverse("dossier:detail", args=[net.a.public_id]))
    birth, baby = carried(text, "birth"), carried(text, "baby")
    for part in (birth, baby):
        for key in ("rhesus", "hbsag", "gbs"):
            assert f'data-carried-item="{key}" data-state="act"' in part
    assert "HBIG" in baby  # the baby's hepatitis B immunoglobulin at birth
    header = text[text.index('class="card now-header"') : text.index('class="record-nav"')]
    assert header.count('data-now="safety"') == 3


@pytest.mark.parametrize(
    ("page", "audience"),
    [("delivery", "birth"), ("newborn_edit", "baby"), ("screenings", "baby")],
)
def test_the_delivery_and_newborn_pages_carry_it_and_log_the_pregnancy_read(
    net, client, page, audience
):
    coordinator = net.users["coordinator"]
    sign_in(client, coordinator)
    args = [net.a.public_id] if page == "delivery" else [net.a.public_id, net.newborn.public_id]
    before = last_event()
    text = text_of(client, reverse(f"dossier:{page}", args=args))
    assert 'data-carried-item="hbsag" data-state="act"' in carried(text, audience)
    assert Section.PRENATAL in sections_read(coordinator, net.a, before)


@pytest.mark.parametrize("page", ["detail", "delivery", "newborn_edit", "screenings"])
def test_a_member_without_the_pregnancy_does_not_see_it(net, client, page):
    """The mother closes the pregnancy to a second midwife, who still writes the delivery
    and the newborn: no carried status on those pages, and no read of the pregnancy
    logged."""
    from network import services as network_services
    from network.models import Level, Role
    from tests.factories import ProfessionalFactory, join

    midwife = ProfessionalFactory(user__username="sofie").user
    join(net.a, midwife, role=Role.MIDWIFE)
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.PRENATAL,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=midwife),
    )
    sign_in(client, midwife)
    args = (
        [net.a.public_id]
        if page in ("detail", "delivery")
        else [net.a.public_id, net.newborn.public_id]
    )
    before = last_event()
    text = text_of(client, reverse(f"dossier:{page}", args=args))
    assert "data-carried" not in text and 'data-now="safety"' not in text
    assert "HBsAg" not in text
    assert Section.PRENATAL not in sections_read(midwife, net.a, before)
    assert sections_read(midwife, net.a, before)  # the page's own read is logged


def test_the_header_names_a_missing_result_only_near_the_birth(client):
    network = build_network()
    sign_in(client, network.users["coordinator"])

    def header(dossier):
        text = text_of(client, reverse("dossier:detail", args=[dossier.public_id]))
        return text[text.index('class="card now-header"') : text.index('class="record-nav"')]

    # dossier B is 12 weeks pregnant: a GBS not known yet is not news…
    assert 'data-now="safety"' not in header(network.b)
    # …but a positive HBsAg is, whatever the term
    services.entry_record(
        actor=network.users["coordinator"],
        entry=PrenatalLab(
            dossier=network.b,
            test=LabTest.HBSAG,
            result=LabResult.POSITIVE,
            taken_on=timezone.localdate() - DAY,
        ),
    )
    assert header(network.b).count('data-now="safety"') == 1
    network.b.expected_due_date = timezone.localdate() + 4 * 7 * DAY  # 36 weeks today
    network.b.save()
    assert header(network.b).count('data-now="safety"') == 3
    # dossier A was born yesterday with nothing recorded: all three are missing
    assert header(network.a).count('data-now="safety"') == 3
