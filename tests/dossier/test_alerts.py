"""The safety net (R42): every alert rule at the edges of its threshold, alerts raised in
the transaction of the entry (a failed save raises none, an amendment no second one),
who hears of them (only the section's readers; the coordinator by SMS and e-mail when
urgent), taking an alert on and resolving it, escalation with a frozen clock (twice is
once, acknowledged is never), the mother's own observation answered with advice, and the
watch list with the urgent alert on top."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from dossier import alerts, services
from dossier.models import (
    Alert,
    BabyCheck,
    HomeVisit,
    Measurement,
    PhoneContact,
    PrenatalConsultation,
    Screening,
    SelfMonitoring,
)
from dossier.sections import Section
from network import alerting, notices
from network import services as network_services
from network.models import (
    Channel,
    Level,
    Notification,
    OnCallShift,
    Organisation,
    OrganisationKind,
    OutboxMessage,
)
from tests.conftest import sign_in_verified
from tests.personas import build_network

pytestmark = pytest.mark.django_db
NOW = timezone.now


def codes(entry) -> list[str]:
    return [rule.code for rule in alerts.firing(entry)]


# --- the rules at their edges ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "prefix"), [(PrenatalConsultation, "prenatal"), (HomeVisit, "postnatal")]
)
@pytest.mark.parametrize(
    ("systolic", "diastolic", "fired"),
    [
        (139, 89, None),
        (140, 80, "bp_high"),
        (120, 90, "bp_high"),
        (159, 109, "bp_high"),
        (160, 100, "bp_severe"),
        (150, 110, "bp_severe"),
        (None, None, None),
    ],
)
def test_blood_pressure_before_and_after_the_birth(model, prefix, systolic, diastolic, fired):
    found = codes(model(bp_systolic=systolic, bp_diastolic=diastolic))
    assert found == ([f"{prefix}_{fired}"] if fired else [])  # the severe one alone


@pytest.mark.parametrize(("temperature", "fired"), [("37.9", []), ("38.0", ["postnatal_fever"])])
def test_maternal_fever(temperature, fired):
    assert codes(HomeVisit(temperature_c=Decimal(temperature))) == fired


@pytest.mark.parametrize(
    ("lochia", "fired"), [("normal", []), ("heavy", ["heavy_lochia"]), ("foul", ["foul_lochia"])]
)
def test_lochia(lochia, fired):
    assert codes(HomeVisit(lochia=lochia)) == fired


@pytest.mark.parametrize(
    ("model", "score", "fired"),
    [
        (HomeVisit, 12, []),
        (HomeVisit, 13, ["postnatal_epds"]),
        (PrenatalConsultation, 14, []),
        (PrenatalConsultation, 15, ["prenatal_epds"]),
    ],
)
def test_epds_total_after_and_before_the_birth(model, score, fired):
    assert codes(model(epds_score=score)) == fired


@pytest.mark.parametrize("model", [HomeVisit, PrenatalConsultation])
def test_question_10_is_urgent_whatever_the_total(model):
    prefix = "postnatal" if model is HomeVisit else "prenatal"
    assert codes(model(epds_score=4, epds_self_harm=0)) == []
    assert codes(model(epds_score=4, epds_self_harm=1)) == [f"{prefix}_epds_self_harm"]
    rule = alerts.BY_CODE[f"{prefix}_epds_self_harm"]
    assert rule.severity == alerts.Severity.URGENT and "question 10" in rule.why


def test_jaundice_in_the_first_24_hours_and_the_baby_s_temperature():
    net = build_network()
    born = net.a.delivery.born_at

    def check(hours, **values):
        visit = HomeVisit(dossier=net.a, visited_at=born + datetime.timedelta(hours=hours))
        return BabyCheck(home_visit=visit, newborn=net.newborn, dossier=net.a, **values)

    assert codes(check(23.9, jaundice="mild")) == ["early_jaundice"]
    assert codes(check(24, jaundice="marked")) == []
    assert codes(check(5, jaundice="none")) == []
    for temperature, fired in (
        ("37.9", []),
        ("38.0", ["baby_temperature"]),
        ("36.0", []),
        ("35.9", ["baby_temperature"]),
    ):
        assert codes(check(30, temperature_c=Decimal(temperature))) == fired


def test_weight_loss_and_the_birth_weight_at_three_weeks():
    net = build_network()
    born = net.a.delivery.born_at
    net.newborn.birth_weight_g = 3000

    def weighing(days, grams):
        return Measurement(
            newborn=net.newborn, weight_g=grams, measured_at=born + datetime.timedelta(days=days)
        )

    assert codes(weighing(3, 2700)) == []  # exactly 10 %
    assert codes(weighing(3, 2699)) == ["weight_loss"]
    assert codes(weighing(20, 2990)) == []
    assert codes(weighing(21, 2990)) == ["not_back_to_birth_weight"]
    assert codes(weighing(21, 3000)) == []
    assert codes(weighing(21, 2600)) == ["weight_loss"]  # the graver one of the group


@pytest.mark.parametrize(
    ("kind", "value", "fired"),
    [
        ("temperature", "37.9", []),
        ("temperature", "38.0", ["own_fever"]),
        ("blood_loss", "2", []),
        ("blood_loss", "3", ["own_heavy_bleeding"]),
        ("mood", "3", []),
        ("mood", "2", ["own_low_mood"]),
        ("pain", "9", []),
    ],
)
def test_the_mother_s_own_observations(kind, value, fired):
    assert codes(SelfMonitoring(kind=kind, value=Decimal(value))) == fired
    for code in fired:
        assert alerts.BY_CODE[code].advice  # she is told what to do


def test_a_referral_by_screening_or_by_phone():
    assert codes(Screening(result="refer")) == ["screening_referred"]
    assert codes(Screening(result="normal")) == []
    assert codes(PhoneContact(outcome="referral")) == ["phone_referral"]
    assert codes(PhoneContact(outcome="advice")) == []


def test_every_rule_names_its_source_and_every_threshold_its_guideline():
    for rule in alerts.RULES:
        assert len(rule.why) > 40 and rule.severity in alerts.Severity.values
    for threshold in alerts.THRESHOLDS.values():
        assert len(threshold.why) > 40


# --- raised with the entry ------------------------------------------------------------------


@pytest.fixture
def net():
    network = build_network()
    coordinator = network.users["coordinator"]
    coordinator.email = "griet@example.org"
    coordinator.save()
    coordinator.professional.phone = "0470 11 22 33"
    coordinator.professional.save()
    return network


def home_visit(net, actor="coordinator", **values):
    visit = HomeVisit(dossier=net.a, visited_at=NOW() - datetime.timedelta(minutes=30), **values)
    return services.home_visit_record(actor=net.users[actor], visit=visit, babies=[])


def test_a_home_visit_raises_its_alerts_with_it_once(net):
    visit = home_visit(
        net,
        bp_systolic=170,
        bp_diastolic=115,
        temperature_c=Decimal("39.2"),
        epds_score=22,
        lochia="foul",
    )
    raised = dict(Alert.objects.values_list("rule", "severity"))
    assert raised == {
        "postnatal_bp_severe": "urgent",
        "postnatal_fever": "today",
        "postnatal_epds": "soon",
        "foul_lochia": "today",
    }
    assert set(Alert.objects.values_list("section", flat=True)) == {Section.POSTNATAL}
    visit.notes = "nagekeken"
    services.home_visit_record(
        actor=net.users["coordinator"], visit=visit, babies=[], reason="aanvulling"
    )
    assert Alert.objects.count() == 4  # amended: nothing raised twice


def test_a_new_entry_s_alerts_and_their_notices_are_two_statements(net, django_assert_num_queries):
    """The speed budget (bench/alerts.py): the alerts' insert and the readers' notices as
    one INSERT … SELECT — the readers are not fetched first."""
    visit = HomeVisit.objects.create(
        dossier=net.a,
        visited_at=NOW() - datetime.timedelta(minutes=30),
        bp_systolic=170,
        bp_diastolic=115,
        lochia="foul",
    )
    visit.dossier = net.a
    net.users["assistant"].is_active = False
    net.users["assistant"].save()
    with django_assert_num_queries(2):
        raised = alerts.evaluate(visit, net.users["gp"], new=True)
    assert len(raised) == 2
    told = Notification.objects.filter(dossier=net.a, section=Section.POSTNATAL)
    readers = {"griet", "anne", "lotte"}  # not the GP (the author), not an inactive account
    assert set(told.values_list("recipient__username", flat=True)) == readers
    assert told.count() == 2 * len(readers)
    # as one by one: the last alert's notice is the newest, on top of the inbox
    shown = notices.render(
        told.filter(recipient=net.users["coordinator"]).order_by("-created_at"),
        net.users["coordinator"],
    )
    titles = [str(alerts.BY_CODE[code].title) for code in ("foul_lochia", "postnatal_bp_severe")]
    assert [title in notice.shown for notice, title in zip(shown, titles, strict=True)] == [
        True,
        True,
    ]


def test_the_readers_are_who_may_read_the_section_at_each_notice(net):
    """The readers' SQL is compiled once (network.services._readers_sql); who they are is
    read at each notice: the mother closes the section to Anne, Anne is no longer told."""

    def told(**exclude):
        Notification.objects.all().delete()
        network_services.notify_section_readers(
            net.a, Section.POSTNATAL, "A change in a record you follow.", **exclude
        )
        return set(Notification.objects.values_list("recipient__username", flat=True))

    everyone = {"griet", "karim", "anne", "ingrid", "lotte"}
    assert told() == everyone
    assert told(exclude=net.users["gp"]) == everyone - {"karim"}
    close_postnatal_to(net, "paediatrician")
    assert told(exclude=net.users["gp"]) == everyone - {"karim", "anne"}
    assert told(exclude=None) == everyone - {"anne"}
    other = Notification.objects.filter(dossier=net.b)
    network_services.notify_section_readers(
        net.b, Section.POSTNATAL, "A change in a record you follow."
    )
    assert set(other.values_list("recipient__username", flat=True)) == {"griet", "eva"}


def test_a_failed_save_raises_nothing(net):
    with pytest.raises(Exception):  # noqa: B017 - the visit's own validation refuses it
        home_visit(
            net, bp_systolic=170, bp_diastolic=115, next_visit_at=NOW() - datetime.timedelta(days=2)
        )
    assert not Alert.objects.exists()


def test_an_alert_is_never_deleted(net):
    home_visit(net, lochia="heavy")
    with pytest.raises(DatabaseError), transaction.atomic():
        Alert.objects.all().delete()
    assert Alert.objects.count() == 1


def close_postnatal_to(net, persona):
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.POSTNATAL,
        level=Level.NONE,
        membership=net.a.memberships.get(professional__user=net.users[persona]),
    )


def test_only_the_section_s_readers_hear_of_it_and_the_coordinator_by_sms_when_urgent(
    net, django_capture_on_commit_callbacks
):
    close_postnatal_to(net, "assistant")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        home_visit(net, actor="gp", bp_systolic=165, bp_diastolic=112)
    # the coordinator's SMS and e-mail are not the save's work: a task after the commit
    assert not OutboxMessage.objects.filter(key__startswith="alert:").exists()
    for callback in after_commit:
        callback()
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "griet" in told and "karim" not in told  # the author knows
    assert "ingrid" not in told  # the mother closed the postnatal section to her
    assert "lotte" in told  # the mother reads her own record
    urgent = OutboxMessage.objects.filter(key__startswith="alert:")
    assert sorted(urgent.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(urgent.values_list("recipient__username", flat=True)) == {"griet"}
    sms = urgent.get(channel=Channel.SMS)
    assert "160/110" in sms.body and len(sms.body) <= 300
    # the maternity assistant does not see it anywhere
    assert not list(alerting_rows(net.users["assistant"], net))
    assert list(alerting_rows(net.users["gp"], net))


def alerting_rows(user, net):
    from dossier import selectors
    from dossier.models import Dossier

    return selectors.open_alerts(user, Dossier.objects.filter(pk=net.a.pk))


def test_taking_on_and_resolving(net):
    home_visit(net, actor="gp", lochia="heavy")
    alert = Alert.objects.get()
    with pytest.raises(Exception):  # noqa: B017 - the mother does not take it on
        services.alert_acknowledge(actor=net.users["mother"], alert=alert)
    services.alert_acknowledge(actor=net.users["coordinator"], alert=alert, note="Ik ga nu")
    with pytest.raises(ValidationError) as first:
        services.alert_acknowledge(actor=net.users["gp"], alert=alert)
    assert first.value.code == "acknowledged"
    with pytest.raises(ValidationError) as unsaid:
        services.alert_resolve(actor=net.users["gp"], alert=alert, note=" ")
    assert unsaid.value.error_dict["note"][0].code == "required"
    services.alert_resolve(actor=net.users["gp"], alert=alert, note="Naar spoed, opgenomen")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.resolved_by) == (net.users["coordinator"], net.users["gp"])


MIN = datetime.timedelta(minutes=1)


def reachable(net, *personas):
    for persona, phone in zip(
        personas, ("0470 44 55 66", "0470 77 88 99", "0470 12 12 12"), strict=False
    ):
        user = net.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
        user.professional.phone = phone
        user.professional.save()


def rota(net, *, on_call="outsider", shift_phone="", ward=True):
    """Griet's practice, where ``on_call`` (Olivia: a midwife outside this network) is on
    call all day; the maternity ward where the mother gave birth, with its contact."""
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    Organisation.objects.create(
        name="UZ Gent – materniteit",
        kind=OrganisationKind.MATERNITY_WARD,
        language="fr",
        ward_phone="09 332 21 11" if ward else "",
        ward_email="materniteit@uzgent.example" if ward else "",
    )
    for persona in {"coordinator", on_call}:
        professional = net.users[persona].professional
        professional.organisation = practice
        professional.save()
    OnCallShift.objects.create(
        organisation=practice,
        professional=net.users[on_call].professional,
        start=NOW() - datetime.timedelta(hours=2),
        end=NOW() + datetime.timedelta(hours=10),
        phone=shift_phone,
    )


def told(alert, level):
    return set(
        OutboxMessage.objects.filter(key__startswith=f"alert:{alert.pk}:level{level}:").values_list(
            "recipient__username", "channel", "address"
        )
    )


def bodies(alert, level) -> str:
    return " ".join(
        f"{m.subject} {m.body} {m.html_body}"
        for m in OutboxMessage.objects.filter(key__startswith=f"alert:{alert.pk}:level{level}:")
    )


def test_the_ladder_on_call_then_the_ward_then_everyone_each_step_once(net, caplog):
    """The GP records 170/120; nobody takes it on. The frozen clock walks the ladder."""
    reachable(net, "gp", "outsider")
    rota(net, shift_phone="0499 12 34 56")
    home_visit(net, actor="gp", bp_systolic=170, bp_diastolic=120)
    alert = Alert.objects.get()
    start = alert.created_at
    after = {step.level: step.after for step in alerting.LADDER}
    assert [step.level for step in alerting.LADDER] == [1, 2, 3]
    assert all(step.why for step in alerting.LADDER)
    assert after[1] < after[2] < after[3]

    assert alerting.escalate(start + after[1] - MIN) == 0
    assert alerting.escalate(start + after[1]) == 1
    assert alerting.escalate(start + after[1]) == 0  # twice is once
    # 1. Olivia, on call, at the shift's number; she may not read the record: no finding,
    # no mother, only whom to call (the coordinator)
    assert told(alert, 1) == {
        ("olivia", "email", "olivia@example.org"),
        ("olivia", "sms", "0499 12 34 56"),
    }
    text = bodies(alert, 1)
    mother = net.a.mother
    assert "160/110" not in text and mother.family_name not in text
    assert "0470 11 22 33" in text  # Griet's number
    notice = Notification.objects.get(recipient=net.users["outsider"])
    assert notice.dossier_id is None  # not linked to a record she may not open
    shown = notices.render([notice], net.users["outsider"])[0].shown
    assert "0470 11 22 33" in shown and "160/110" not in shown

    assert alerting.escalate(start + after[2] - MIN) == 0
    assert alerting.escalate(start + after[2]) == 1
    assert alerting.escalate(start + after[2]) == 0
    # 2. the maternity ward's contact: no account, in the ward's language, no detail
    assert told(alert, 2) == {
        (None, "email", "materniteit@uzgent.example"),
        (None, "sms", "09 332 21 11"),
    }
    assert set(
        OutboxMessage.objects.filter(key__startswith=f"alert:{alert.pk}:level2:").values_list(
            "language", flat=True
        )
    ) == {"fr"}
    text = bodies(alert, 2)
    assert "160/110" not in text and mother.family_name not in text and "0499 12 34 56" in text

    assert alerting.escalate(start + after[3] - MIN) == 0
    caplog.clear()
    assert alerting.escalate(start + after[3]) == 1
    # 3. everyone who may read the section (with an address), the author too; and the log
    assert {who for who, _channel, _address in told(alert, 3)} == {"griet", "karim"}
    assert "160/110" in bodies(alert, 3)
    assert any(
        record.levelname == "ERROR" and str(alert.pk) in record.getMessage()
        for record in caplog.records
    )
    readers_told = Notification.objects.filter(
        dossier=net.a,
        params__title__alert_rule=("postnatal_bp_severe"),
        message__startswith="Urgent alert not taken on",
    )
    assert set(readers_told.values_list("recipient__username", flat=True)) >= {"griet", "karim"}
    assert not readers_told.filter(recipient=net.users["mother"]).exists()
    assert alerting.escalate(start + 5 * after[3]) == 0  # the last level
    alert.refresh_from_db()
    assert alert.escalation_level == 3
    assert told(alert, 4) == set()


def test_a_step_with_nobody_hands_over_to_the_next_at_once(net):
    """No rota, no ward contact: the first step reaches everyone, at once."""
    reachable(net, "gp")
    home_visit(net, actor="coordinator", bp_systolic=170, bp_diastolic=120)
    alert = Alert.objects.get()
    assert alerting.escalate(alert.created_at + alerting.ESCALATE_AFTER) == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 3
    assert told(alert, 1) == told(alert, 2) == set()
    assert {who for who, _channel, _address in told(alert, 3)} == {"griet", "karim"}
    assert alerting.escalate(alert.created_at + 3 * alerting.ESCALATE_AFTER) == 0


def test_the_coordinator_on_call_herself_is_skipped_for_the_ward(net):
    reachable(net, "gp")
    rota(net, on_call="coordinator")
    home_visit(net, actor="gp", lochia="heavy")
    alert = Alert.objects.get()
    assert alerting.escalate(alert.created_at + alerting.ESCALATE_AFTER) == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 2 and told(alert, 1) == set()
    assert {address for _who, _channel, address in told(alert, 2)} == {
        "materniteit@uzgent.example",
        "09 332 21 11",
    }


def test_an_on_call_member_who_reads_the_section_is_told_the_finding(net):
    """Anne (the paediatrician, a member who reads the postnatal section) is on call."""
    reachable(net, "paediatrician")
    rota(net, on_call="paediatrician", ward=False)
    home_visit(net, actor="gp", bp_systolic=170, bp_diastolic=120)
    alert = Alert.objects.get()
    alerting.escalate(alert.created_at + alerting.ESCALATE_AFTER)
    assert {who for who, _channel, _address in told(alert, 1)} == {"anne"}
    assert "160/110" in bodies(alert, 1)
    notice = Notification.objects.get(
        recipient=net.users["paediatrician"], message__startswith="Urgent alert not taken on"
    )
    assert notice.dossier == net.a and notice.section == Section.POSTNATAL


def test_the_on_call_professional_who_recorded_it_is_not_told_again(net):
    reachable(net, "gp")
    rota(net, on_call="gp", ward=False)  # Karim takes the practice's calls tonight
    home_visit(net, actor="gp", bp_systolic=170, bp_diastolic=120)
    alert = Alert.objects.get()
    alerting.escalate(alert.created_at + alerting.ESCALATE_AFTER)
    alert.refresh_from_db()
    assert told(alert, 1) == set() and alert.escalation_level == 3


def test_an_acknowledged_alert_is_not_escalated(net):
    home_visit(net, actor="gp", lochia="heavy")
    alert = Alert.objects.get()
    services.alert_acknowledge(actor=net.users["coordinator"], alert=alert)
    assert alerting.escalate(alert.created_at + 3 * alerting.ESCALATE_AFTER) == 0


# --- the pages ------------------------------------------------------------------------------


def test_the_mother_notes_a_fever_gets_advice_and_sees_who_took_it_on(client, net):
    page = sign_in_verified(client, net.users["mother"])
    url = reverse("dossier:entries", args=[net.a.public_id, "eigen-metingen"])
    response = page.post(
        url,
        {
            "kind": "temperature",
            "value": "39.5",
            "noted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "112" in text and "0470 11 22 33" in text
    alert = Alert.objects.get(rule="own_fever")
    alerts_page = reverse("dossier:alerts", args=[net.a.public_id])
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "not yet taken on by a care provider" in page.get(alerts_page).content.decode()
    services.alert_acknowledge(actor=net.users["coordinator"], alert=alert, note="Ik bel")
    assert net.users["coordinator"].get_full_name() in page.get(alerts_page).content.decode()


def test_the_mother_s_advice_names_who_is_on_call_now(client, net):
    """Olivia (of Griet's practice, outside the network) is on call: the mother is given
    her number too; with nobody on the rota, only her coordinator's."""
    page = sign_in_verified(client, net.users["mother"])
    url = reverse("dossier:entries", args=[net.a.public_id, "eigen-metingen"])

    def fever():
        return page.post(
            url,
            {
                "kind": "temperature",
                "value": "39.5",
                "noted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
            follow=True,
        ).content.decode()

    assert "0499 12 34 56" not in fever()
    rota(net, shift_phone="0499 12 34 56")
    text = fever()
    assert "0499 12 34 56" in text and "0470 11 22 33" in text
    assert net.users["outsider"].get_full_name() in text
    alerts_page = page.get(reverse("dossier:alerts", args=[net.a.public_id])).content.decode()
    assert "0499 12 34 56" in alerts_page


def test_the_coordinator_takes_it_on_from_the_page_and_a_member_without_the_section_cannot(
    client, net
):
    home_visit(net, actor="gp", lochia="heavy")
    alert = Alert.objects.get()
    url = reverse("dossier:alerts", args=[net.a.public_id])
    close_postnatal_to(net, "assistant")
    assistant = sign_in_verified(client, net.users["assistant"])
    assert str(alert.public_id) not in assistant.get(url).content.decode()
    assert (
        assistant.post(url, {"alert": str(alert.public_id), "action": "acknowledge"}).status_code
        == 404
    )
    client.logout()
    griet = sign_in_verified(client, net.users["coordinator"])
    watch = griet.get(reverse("careplan:watch")).content.decode()
    assert str(alert.public_id) in watch and watch.index("h-alerts") < watch.index(
        str(alert.public_id)
    )
    response = griet.post(url, {"alert": str(alert.public_id), "action": "resolve", "note": ""})
    assert response.status_code == 200  # the note is required: said on the field
    response = griet.post(
        url, {"alert": str(alert.public_id), "action": "acknowledge", "note": "Ik ga langs"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == net.users["coordinator"]


def test_a_lost_hand_over_is_caught_by_the_escalation_job_once(net):
    """The task after the commit never ran (no commit here, as when the broker was down):
    the escalation job tells the coordinator after ``TELL_FALLBACK``, and only once."""
    home_visit(net, actor="gp", lochia="heavy")
    alert = Alert.objects.get()
    assert alert.told_at is None
    alerting.escalate(alert.created_at)  # too early: the task may still come
    assert not OutboxMessage.objects.filter(key__startswith="alert:").exists()
    alerting.escalate(alert.created_at + alerting.TELL_FALLBACK)
    alerting.escalate(alert.created_at + 2 * alerting.TELL_FALLBACK)
    told = OutboxMessage.objects.filter(key__startswith=f"alert:{alert.pk}:level0")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(told.values_list("recipient__username", flat=True)) == {"griet"}
    alert.refresh_from_db()
    assert alert.told_at is not None and alert.escalation_level == 0
