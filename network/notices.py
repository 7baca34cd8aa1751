"""In-app notices stored as references and rendered when read (issue 13; DESIGN.md §3).

A ``Notification`` keeps its msgid and its parameters as JSON references — ids, codes and
msgids, never a rendered name — and is rendered when the inbox is shown: in the reader's
language of the moment and under the reader's rights of the moment. A person goes through
``network.names`` (the mother is "the mother" to a reader without her identity), a choice
is its label, a clinical alert its rule's title.

A parameter as stored (``reference``):

* ``{"user": id}``: a person (a professional, or the mother's own login);
* ``{"mother": id}``: the mother (her ``Mother`` record);
* ``{"choice": "module.Class", "value": v, "lower": bool}``: a choice's label;
* ``{"msgid": text}``: a translatable text (a ``gettext_lazy`` string);
* ``{"alert_rule": code}``: the title of a clinical alert rule (``dossier.alerts``);
* ``{"moment": iso}``: a date and time, shown dd-mm-jjjj hh:mm in local time;
* a plain number or string: as it is (a version number; nothing that names a person).

``render(notifications, reader)`` renders a page of notices in a fixed number of queries
(the people named and the reader's identity rights, each in one query)."""

from __future__ import annotations

import datetime
import enum
import importlib
import logging

from django.contrib.auth.models import User
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext

from dossier.models import Mother
from network import names
from network.models import Membership, Professional

logger = logging.getLogger(__name__)

# Choice classes a stored reference may name (nothing else is imported from the database).
CHOICE_MODULES = (
    "network.models",
    "dossier.alerts",
    "dossier.models",
    "dossier.models.consult",  # a consult's urgency
    "careplan.content",
)


def reference(value):
    """A parameter as it is stored: an id, a code or a msgid (see the module)."""
    if isinstance(value, enum.Enum) and hasattr(value, "label"):
        cls = type(value)
        return {"choice": f"{cls.__module__}.{cls.__qualname__}", "value": value.value}
    if isinstance(value, dict | int | float | bool) or value is None:
        return value
    if isinstance(value, Membership):
        value = value.professional
    if isinstance(value, Professional):
        return {"user": value.user_id}
    if isinstance(value, User):
        return {"user": value.pk}
    if isinstance(value, Mother):
        return {"mother": value.pk}
    if isinstance(value, datetime.datetime):
        return {"moment": value.isoformat()}
    if isinstance(value, Promise):
        msgid = _lazy_msgid(value)
        return {"msgid": msgid} if msgid is not None else str(value)
    if isinstance(value, Model):
        raise TypeError(f"a notice names a {type(value).__name__} by reference only")
    return str(value)


def choice(member, *, lower: bool = False) -> dict:
    """A choice's label, rendered in the reader's language (``lower``: in lower case)."""
    return {**reference(member), "lower": lower}


def alert_rule(code: str) -> dict:
    """The title of a clinical alert rule, rendered in the reader's language."""
    return {"alert_rule": code}


def _lazy_msgid(value: Promise) -> str | None:
    """The msgid of a ``gettext_lazy`` string, to translate it when read."""
    try:
        _unpickle, (func, args, kwargs, *_types) = value.__reduce__()
    except (TypeError, ValueError):
        return None
    if func is gettext and len(args) == 1 and not kwargs and isinstance(args[0], str):
        return args[0]
    return None


def msgid_of(message) -> str:
    """The msgid a notice is stored with (a ``gettext_lazy`` message gives its msgid)."""
    if isinstance(message, Promise):
        msgid = _lazy_msgid(message)
        if msgid is None:
            raise TypeError("a notice's message is a msgid (gettext_noop), not a text")
        return msgid
    return str(message)


def references(params: dict) -> dict:
    return {name: reference(value) for name, value in params.items()}


# --- reading ----------------------------------------------------------------------------


def _choice_label(ref: dict) -> str:
    module, _dot, name = ref.get("choice", "").rpartition(".")
    if module not in CHOICE_MODULES:
        return str(ref.get("value", ""))
    try:
        label = getattr(importlib.import_module(module), name)(ref["value"]).label
    except (AttributeError, ValueError, KeyError):
        return str(ref.get("value", ""))
    return str(label).lower() if ref.get("lower") else str(label)


def _alert_title(code: str) -> str:
    from dossier.alerts import BY_CODE

    rule = BY_CODE.get(code)
    return str(rule.title) if rule is not None else ""


class _Reading:
    """What a page of notices needs beyond its rows, fetched once for the page."""

    def __init__(self, notifications, reader):
        user_ids, mother_ids = set(), set()
        for notice in notifications:
            for ref in (notice.params or {}).values():
                if isinstance(ref, dict):
                    if "user" in ref:
                        user_ids.add(ref["user"])
                    if "mother" in ref:
                        mother_ids.add(ref["mother"])
        self.reader = reader
        self.users = User.objects.in_bulk(user_ids) if user_ids else {}
        self.mothers = Mother.objects.in_bulk(mother_ids) if mother_ids else {}
        self.named = names.identity_readable(
            reader, {n.dossier_id for n in notifications if n.dossier_id}
        )

    def value(self, ref, notice) -> str:
        if not isinstance(ref, dict):
            return "" if ref is None else str(ref)
        dossier = notice.dossier if notice.dossier_id else None
        may_see = notice.dossier_id in self.named
        if "user" in ref:
            user = self.users.get(ref["user"])
            if user is None:
                return gettext("someone")
            return names.shown_name(
                user, reader=self.reader, dossier=dossier, may_see_identity=may_see
            )
        if "mother" in ref:
            mother = self.mothers.get(ref["mother"])
            if mother is None or not may_see:
                return names.the_mother()
            return mother.full_name
        if "choice" in ref:
            return _choice_label(ref)
        if "msgid" in ref:
            return gettext(ref["msgid"])
        if "alert_rule" in ref:
            return _alert_title(ref["alert_rule"])
        if "moment" in ref:
            moment = parse_datetime(ref["moment"])
            return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M") if moment else ""
        return ""

    def text(self, notice) -> str:
        if not notice.message:  # a row from before notices were stored as references
            if notice.dossier_id is None or notice.dossier_id in self.named:
                return notice.text
            return gettext("A change in a record you follow (an earlier message).")
        values = {name: self.value(ref, notice) for name, ref in (notice.params or {}).items()}
        try:
            return gettext(notice.message) % values
        except (KeyError, ValueError, TypeError):
            logger.warning("notice %s: its parameters do not fit its message", notice.pk)
            return gettext("A change in a record you follow.")


# --- where a notice leads (issue 14): the thing itself, not the record's overview --------

JOINED = "%(member)s joined the care network of %(mother)s as %(role)s."
ALERTS = "dossier:alerts"
PLAN = "careplan:plan"
CONSULTS = "dossier:consults"
# By msgid; a notice not listed leads to the record (or, about the care plan, to the plan).
LINKS = {
    "Alert (%(severity)s): %(title)s. Open the record's alerts to take it on.": ALERTS,
    "Urgent alert not taken on since %(moment)s: %(title)s. Take it on in the record's "
    "alerts.": ALERTS,
    "A care plan you follow has a new version (%(number)s).": PLAN,
    "A remark was written on a care plan you follow (version %(number)s).": PLAN,
    "Discharged from the maternity ward on %(moment)s: see the care plan for the home "
    "visits.": PLAN,
    "%(member)s asked to join the care network of this record. The care coordinator or the "
    "mother approves or refuses it on the network page.": "network:join_requests",
    "Worrying situation signalled in the record of %(mother)s: %(urgency)s. Open the record "
    "to read it.": "network:concerns",
    "The care coordinator responded to the worrying situation you signalled on "
    "%(date)s.": "network:concerns",
    # a consult with the maternity ward (dossier.consult_services)
    "%(asker)s asks the maternity ward a question (%(urgency)s) in the record of %(mother)s. "
    "Open it to answer.": CONSULTS,
    "The maternity ward answered your consult request of %(moment)s.": CONSULTS,
    "The maternity ward added a note to its answer to your consult request of "
    "%(moment)s.": CONSULTS,
    "%(asker)s withdrew the consult request of %(moment)s: no answer is needed.": CONSULTS,
}
SECTION_LINKS = {"careplan": PLAN}


def link(notice) -> str:
    """The page a notice is about (no query: the dossier is on the row)."""
    if not notice.dossier_id:
        return ""
    name = LINKS.get(notice.message) or SECTION_LINKS.get(notice.section) or "dossier:detail"
    return reverse(name, args=[notice.dossier.public_id])


def render(notifications, reader) -> list:
    """Give each notification its ``shown`` text for ``reader`` now, in the active
    language, its ``whose`` (the mother as far as the reader may see her; "" without a
    record) and its ``link``; the rows are returned as a list."""
    notifications = list(notifications)
    reading = _Reading(notifications, reader)
    for notice in notifications:
        notice.shown = reading.text(notice)
        notice.whose = ""
        if notice.dossier_id:
            notice.whose = (
                notice.dossier.mother.full_name
                if notice.dossier_id in reading.named
                else names.the_mother()
            )
        notice.link = link(notice)
    return notifications


class Group:
    """Several people who joined one record's care network on one day: one line."""

    is_group = True

    def __init__(self, first):
        self.notices = [first]

    @property
    def shown(self) -> str:
        count = len(self.notices)
        return ngettext(
            "%(count)s person joined the care network.",
            "%(count)s people joined the care network.",
            count,
        ) % {"count": count}

    def __getattr__(self, name):  # whose, link, dossier, created_at: from the newest
        if name == "notices":
            raise AttributeError(name)
        return getattr(self.notices[0], name)

    @property
    def read_at(self):
        return None if any(n.read_at is None for n in self.notices) else self.notices[0].read_at


def grouped(notifications) -> list:
    """Rendered notices, newest first, with the membership arrivals of one record on one
    (local) day folded into one ``Group`` line; everything else as it is."""
    items, groups = [], {}
    for notice in notifications:
        if notice.message != JOINED or not notice.dossier_id:
            items.append(notice)
            continue
        key = (notice.dossier_id, timezone.localtime(notice.created_at).date())
        if key in groups:
            groups[key].notices.append(notice)
            continue
        groups[key] = Group(notice)
        items.append(groups[key])
    return [
        item.notices[0] if isinstance(item, Group) and len(item.notices) == 1 else item
        for item in items
    ]
