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
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext

from dossier.models import Mother
from network import names
from network.models import Membership, Professional

logger = logging.getLogger(__name__)

# Choice classes a stored reference may name (nothing else is imported from the database).
CHOICE_MODULES = ("network.models", "dossier.alerts", "dossier.models", "careplan.content")


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
            reader, {n.dossier_id for n in notifications if n.dossier_id})

    def value(self, ref, notice) -> str:
        if not isinstance(ref, dict):
            return "" if ref is None else str(ref)
        dossier = notice.dossier if notice.dossier_id else None
        may_see = notice.dossier_id in self.named
        if "user" in ref:
            user = self.users.get(ref["user"])
            if user is None:
                return gettext("someone")
            return names.shown_name(user, reader=self.reader, dossier=dossier,
                                    may_see_identity=may_see)
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


def render(notifications, reader) -> list:
    """Give each notification its ``shown`` text for ``reader`` now, in the active
    language; the rows are returned as a list."""
    notifications = list(notifications)
    reading = _Reading(notifications, reader)
    for notice in notifications:
        notice.shown = reading.text(notice)
    return notifications
