"""Invitations and the calendar feed as calendar clients read them (RFC 5545, RFC 5546
iTIP): every calendar made here is read back by two independent parsers, ``icalendar`` and
``vobject``, which must agree on the instant (UTC, so summer and winter alike), the all-day
window, the method, organizer and attendees, UID, SEQUENCE, DTSTAMP and the text."""

import datetime
import re

import icalendar
import pytest
import vobject
from django.utils import timezone, translation

from careplan import content, feeds, services
from dossier.sections import Section
from network import ical, messaging
from network import services as network_services
from network.models import EndReason, Level, Organisation, OutboxMessage, Professional
from tests.personas import build_network

STAMP = datetime.datetime(2026, 5, 4, 12, 0, 7, tzinfo=datetime.UTC)
ORGANIZER = ("Griet Peeters", "griet@example.org")
ATTENDEE = ("Karim El Amrani", "karim@example.org")
HOSTILE = [
    "Zoë D'Hondt, née Müller",
    "Eerste lijn\nTweede lijn",
    "a;b,c\\d: e",
    "\"dubbel\" en 'enkel' – „Anführungszeichen“",
    "Łódź, Ærø, Ñandú; 北京, 🍼",
    ("Zoë D'Hondt, née Müller; huisbezoek\n" * 20)[:500],
]


# --- reading a calendar back, twice -----------------------------------------------------------


def _text(value) -> str:
    return str(value) if value is not None else ""


def unescape(raw: str) -> str:
    """RFC 5545 TEXT: icalendar (since 7.2) keeps an X- property verbatim (UNKNOWN)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def by_icalendar(text: str) -> dict:
    calendar = icalendar.Calendar.from_ical(text)
    events = []
    for item in calendar.walk("VEVENT"):
        attendees = item.get("attendee", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        organizer = item.get("organizer")
        events.append(
            {
                "uid": str(item["uid"]),
                "summary": str(item["summary"]),
                "description": _text(item.get("description")),
                "location": _text(item.get("location")),
                "status": _text(item.get("status")),
                "sequence": int(item["sequence"]),
                "dtstamp": item.decoded("dtstamp"),
                "dtstart": item.decoded("dtstart"),
                "dtend": item.decoded("dtend"),
                "organizer": None
                if organizer is None
                else (str(organizer), organizer.params.get("CN", "")),
                "attendees": [(str(a), dict(a.params)) for a in attendees],
            }
        )
    name = unescape(_text(calendar.get("x-wr-calname")))
    return {
        "method": _text(calendar.get("method")),
        "prodid": str(calendar["prodid"]),
        "version": str(calendar["version"]),
        "name": name,
        "events": events,
    }


def _one(component, name: str) -> str:
    found = component.contents.get(name)
    return found[0].value if found else ""


def by_vobject(text: str) -> dict:
    calendar = vobject.readOne(text)
    events = []
    for item in calendar.contents.get("vevent", []):
        organizer = item.contents.get("organizer")
        events.append(
            {
                "uid": item.uid.value,
                "summary": item.summary.value,
                "description": _one(item, "description"),
                "location": _one(item, "location"),
                "status": _one(item, "status"),
                "sequence": int(item.sequence.value),
                "dtstamp": item.dtstamp.value,
                "dtstart": item.dtstart.value,
                "dtend": item.dtend.value,
                "organizer": None
                if organizer is None
                else (organizer[0].value, organizer[0].params.get("CN", [""])[0]),
                "attendees": [
                    (a.value, {k: v[0] for k, v in a.params.items()})
                    for a in item.contents.get("attendee", [])
                ],
            }
        )
    return {
        "method": _one(calendar, "method"),
        "prodid": _one(calendar, "prodid"),
        "version": _one(calendar, "version"),
        "name": _one(calendar, "x-wr-calname"),
        "events": events,
    }


def read(text: str) -> dict:
    """The calendar as both parsers read it; they must agree (aware datetimes compare as
    instants, whatever their tzinfo class)."""
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "folded at 75"
    first, second = by_icalendar(text), by_vobject(text)
    assert first == second
    for item in first["events"] + second["events"]:
        assert item["dtstamp"].utcoffset() == datetime.timedelta(0)
        if isinstance(item["dtstart"], datetime.datetime):
            assert item["dtstart"].utcoffset() == datetime.timedelta(0)
            assert item["dtend"].utcoffset() == datetime.timedelta(0)
    return first


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def appointment(**changes) -> icalendar.Event:
    arguments = {
        "uid": "dossier-7-visit-1",
        "summary": "Huisbezoek",
        "due_from": "2026-07-01",
        "due_until": "2026-07-01",
        "time": "10:30",
        "stamp": STAMP,
    }
    return ical.event(**{**arguments, **changes})


def invitation(**changes) -> icalendar.Event:
    return appointment(**{"organizer": ORGANIZER, "attendees": [ATTENDEE], **changes})


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "time", "instant"),
    [
        ("2026-07-01", "10:30", utc(2026, 7, 1, 8, 30)),  # summer time, UTC+2
        ("2027-01-15", "10:30", utc(2027, 1, 15, 9, 30)),  # winter time, UTC+1
        ("2026-03-29", "01:59", utc(2026, 3, 29, 0, 59)),  # the last minute of winter time
        ("2026-03-29", "03:00", utc(2026, 3, 29, 1, 0)),  # the first of summer time
        ("2026-03-29", "10:30", utc(2026, 3, 29, 8, 30)),  # the day of the change to summer
        ("2026-03-28", "10:30", utc(2026, 3, 28, 9, 30)),  # the day before
        ("2026-10-25", "10:30", utc(2026, 10, 25, 9, 30)),  # the day of the change to winter
        ("2026-10-24", "10:30", utc(2026, 10, 24, 8, 30)),  # the day before
        ("2026-10-25", "03:00", utc(2026, 10, 25, 2, 0)),  # after the repeated hour
        ("2026-10-25", "02:30", utc(2026, 10, 25, 0, 30)),  # repeated: the first (summer) one
        ("2026-03-29", "02:30", utc(2026, 3, 29, 1, 30)),  # skipped: as 03:30 summer time
        ("2026-12-31", "23:30", utc(2026, 12, 31, 22, 30)),  # the UTC day is the same
        ("2027-01-01", "00:30", utc(2026, 12, 31, 23, 30)),  # the UTC day is the day before
    ],
)
def test_it_writes_a_timed_appointment_as_the_same_utc_instant_for_every_parser(day, time, instant):
    text = ical.calendar([appointment(due_from=day, due_until=day, time=time)])
    (event,) = read(text)["events"]
    assert (event["dtstart"], event["dtend"]) == (instant, instant + datetime.timedelta(hours=1))
    assert f"DTSTART:{instant:%Y%m%dT%H%M%S}Z" in text.splitlines()
    assert "VTIMEZONE" not in text and "TZID" not in text


def test_it_writes_an_untimed_appointment_as_all_day_with_an_exclusive_end():
    text = ical.calendar([appointment(due_from="2026-03-27", due_until="2026-03-30", time="")])
    (event,) = read(text)["events"]
    assert event["dtstart"] == datetime.date(2026, 3, 27)
    assert not isinstance(event["dtstart"], datetime.datetime)
    assert event["dtend"] == datetime.date(2026, 3, 31)  # the day after the last one
    assert "DTSTART;VALUE=DATE:20260327" in text.splitlines()
    one_day = read(
        ical.calendar([appointment(due_from="2026-10-25", due_until="2026-10-25", time="")])
    )["events"][0]
    assert (one_day["dtstart"], one_day["dtend"]) == (
        datetime.date(2026, 10, 25),
        datetime.date(2026, 10, 26),
    )


def test_it_refuses_a_window_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        appointment(due_from="2026-07-03", due_until="2026-07-01", time="")


# --- identity, revisions, stamp ----------------------------------------------------------------


def test_it_keeps_the_uid_stable_and_writes_sequence_stamp_and_status():
    first = read(ical.calendar([appointment(sequence=3)]))["events"][0]
    again = read(
        ical.calendar([appointment(sequence=4, summary="Anders", time="14:00", stamp=None)])
    )["events"][0]
    assert first["uid"] == again["uid"] == "dossier-7-visit-1@moederschapsdossier"
    assert (first["sequence"], again["sequence"]) == (3, 4)
    assert first["dtstamp"] == STAMP
    assert abs(again["dtstamp"] - timezone.now()) < datetime.timedelta(minutes=1)
    assert first["status"] == "CONFIRMED"
    assert (
        read(ical.calendar([appointment(status="TENTATIVE")]))["events"][0]["status"] == "TENTATIVE"
    )


def test_it_writes_dtstamp_in_utc_whatever_zone_it_is_given():
    brussels = STAMP.astimezone(ical.BRUSSELS)
    text = ical.calendar([appointment(stamp=brussels)])
    assert "DTSTAMP:20260504T120007Z" in text.splitlines()
    with pytest.raises(ValueError):
        appointment(stamp=datetime.datetime(2026, 5, 4, 12, 0))  # naive: which zone?


@pytest.mark.parametrize("wrong", [{"status": "DONE"}, {"sequence": -1}, {"sequence": "1"}])
def test_it_refuses_a_status_or_sequence_calendars_do_not_know(wrong):
    with pytest.raises(ValueError):
        appointment(**wrong)


def test_it_writes_the_product_version_and_only_the_method_given():
    plain = read(ical.calendar([appointment()]))
    assert (plain["prodid"], plain["version"], plain["method"]) == (
        "-//Moederschapsdossier//NL",
        "2.0",
        "",
    )
    assert "METHOD" not in ical.calendar([appointment()])
    assert read(ical.calendar([appointment()], method="PUBLISH"))["method"] == "PUBLISH"
    named = read(ical.calendar([], method="PUBLISH", name="Afspraken – Zoë"))
    assert (named["name"], named["events"]) == ("Afspraken – Zoë", [])
    with pytest.raises(ValueError):
        ical.calendar([appointment()], method="ADD")


# --- invitations (iTIP) ------------------------------------------------------------------------


def test_an_invitation_names_its_organizer_and_attendees():
    text = ical.calendar(
        [
            invitation(
                attendees=[ATTENDEE, ("Anne", "mailto:anne@example.org")],
                location="Kerkstraat 1, 9000 Gent",
            )
        ],
        method="REQUEST",
    )
    calendar = read(text)
    assert calendar["method"] == "REQUEST"
    (event,) = calendar["events"]
    assert event["organizer"] == ("mailto:griet@example.org", "Griet Peeters")
    assert event["location"] == "Kerkstraat 1, 9000 Gent"
    assert event["description"] == ""  # written only when there is one
    params = {
        "CN": "Karim El Amrani",
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "FALSE",
    }
    assert event["attendees"] == [
        ("mailto:karim@example.org", params),
        ("mailto:anne@example.org", {**params, "CN": "Anne"}),
    ]


def test_a_cancellation_is_method_cancel_with_status_cancelled():
    calendar = read(ical.calendar([invitation(status="CANCELLED", sequence=2)], method="CANCEL"))
    assert calendar["method"] == "CANCEL"
    (event,) = calendar["events"]
    assert (event["status"], event["sequence"]) == ("CANCELLED", 2)
    assert event["uid"] == "dossier-7-visit-1@moederschapsdossier"
    assert event["organizer"][0] == "mailto:griet@example.org" and event["attendees"]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("missing", [{"organizer": None}, {"attendees": ()}])
def test_a_request_or_cancel_without_organizer_or_attendee_is_refused(method, missing):
    with pytest.raises(ValueError):
        ical.calendar([invitation(status="CANCELLED", **missing)], method=method)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_a_request_or_cancel_without_an_event_is_refused(method):
    with pytest.raises(ValueError):
        ical.calendar([], method=method)


@pytest.mark.parametrize("status", ["CONFIRMED", "TENTATIVE"])
def test_a_cancel_of_an_event_not_marked_cancelled_is_refused(status):
    with pytest.raises(ValueError, match="CANCELLED"):
        ical.calendar([invitation(status=status)], method="CANCEL")
    with pytest.raises(ValueError, match="CANCELLED"):  # every event, not only the first
        ical.calendar(
            [invitation(status="CANCELLED"), invitation(uid="2", status=status)], method="CANCEL"
        )


def test_a_publish_needs_neither_organizer_nor_attendee():
    (event,) = read(ical.calendar([appointment()], method="PUBLISH"))["events"]
    assert event["organizer"] is None and event["attendees"] == []


def test_an_organizer_or_attendee_without_an_address_is_refused():
    with pytest.raises(ValueError):
        invitation(organizer=("Griet", ""))
    with pytest.raises(ValueError):
        invitation(attendees=[("Karim", "karim @example.org")])


# --- hostile text ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_exactly_through_both_parsers(text):
    calendar = ical.calendar(
        [invitation(summary=text, description=text, location=text)], method="REQUEST", name=text
    )
    read_back = read(calendar)
    (event,) = read_back["events"]
    assert (event["summary"], event["description"], event["location"]) == (text, text, text)
    assert read_back["name"] == text.replace("\n", " ")  # a calendar's name is one line


def test_a_500_character_summary_is_folded_at_75_octets_and_read_back_whole():
    summary = ("Zoë D'Hondt, née Müller; 🍼 " * 30)[:500]
    text = ical.calendar([appointment(summary=summary)])
    assert max(len(line.encode()) for line in text.split("\r\n")) == 75
    assert read(text)["events"][0]["summary"] == summary


@pytest.mark.parametrize(
    "name",
    [
        "Zoë D'Hondt, née Müller",
        "Peeters; Griet, vroedvrouw",
        "Dr. Ægidius Ñúñez: kinderarts",
    ],
)
def test_a_display_name_with_commas_semicolons_and_accents_round_trips(name):
    text = ical.calendar(
        [invitation(organizer=(name, "zoe@example.org"), attendees=[(name, "karim@example.org")])],
        method="REQUEST",
    )
    (event,) = read(text)["events"]
    assert event["organizer"] == ("mailto:zoe@example.org", name)
    assert event["attendees"][0][1]["CN"] == name


def test_a_display_name_is_one_line_and_a_double_quote_is_escaped_the_rfc_6868_way():
    name = 'Zoë "Zus" D\'Hondt,\nnée Müller'
    text = ical.calendar([invitation(organizer=(name, "zoe@example.org"))], method="REQUEST")
    one_line = 'Zoë "Zus" D\'Hondt, née Müller'
    assert by_icalendar(text)["events"][0]["organizer"][1] == one_line
    # A parameter value cannot hold a double quote (RFC 5545 §3.1); RFC 6868 writes ^'.
    # vobject 0.9.9 does not decode RFC 6868, so it shows the escape as written.
    assert by_vobject(text)["events"][0]["organizer"][1] == one_line.replace('"', "^'")
    assert "\n" not in "".join(text.split("\r\n"))


# --- language of a professional ----------------------------------------------------------------


def test_a_professional_s_language_is_their_own_else_their_organisation_s_else_dutch():
    assert messaging.professional_language(Professional(language="fr")) == "fr"
    in_wallonia = Organisation(language="fr")
    assert messaging.professional_language(Professional(organisation=in_wallonia)) == "fr"
    assert (
        messaging.professional_language(Professional(language="en", organisation=in_wallonia))
        == "en"
    )
    assert messaging.professional_language(Professional()) == "nl"


# --- the feed ----------------------------------------------------------------------------------


@pytest.fixture
def net(db):
    network = build_network()
    for persona in ("coordinator", "gp"):  # so that they are sent invitations
        user = network.users[persona]
        user.email = f"{user.username}@example.org"
        user.save()
    return network


def pid(net, persona):
    return str(net.users[persona].professional.public_id)


def save(net, appointments, *, base, course=""):
    plan = content.empty_plan()
    plan["appointments"] = list(appointments)
    plan["expected_course"] = course
    return services.plan_save(
        actor=net.users["mother"], dossier=net.a, content=plan, base_number=base
    )


def visit(member, day, *, time="10:30", kind="first_home_visit", status="planned"):
    return content.new_appointment(
        kind, day, day + datetime.timedelta(1), member=member, time=time, status=status
    )


def feed_of(net, persona) -> dict:
    feed = feeds.feed_renew(net.users[persona].professional)
    return read(feeds.feed_calendar(feed))


@pytest.mark.django_db
def test_the_feed_is_a_publish_with_the_invitations_uids_and_the_plan_version(net):
    summer = visit(pid(net, "coordinator"), datetime.date(2026, 7, 1))
    winter = visit(pid(net, "coordinator"), datetime.date(2027, 1, 15), kind="home_visit")
    whole_days = visit(
        pid(net, "coordinator"), datetime.date(2026, 10, 24), time="", kind="paediatric"
    )
    first = save(net, [summer, winter, whole_days], base=0)
    calendar = feed_of(net, "coordinator")
    assert calendar["method"] == "PUBLISH"
    with translation.override("nl"):
        assert calendar["name"] == translation.gettext("Appointments – Moederschapsdossier")
    events = {e["uid"]: e for e in calendar["events"]}
    uids = {
        a["id"]: f"{net.a.public_id}-{a['id']}@moederschapsdossier"
        for a in (summer, winter, whole_days)
    }
    assert set(events) == set(uids.values())
    assert {e["sequence"] for e in events.values()} == {1}
    assert {e["dtstamp"] for e in events.values()} == {first.created_at.replace(microsecond=0)}
    assert events[uids[summer["id"]]]["dtstart"] == utc(2026, 7, 1, 8, 30)
    assert events[uids[winter["id"]]]["dtstart"] == utc(2027, 1, 15, 9, 30)
    assert (events[uids[whole_days["id"]]]["dtstart"], events[uids[whole_days["id"]]]["dtend"]) == (
        datetime.date(2026, 10, 24),
        datetime.date(2026, 10, 26),
    )
    assert all(e["status"] == "CONFIRMED" for e in events.values())
    assert events[uids[summer["id"]]]["summary"] == (
        f"Eerste huisbezoek door de vroedvrouw – {net.a.mother.full_name}"
    )
    invited = {
        uid
        for message in OutboxMessage.objects.exclude(calendar="")
        for uid in (e["uid"] for e in by_icalendar(message.calendar)["events"])
    }
    assert invited == set(uids.values())  # the invitations' UIDs are the feed's

    assert feed_of(net, "coordinator") == calendar  # the same version, the same events

    second = save(net, [summer, winter, whole_days], base=1, course="Rustig verloop")
    after = feed_of(net, "coordinator")["events"]
    assert {e["uid"] for e in after} == set(uids.values())  # the same events, updated
    assert {e["sequence"] for e in after} == {second.number} == {2}
    assert {e["dtstamp"] for e in after} == {second.created_at.replace(microsecond=0)}


@pytest.mark.django_db
def test_the_feed_is_in_the_professional_s_language(net):
    save(net, [visit(pid(net, "gp"), datetime.date(2026, 7, 1))], base=0)
    gp = net.users["gp"].professional
    gp.language = "fr"
    gp.save()
    (event,) = feed_of(net, "gp")["events"]
    assert event["summary"] == (
        f"Première visite à domicile de la sage-femme – {net.a.mother.full_name}"
    )
    assert event["dtstart"] == utc(2026, 7, 1, 8, 30)
    gp.language = ""
    gp.organisation = Organisation.objects.create(name="Maison médicale", language="fr")
    gp.save()
    assert feed_of(net, "gp")["events"][0]["summary"].startswith("Première visite")
    gp.organisation.language = "nl"
    gp.organisation.save()
    assert feed_of(net, "gp")["events"][0]["summary"].startswith("Eerste huisbezoek")
    gp.language = "fr"
    gp.save()
    network_services.consent_set(
        actor=net.users["mother"],
        dossier=net.a,
        section=Section.IDENTITY,
        level=Level.NONE,
        membership=net.a.memberships.get(professional=gp),
    )
    assert feed_of(net, "gp")["events"][0]["summary"] == (
        "Première visite à domicile de la sage-femme – une mère que vous suivez"
    )


@pytest.mark.django_db
def test_the_feed_keeps_the_access_rules(net):
    mine = visit(pid(net, "gp"), datetime.date(2026, 7, 1))
    proposed = visit(pid(net, "gp"), datetime.date(2026, 7, 2), status="proposed")
    cancelled = visit(pid(net, "gp"), datetime.date(2026, 7, 3), status="cancelled")
    someone_else = visit(pid(net, "coordinator"), datetime.date(2026, 7, 4))
    save(net, [mine, proposed, cancelled, someone_else], base=0)
    (event,) = feed_of(net, "gp")["events"]  # only what names them, planned
    assert event["uid"] == f"{net.a.public_id}-{mine['id']}@moederschapsdossier"
    assert feed_of(net, "outsider")["events"] == []
    network_services.membership_end(
        actor=net.users["coordinator"],
        membership=net.a.memberships.get(professional__user=net.users["gp"], ended_at__isnull=True),
        reason=EndReason.values[0],
    )
    assert feed_of(net, "gp")["events"] == []  # no longer in the network: nothing shown
