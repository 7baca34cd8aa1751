"""Appointments as iCalendar (RFC 5545), with the ``icalendar`` library: the invitation
attached to an e-mail and each professional's feed. An appointment with a time is an
event at that time in Europe/Brussels (one hour); without one it is an all-day event over
its window (e.g. day 7–10)."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
PRODUCT = "-//Moederschapsdossier//NL"


def event(*, uid: str, summary: str, due_from: str, due_until: str, time: str = "",
          description: str = "", status: str = "CONFIRMED") -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"{uid}@moederschapsdossier")
    item.add("summary", summary)
    item.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    start = datetime.date.fromisoformat(due_from)
    if time:
        begins = datetime.datetime.combine(start, datetime.time.fromisoformat(time),
                                           tzinfo=BRUSSELS)
        item.add("dtstart", begins)
        item.add("dtend", begins + datetime.timedelta(hours=1))
    else:
        item.add("dtstart", start)
        item.add("dtend", datetime.date.fromisoformat(due_until) + datetime.timedelta(days=1))
    if description:
        item.add("description", description)
    item.add("status", status)
    return item


def calendar(events, *, method: str = "") -> str:
    """A calendar of these events; ``method`` "REQUEST" (an invitation) or "CANCEL"."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    for item in events:
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical().decode()
