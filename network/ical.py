"""Appointments as iCalendar (RFC 5545), written with the ``icalendar`` library: the
invitation attached to an e-mail (an iTIP ``REQUEST`` or ``CANCEL``, RFC 5546) and each
professional's feed (``PUBLISH``).

- An appointment with a time is a one-hour event at that wall time in Europe/Brussels,
  written **in UTC** (``DTSTART:20260701T083000Z``): every client then reads the same
  instant in summer and in winter, and no VTIMEZONE is needed. A wall time that does not
  exist (the hour skipped on the last Sunday of March) or exists twice (the hour repeated
  on the last Sunday of October) is read with the offset in force before the change
  (``fold=0``): 02:30 is 01:30Z on the March day (03:30 summer time), 00:30Z in October.
- Without a time it is an all-day event (``VALUE=DATE``) over its window, ``due_from`` to
  ``due_until`` inclusive (``DTEND`` is the day after, exclusive).
- The UID is stable for the same appointment and SEQUENCE says which revision this is, so
  a client updates or cancels the event it already has instead of adding another.
- ORGANIZER and ATTENDEE carry a display name (``CN``: one line, quoted and escaped by the
  library; a double quote is written the RFC 6868 way, ``^'``, which not every reader
  decodes) and a ``mailto:`` address. A ``REQUEST`` or ``CANCEL`` without them is refused
  (``ValueError``), and so is a ``CANCEL`` of an event that is not ``STATUS:CANCELLED``;
  a ``PUBLISH`` (the feed) may leave them out.
- Text (SUMMARY, LOCATION, DESCRIPTION, the calendar's name X-WR-CALNAME) is escaped as
  RFC 5545 TEXT and lines are folded at 75 octets, by the library.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable

import icalendar

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
PRODUCT = "-//Moederschapsdossier//NL"
UID_DOMAIN = "moederschapsdossier"
METHODS = ("", "PUBLISH", "REQUEST", "CANCEL")
STATUSES = ("TENTATIVE", "CONFIRMED", "CANCELLED")
DURATION = datetime.timedelta(hours=1)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """An aware moment in UTC, to the second (iCalendar has no fractions)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def _address(name: str, email: str) -> icalendar.vCalAddress:
    """``mailto:`` the address, with the display name as CN. A display name is one line:
    line breaks and other control characters become a space."""
    email = email.strip().removeprefix("mailto:").removeprefix("MAILTO:")
    if not email or any(c.isspace() for c in email):
        raise ValueError(f"not an e-mail address: {email!r}")
    address = icalendar.vCalAddress(f"mailto:{email}")
    name = " ".join(_CONTROL.sub(" ", name).split())
    if name:
        address.params["CN"] = name
    return address


def event(
    *,
    uid: str,
    summary: str,
    due_from: str,
    due_until: str,
    time: str = "",
    description: str = "",
    location: str = "",
    status: str = "CONFIRMED",
    sequence: int = 0,
    stamp: datetime.datetime | None = None,
    organizer: tuple[str, str] | None = None,
    attendees: Iterable[tuple[str, str]] = (),
) -> icalendar.Event:
    """One appointment as a VEVENT. ``due_from``/``due_until``: ISO dates; ``time``:
    "HH:MM" in Europe/Brussels, or "" for an all-day event over the window; ``organizer``
    and each of ``attendees``: (display name, e-mail)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError(f"sequence must be a whole number from 0, not {sequence!r}")
    if stamp is not None and stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    item = icalendar.Event()
    item.add("uid", f"{uid}@{UID_DOMAIN}")
    item.add("dtstamp", _utc(stamp or datetime.datetime.now(tz=datetime.UTC)))
    item.add("sequence", sequence)
    start = datetime.date.fromisoformat(due_from)
    if time:
        wall = datetime.datetime.combine(start, datetime.time.fromisoformat(time))
        begins = _utc(wall.replace(tzinfo=BRUSSELS))
        item.add("dtstart", begins)
        item.add("dtend", begins + DURATION)
    else:
        until = datetime.date.fromisoformat(due_until or due_from)
        if until < start:
            raise ValueError(f"the window ends ({until}) before it starts ({start})")
        item.add("dtstart", start)
        item.add("dtend", until + datetime.timedelta(days=1))
    item.add("summary", summary)
    if location:
        item.add("location", location)
    if description:
        item.add("description", description)
    item.add("status", status)
    if organizer is not None:
        item.add("organizer", _address(*organizer))
    for name, email in attendees:
        attendee = _address(name, email)
        attendee.params.update(
            {
                "CUTYPE": "INDIVIDUAL",
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "NEEDS-ACTION",
                "RSVP": "FALSE",
            }
        )
        item.add("attendee", attendee)
    return item


def _attendees(item: icalendar.Event) -> list:
    found = item.get("attendee", [])
    return found if isinstance(found, list) else [found]


def calendar(events, *, method: str = "", name: str = "") -> str:
    """A calendar of these events as text. ``method``: "" (a plain calendar), "PUBLISH"
    (the feed), "REQUEST" (an invitation) or "CANCEL" (its cancellation); ``name``: the
    calendar's name in the client (X-WR-CALNAME, one line)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    events = list(events)
    if method in ("REQUEST", "CANCEL"):
        if not events:
            raise ValueError(f"a {method} needs an event")
        for item in events:
            if "organizer" not in item:
                raise ValueError(f"a {method} needs an ORGANIZER ({item['uid']})")
            if not _attendees(item):
                raise ValueError(f"a {method} needs an ATTENDEE ({item['uid']})")
            if method == "CANCEL" and str(item.get("status", "")).upper() != "CANCELLED":
                raise ValueError(f"a CANCEL needs STATUS:CANCELLED ({item['uid']})")
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    name = _CONTROL.sub(" ", name).strip()
    if name:  # TEXT (RFC 5545 §3.8.8.2): escaped, which a plain str would not be
        cal.add("x-wr-calname", icalendar.vText(name))
    for item in events:
        cal.add_component(item)
    return cal.to_ical().decode()
