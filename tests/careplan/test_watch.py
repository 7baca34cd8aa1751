"""The coordinator's watch list against the care vacuum: each gap appears, and disappears
once the care is given or planned; only her records; the same queries however many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from careplan import content, services, watch
from dossier.models import Delivery, HomeVisit, Measurement, PhoneContact, PsychosocialAnamnesis
from dossier.sections import Section
from network import access
from network import services as network_services
from network.models import Level
from tests.factories import AlertFactory, DeliveryFactory, NewbornFactory
from tests.network.conftest import sign_in
from tests.personas import build_network

pytestmark = pytest.mark.django_db
NOW = timezone.now


@pytest.fixture
def net():
    network = build_network()
    Delivery.objects.filter(dossier=network.a).update(
        born_at=NOW() - datetime.timedelta(days=3),
        admitted_at=NOW() - datetime.timedelta(days=3, hours=8),
        discharged_at=NOW() - datetime.timedelta(hours=30),
    )
    network.a.refresh_from_db()
    return network


def lists(net, persona="coordinator"):
    """Each list's rows (all of them)."""
    shown = watch.watch_list(net.users[persona], limit=None)
    return {key: value.rows for key, value in shown.items() if key != "reads"}


def test_a_discharge_without_a_first_visit_until_the_visit(net):
    assert [d.dossier for d in lists(net)["no_first_visit"]] == [net.a]
    HomeVisit.objects.create(
        dossier=net.a, visited_at=net.a.delivery.discharged_at + datetime.timedelta(hours=20)
    )
    assert lists(net)["no_first_visit"] == []


def test_no_physician_consultation_until_one_is_planned(net):
    assert [d.dossier for d in lists(net)["no_physician"]] == [net.a]
    born = timezone.localdate(net.a.delivery.born_at)
    appointment = content.new_appointment(
        "paediatric", born + datetime.timedelta(7), born + datetime.timedelta(10)
    )
    plan = {**content.empty_plan(), "appointments": [appointment]}
    services.plan_save(actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0)
    assert lists(net)["no_physician"] == []
    plan["appointments"] = [{**appointment, "status": "cancelled"}]
    services.plan_save(actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=1)
    assert [d.dossier for d in lists(net)["no_physician"]] == [net.a]


@pytest.mark.parametrize(("weight", "listed"), [(2700, False), (2699, True)])
def test_weight_loss_over_10_percent_exactly(net, weight, listed):
    newborn = net.newborn
    newborn.birth_weight_g = 3000
    newborn.save()
    Measurement.objects.create(newborn=newborn, measured_at=NOW(), weight_g=weight)
    assert (newborn in lists(net)["weight_loss"]) is listed


def test_a_vulnerable_family_without_contact_until_a_call(net):
    PsychosocialAnamnesis.objects.create(
        dossier=net.a, interviewed_on=timezone.localdate(), violence="now"
    )
    assert lists(net)["vulnerable"] == [net.a]
    PhoneContact.objects.create(
        dossier=net.a,
        started_at=NOW(),
        duration_minutes=10,
        caller="mother",
        reason="mood",
        outcome="advice",
    )
    assert lists(net)["vulnerable"] == []


def test_the_mothers_change_until_the_coordinator_has_seen_it(client, net):
    services.plan_save(
        actor=net.users["mother"],
        dossier=net.a,
        base_number=0,
        content={**content.empty_plan(), "expected_course": "Liefst thuis"},
    )
    assert [p.dossier for p in lists(net)["mother_changed"]] == [net.a]
    with pytest.raises(access.AccessDenied):
        services.plan_acknowledge(actor=net.users["gp"], dossier=net.a)
    sign_in(client, net.users["coordinator"])
    client.post(reverse("careplan:acknowledge", args=[net.a.public_id]))
    assert lists(net)["mother_changed"] == []


def test_only_her_own_records_and_the_page_logs_what_it_shows(client, net):
    assert all(not rows for rows in lists(net, "gp").values())
    sign_in(client, net.users["coordinator"])
    page = client.get(reverse("careplan:watch"))
    assert page.status_code == 200 and escape(net.a.mother.full_name) in page.text
    from network.models import AccessEvent

    events = AccessEvent.objects.filter(
        actor=net.users["coordinator"], dossier=net.a, action="read"
    ).values_list("sections", flat=True)
    shown = {section for sections in events for section in sections}
    assert {"identity", "delivery", "postnatal"} <= shown


def test_a_baby_s_row_names_the_mother_only_to_a_reader_of_her_identity(client, net):
    """The screenings panel of the watch list keeps the baby whose screening is due (the
    newborn section) and names the mother beside it only when the coordinator may see her
    identity: withdrawn, the row says "the mother" and the page logs no identity read."""
    from django.utils import translation

    from network.models import AccessEvent
    from network.names import the_mother

    coordinator = net.users["coordinator"]
    sign_in(client, coordinator)
    url = reverse("careplan:watch")
    name = escape(net.a.mother.full_name)
    assert name in client.get(url).text
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=coordinator),
    )
    before = AccessEvent.objects.filter(actor=coordinator, dossier=net.a).count()
    page = client.get(url)
    screenings = page.context["screenings"]
    assert [row["newborn"] for row in screenings.rows] == [net.newborn]
    assert name not in page.text
    with translation.override("nl"):  # the page's language
        assert f"({the_mother()})" in page.text
    shown = AccessEvent.objects.filter(actor=coordinator, dossier=net.a).order_by("pk")[before:]
    assert [event.sections for event in shown] == [["newborn"]]


def test_the_page_runs_the_same_queries_for_one_record_or_five(client, net):
    sign_in(client, net.users["coordinator"])
    url = reverse("careplan:watch")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        delivery = DeliveryFactory(
            dossier__coordinator=net.users["coordinator"], discharged_at=None
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            born_at=NOW() - datetime.timedelta(days=3),
            admitted_at=NOW() - datetime.timedelta(days=3, hours=8),
            discharged_at=NOW() - datetime.timedelta(hours=30),
        )
        NewbornFactory(dossier=delivery.dossier)
    client.get(url)
    with CaptureQueriesContext(connection) as five:
        page = client.get(url)
    assert page.context["no_first_visit"].total == 5
    assert len(five) == len(one)


def test_a_long_list_shows_the_most_urgent_and_how_many_more(client, net):
    for _ in range(3):
        delivery = DeliveryFactory(
            dossier__coordinator=net.users["coordinator"], discharged_at=None
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            born_at=NOW() - datetime.timedelta(days=3),
            admitted_at=NOW() - datetime.timedelta(days=3, hours=8),
            discharged_at=NOW() - datetime.timedelta(hours=30),
        )
    shown = watch.watch_list(net.users["coordinator"], limit=2)["no_first_visit"]
    assert (len(shown.rows), shown.total, shown.more) == (2, 4, 2)
    full = watch.watch_list(net.users["coordinator"], limit=2, full="no_first_visit")
    assert len(full["no_first_visit"].rows) == 4


def test_twins_need_a_physician_consultation_each(net):
    """One twin's cancelled consultation is not hidden by the other's (R22, per baby)."""
    NewbornFactory(dossier=net.a, birth_order=2)
    born = timezone.localdate(net.a.delivery.born_at)

    def consultation(status="planned"):
        return {
            **content.new_appointment(
                "paediatric", born + datetime.timedelta(7), born + datetime.timedelta(10)
            ),
            "status": status,
        }

    plan = {**content.empty_plan(), "appointments": [consultation(), consultation()]}
    services.plan_save(actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0)
    assert lists(net)["no_physician"] == []
    plan["appointments"][1] = {**plan["appointments"][1], "status": "cancelled"}
    services.plan_save(actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=1)
    assert [d.dossier for d in lists(net)["no_physician"]] == [net.a]


def test_an_overdue_screening_stays_listed_after_60_days_until_the_record_is_closed(net):
    from dossier.models import Dossier
    from dossier.selectors import missing_screenings

    Delivery.objects.filter(dossier=net.a).update(
        born_at=NOW() - datetime.timedelta(days=75),
        admitted_at=NOW() - datetime.timedelta(days=75, hours=8),
        discharged_at=NOW() - datetime.timedelta(days=72),
    )
    user = net.users["coordinator"]
    assert net.newborn in [row["newborn"] for row in missing_screenings(user)]
    Dossier.objects.filter(pk=net.a.pk).update(status="closed")
    assert net.newborn not in [row["newborn"] for row in missing_screenings(user)]


def test_a_baby_in_the_neonatal_unit_is_not_overdue_for_pulse_oximetry(net):
    from dossier.selectors import missing_screenings

    def cchd_missing():
        return [
            state.kind
            for row in missing_screenings(net.users["coordinator"])
            for state in row["missing"]
            if row["newborn"] == net.newborn and state.kind == "cchd"
        ]

    assert cchd_missing() == ["cchd"]  # 3 days old, never screened
    type(net.newborn).objects.filter(pk=net.newborn.pk).update(neonatal_admission=True)
    assert cchd_missing() == []


def test_a_prenatal_consultation_or_home_visit_is_contact_for_a_vulnerable_family(net):
    from dossier.models import PrenatalConsultation

    PsychosocialAnamnesis.objects.create(
        dossier=net.a, interviewed_on=timezone.localdate(), violence="now"
    )
    assert lists(net)["vulnerable"] == [net.a]
    PrenatalConsultation.objects.create(
        dossier=net.a, at_home=True, consulted_on=timezone.localdate()
    )
    assert lists(net)["vulnerable"] == []


def test_a_recorded_visit_fulfils_its_appointment_and_an_empty_past_window_is_missed(net):
    from careplan.selectors import appointment_progress

    today = timezone.localdate()
    past = content.new_appointment(
        "home_visit", today - datetime.timedelta(3), today - datetime.timedelta(2)
    )
    coming = content.new_appointment("home_visit", today, today + datetime.timedelta(1))

    def progress(**seen):
        return appointment_progress(
            net.a, [past, coming], **{"visits": True, "screenings": True, **seen}
        )

    assert progress() == {past["id"]: {"state": "missed"}}
    HomeVisit.objects.create(dossier=net.a, visited_at=NOW() - datetime.timedelta(days=2))
    assert progress() == {past["id"]: {"state": "done", "on": today - datetime.timedelta(days=2)}}
    assert progress(visits=False) == {}  # a reader without the postnatal section: nothing


def test_screenings_settled_in_the_database_as_the_schedule_reads_them(net):
    """A baby whose every screening's latest result is normal or referred leaves the list;
    a repeat after a normal result puts it back (the last result counts)."""
    from dossier.models import Screening
    from dossier.screenings import SCHEDULE
    from dossier.selectors import missing_screenings

    def listed():
        return net.newborn in [
            row["newborn"] for row in missing_screenings(net.users["coordinator"])
        ]

    born = net.a.delivery.born_at
    for kind in SCHEDULE:
        Screening.objects.create(
            newborn=net.newborn,
            kind=kind,
            result="normal",
            done_at=born + datetime.timedelta(hours=30),
        )
    assert not listed()
    Screening.objects.create(
        newborn=net.newborn,
        kind="hearing",
        result="repeat",
        done_at=born + datetime.timedelta(hours=40),
    )
    assert listed()


def test_a_missed_home_visit_is_listed_until_a_visit_is_recorded_in_its_window(net):
    today = timezone.localdate()
    past = content.new_appointment(
        "home_visit", today - datetime.timedelta(2), today - datetime.timedelta(1)
    )
    plan = {**content.empty_plan(), "appointments": [past]}
    services.plan_save(actor=net.users["coordinator"], dossier=net.a, content=plan, base_number=0)
    shown, reads = watch.missed_appointments(net.users["coordinator"])
    assert [(row["dossier"], row["appointment"]["id"]) for row in shown.rows] == [
        (net.a, past["id"])
    ]
    assert (net.a, "careplan") in reads
    assert watch.missed_appointments(net.users["gp"])[0].total == 0  # she coordinates
    HomeVisit.objects.create(dossier=net.a, visited_at=NOW() - datetime.timedelta(days=1))
    assert watch.missed_appointments(net.users["coordinator"])[0].total == 0


@pytest.mark.parametrize("persona", ["coordinator", "gp", "mother", "outsider"])
def test_the_screenings_panels_nest_her_records_as_the_watch_list_reads_them(net, persona):
    """The screenings panels nest her records in their own statement
    (``access.coordinated_open``): per section, the same records as the watch list reads
    once (``Mine``, ``access.coordinated_sections``); a closed record and a withdrawn
    section drop out of both."""
    from dossier.models import Dossier
    from network.models import Membership

    user = net.users[persona]

    def nested(section):
        return set(
            Membership.objects.filter(access.coordinated_open(user, section)).values_list(
                "dossier_id", flat=True
            )
        )

    def read_once():
        mine = watch.Mine(user)
        return {section: set(mine.seeing(section)) for section in watch.SECTIONS}

    assert {section: nested(section) for section in watch.SECTIONS} == read_once()
    if persona != "coordinator":
        assert not any(read_once().values())
        return
    assert nested(Section.NEWBORN) == {net.a.pk, net.b.pk}
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.NEWBORN,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=user),
    )
    Dossier.objects.filter(pk=net.b.pk).update(status="closed")
    assert {section: nested(section) for section in watch.SECTIONS} == read_once()
    assert nested(Section.NEWBORN) == set()
    assert nested(Section.IDENTITY) == {net.a.pk}


@pytest.mark.parametrize("persona", ["coordinator", "gp", "mother", "outsider"])
def test_her_records_and_their_sections_as_the_rules_give_them(net, persona):
    """``Mine`` reads her open records through one compiled statement
    (``access.coordinated_sections``): the records and sections are what the access rules
    give (her coordinator memberships, open records only, the section flags), a closed
    record drops out."""
    from dossier.models import Dossier

    user = net.users[persona]

    def by_the_rules():
        flags = [f"can_view_{s}" for s in watch.SECTIONS]
        return {
            pk: {s for s, seen in zip(watch.SECTIONS, seen, strict=True) if seen}
            for pk, *seen in access.with_section_flags(
                access.coordinated_dossiers(user).exclude(status="closed"),
                user,
                sections=watch.SECTIONS,
            ).values_list("pk", *flags)
        }

    assert watch.Mine(user).sections == by_the_rules()
    if persona == "coordinator":
        assert set(watch.Mine(user).sections) == {net.a.pk, net.b.pk}
        Dossier.objects.filter(pk=net.a.pk).update(status="closed")
        assert set(watch.Mine(user).sections) == {net.b.pk} == set(by_the_rules())
    else:
        assert watch.Mine(user).sections == {}


def test_the_latest_screening_by_its_time_counts_not_the_first_entered(net):
    """The screenings panel reads each baby's results in the order they were done: a
    normal heel prick entered first but done later settles a repeat entered after it."""
    from dossier.models import Screening
    from dossier.selectors import missing_screenings

    def heel_prick_missing():
        return [
            state.kind
            for row in missing_screenings(net.users["coordinator"])
            for state in row["missing"]
            if row["newborn"] == net.newborn and state.kind == "heel_prick"
        ]

    born = NOW() - datetime.timedelta(days=5)
    Delivery.objects.filter(dossier=net.a).update(born_at=born)
    assert heel_prick_missing() == ["heel_prick"]
    Screening.objects.create(
        newborn=net.newborn,
        kind="heel_prick",
        result="normal",
        done_at=born + datetime.timedelta(hours=80),
    )
    Screening.objects.create(  # entered afterwards, done before
        newborn=net.newborn,
        kind="heel_prick",
        result="repeat",
        done_at=born + datetime.timedelta(hours=74),
    )
    assert heel_prick_missing() == []
    Screening.objects.create(
        newborn=net.newborn,
        kind="heel_prick",
        result="repeat",
        done_at=born + datetime.timedelta(hours=90),
    )
    assert heel_prick_missing() == ["heel_prick"]


def on_every_list(net, dossier, newborn, mother):
    """Put ``dossier`` on every list of the page: discharged 30 hours ago without a visit,
    no physician planned, 12 % below the birth weight, vulnerable without contact, a plan
    the mother changed with a home visit whose window has passed, screenings due, an
    open alert."""
    Delivery.objects.filter(dossier=dossier).update(
        born_at=NOW() - datetime.timedelta(days=3),
        admitted_at=NOW() - datetime.timedelta(days=3, hours=8),
        discharged_at=NOW() - datetime.timedelta(hours=30),
    )
    type(newborn).objects.filter(pk=newborn.pk).update(birth_weight_g=3000)
    Measurement.objects.create(newborn=newborn, measured_at=NOW(), weight_g=2640)
    PsychosocialAnamnesis.objects.create(
        dossier=dossier, interviewed_on=timezone.localdate(), violence="now"
    )
    today = timezone.localdate()
    past = content.new_appointment(
        "home_visit", today - datetime.timedelta(2), today - datetime.timedelta(1)
    )
    plan = {**content.empty_plan(), "appointments": [past]}
    coordinator = net.users["coordinator"]
    services.plan_save(actor=coordinator, dossier=dossier, content=plan, base_number=0)
    plan["expected_course"] = "Liefst thuis"
    services.plan_save(actor=mother, dossier=dossier, content=plan, base_number=1)
    AlertFactory(dossier=dossier, raised_by=coordinator)


def test_every_list_reads_its_rows_in_its_own_statement(client, net):
    """Each list reads what its rows show in its statement (narrowed to those fields): a
    second record on every list costs no statement more."""
    from dossier.models import Dossier

    on_every_list(net, net.a, net.newborn, net.users["mother"])
    sign_in(client, net.users["coordinator"])
    url = reverse("careplan:watch")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    keys = [*watch.LISTS, "missed", "screenings", "alerts"]
    assert {key: page.context[key].total for key in keys} == dict.fromkeys(keys, 1)

    b = Dossier.objects.get(pk=net.b.pk)
    delivery = DeliveryFactory(dossier=b)
    on_every_list(net, b, NewbornFactory(dossier=delivery.dossier), net.users["other_mother"])
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        page = client.get(url)
    assert {key: page.context[key].total for key in keys} == dict.fromkeys(keys, 2)
    assert len(two) == len(one)
    assert escape(b.mother.full_name) in page.text
