"""The kinds of clinical entry, one row each: where their page lives, which form writes
them, what a list shows of each entry and which service saves them. The pages
(``views.entry_list``) and the API (``api.entry_views``) are made from this table, so a
kind added here gets its page, its API route, its history and its comments at once."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier import entry_forms as forms
from dossier import feeds, services
from dossier.models import (
    Admission,
    BabyLog,
    DischargeChecklist,
    HomeHelpDay,
    HomeHelpNeed,
    HomeVisit,
    PhoneContact,
    PrenatalConsultation,
    PrenatalLab,
    PsychosocialAnamnesis,
    SelfMonitoring,
    ShortStayAssessment,
)
from dossier.sections import Section


def _default_write(actor, entry, *, reason):
    return services.entry_record(actor=actor, entry=entry, reason=reason)


def _write_home_visit(actor, visit, *, reason, babies=()):
    if visit.pk is None and visit.client_key is not None:  # sent again (issue 14): once
        sent = HomeVisit.objects.filter(dossier=visit.dossier, client_key=visit.client_key).first()
        if sent is not None:
            return sent
    return services.home_visit_record(actor=actor, visit=visit, babies=list(babies), reason=reason)


def _write_discharge(actor, checklist, *, reason, discharged_at=None, confirm=False):
    return services.discharge_checklist_save(
        actor=actor,
        checklist=checklist,
        discharged_at=discharged_at,
        confirm=confirm,
        reason=reason,
    )


def _write_own(actor, entry, *, reason):
    return services.own_entry_record(actor=actor, entry=entry, reason=reason)


@dataclass(frozen=True)
class EntryKind:
    slug: str  # in the page's URL (Dutch)
    api_name: str  # in the API's URL (English, like the rest of the API)
    model: type[models.Model]
    form: type[forms.EntryForm]
    title: str
    facts: tuple  # field names, or (attribute, label) for computed values
    write: Callable = _default_write
    related: tuple = ()  # select_related for the list
    prefetch: tuple = ()
    initial: Callable = field(default=lambda dossier: {})

    def save(self, actor, form):
        """The one save path of a kind, for the pages and the API alike: the entry, the
        reason for an amendment, and what else the kind's service takes (the babies' findings
        of a home visit, the discharge moment of the checklist)."""
        return self.write(actor, form.instance, reason=form.reason, **form.extras())

    @property
    def section(self) -> str:
        return self.model.SECTION

    @property
    def single(self) -> bool:
        return self.model.SINGLE

    def entries(self, dossier, *, prefetch: bool = True):
        entries = self.model.objects.filter(dossier=dossier).select_related(
            "recorded_by", "dossier__delivery", *self.related
        )
        return entries.prefetch_related(*self.prefetch) if prefetch else entries


def _today(dossier):
    return {"consulted_on": timezone.localdate()}


KINDS = {
    kind.slug: kind
    for kind in (
        EntryKind(
            "consultaties",
            "consultations",
            PrenatalConsultation,
            forms.ConsultationForm,
            _("Prenatal consultations"),
            (
                "consulted_on",
                ("place", _("where")),
                ("gestational_age_display", _("gestational age (weeks)")),
                "weight_kg",
                ("blood_pressure", _("blood pressure")),
                "fundal_height_cm",
                "fetal_heart_rate",
                "notes",
            ),
            initial=_today,
        ),
        EntryKind(
            "labo",
            "prenatal-labs",
            PrenatalLab,
            forms.PrenatalLabForm,
            _("Prenatal lab results"),
            (
                "test",
                ("result_display", _("result")),
                "taken_on",
                ("finding", _("to act on")),
                ("gestational_age_display", _("gestational age (weeks)")),
                "anti_d_given_on",
                "anti_d_dose_ug",
                "source",
                "laboratory",
            ),
            initial=lambda dossier: {"taken_on": timezone.localdate()},
        ),
        EntryKind(
            "psychosociaal",
            "psychosocial-anamnesis",
            PsychosocialAnamnesis,
            forms.PsychosocialForm,
            _("Psychosocial anamnesis"),
            (
                "interviewed_on",
                "vulnerable",
                "social_support",
                "housing",
                "income",
                "language",
                "mental_health",
                "violence",
                "substance_use",
                "notes",
            ),
            initial=lambda dossier: {"interviewed_on": timezone.localdate()},
        ),
        EntryKind(
            "kort-verblijf",
            "short-stay",
            ShortStayAssessment,
            forms.ShortStayForm,
            _("Short stay: the coordinator's assessment"),
            ("assessed_on", "decision", "criteria_met", "notes"),
            initial=lambda dossier: {"assessed_on": timezone.localdate()},
        ),
        EntryKind(
            "ontslag",
            "discharge",
            DischargeChecklist,
            forms.DischargeForm,
            _("Discharge checklist"),
            (
                "needs_mother_assessed",
                "needs_child_assessed",
                "needs_notes",
                "first_home_visit_at",
                "first_home_visit_midwife",
                "paediatric_consultation_on",
                "home_help",
                "gp_informed",
                "confirmed_at",
                "confirmed_by",
                "open_steps_reason",
            ),
            write=_write_discharge,
            related=("first_home_visit_midwife", "confirmed_by"),
        ),
        EntryKind(
            "huisbezoeken",
            "home-visits",
            HomeVisit,
            forms.HomeVisitForm,
            _("Home visits"),
            (
                "visited_at",
                ("day", _("day post partum")),
                "temperature_c",
                ("blood_pressure", _("blood pressure")),
                "involution",
                "lochia",
                "wound",
                "breasts",
                "epds_score",
                "advice",
                "notes",
                "next_visit_at",
            ),
            write=_write_home_visit,
            prefetch=("baby_checks__newborn", "baby_checks__measurement"),
            initial=lambda dossier: {"visited_at": timezone.now()},
        ),
        EntryKind(
            "telefoon",
            "phone-contacts",
            PhoneContact,
            forms.PhoneContactForm,
            _("Phone contacts (24/7 line)"),
            (
                "started_at",
                "duration_minutes",
                "caller",
                "reason",
                "reason_detail",
                "outcome",
                "notes",
            ),
            initial=lambda dossier: {"started_at": timezone.now()},
        ),
        EntryKind(
            "opnames",
            "admissions",
            Admission,
            forms.AdmissionForm,
            _("(Re)admissions"),
            (
                "patient",
                "newborn",
                "admitted_on",
                ("day_after_birth", _("day after birth")),
                "hospital",
                "reason",
                "reason_detail",
                "days",
            ),
            related=("newborn",),
        ),
        EntryKind(
            "kraamhulp",
            "home-help-need",
            HomeHelpNeed,
            forms.HomeHelpNeedForm,
            _("Maternity home help: the need"),
            ("estimated_hours", "reasons", "organisation", "notes"),
            related=("organisation",),
        ),
        EntryKind(
            "kraamhulp-uren",
            "home-help-days",
            HomeHelpDay,
            forms.HomeHelpDayForm,
            _("Maternity home help: hours delivered"),
            ("day", "hours", "organisation", "notes"),
            related=("organisation",),
            initial=lambda dossier: {"day": timezone.localdate()},
        ),
        EntryKind(
            "eigen-metingen",
            "own-observations",
            SelfMonitoring,
            forms.SelfMonitoringForm,
            _("The mother's own observations"),
            ("noted_at", "kind", ("value_display", _("value")), "newborn", "note"),
            write=_write_own,
            related=("newborn",),
        ),
        EntryKind(
            "voeding-luiers",
            "feeds-nappies",
            BabyLog,
            feeds.BabyLogForm,
            _("Feeds and nappies"),
            ("noted_at", "newborn", "kind", ("what_display", _("detail"))),
            related=("newborn",),
            initial=lambda dossier: {"noted_at": timezone.now()},
        ),
    )
}


def display(value, model_field=None) -> str:
    """A value as a page shows it: Belgian dates and numbers, labels for choices."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d-%m-%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=max(0, -value.as_tuple().exponent))
    if model_field is not None:
        base = getattr(model_field, "base_field", model_field)
        choices = dict(base.flatchoices or [])
        if isinstance(value, list):
            return ", ".join(str(choices.get(v, v)) for v in value)
        if value in choices:
            return str(choices[value])
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.username
    return str(value)


def facts(kind: EntryKind, entry) -> list[tuple[str, str]]:
    """(label, value) for every fact the kind's list shows, skipping what is empty."""
    rows = []
    for fact in kind.facts:
        if isinstance(fact, tuple):
            name, label = fact
            value, model_field = getattr(entry, name), None
        else:
            model_field = entry._meta.get_field(fact)
            name, label = fact, model_field.verbose_name
            value = getattr(entry, fact)
        shown = display(value, model_field)
        if shown != "—" or name in {"vulnerable"}:
            rows.append((str(capfirst(label)), shown))
    return rows


def shown_sections(kind: EntryKind, entries, show_babies: bool) -> list[str]:
    """The sections a list of entries shows: the kind's own, and the newborn section when
    home visits with findings in a baby are shown to someone who may see them."""
    sections = [kind.section]
    if (
        kind.model is HomeVisit
        and show_babies
        and any(entry.baby_checks.all() for entry in entries)
    ):
        sections.append(Section.NEWBORN)
    return sections
