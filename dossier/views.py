"""Server-rendered pages of the record. No rules here: access comes from
``network.access`` (through the selectors), validation from the models, writes from the
services. Every section shown is logged as a read; a section not granted is absent."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from config.prepared import together
from config.templatetags.topbar import written_ahead
from dossier import alerts as alert_rules
from dossier import consults, feeds, growth, screenings, selectors, services
from dossier.entries import facts as entry_facts
from dossier.entries import shown_sections
from dossier.entry_forms import AlertForm, CommentForm
from dossier.forms import (
    DeliveryForm,
    DossierEditForm,
    DossierForm,
    DossierSearchForm,
    MeasurementForm,
    MotherForm,
    NewbornForm,
    ScreeningForm,
)
from dossier.history import field_changes
from dossier.models import (
    Delivery,
    Measurement,
    Newborn,
    Screening,
)
from dossier.sections import Section
from dossier.templatetags.dossier_rows import dossier_rows
from network import access
from network.boundary import OPEN_RECORD, VISIBLE, dossier_route, entry_write

PAGE_SIZE = 20
# The screenings panel of "My records" shows this many babies; the watch list has them all.
DASHBOARD_SCREENINGS = 10


def _landing(user) -> str | None:
    """Where a signed-in user starts when she opens "My records" without a search (issue
    14): the mother with one record on that record, the registrar and the analyst without
    a care role on their own page; everyone else on the list."""
    if access.is_mother(user) and not access.is_care_provider(user):
        own = list(
            access.visible_dossiers(user)
            .filter(mother__user=user)
            .values_list("public_id", flat=True)[:2]
        )
        if len(own) == 1:
            return reverse("dossier:detail", args=[own[0]])
        return None
    if access.is_care_provider(user):
        return None
    if access.granted(user, "ebirth.run_export"):
        return reverse("ebirth:exports")
    if access.can_view_figures(user):
        return reverse("ebirth:figures")
    return None


@login_required
def dashboard(request):
    if not request.GET:
        landing = _landing(request.user)
        if landing is not None:
            if access.is_mother(request.user) and not user_has_device(request.user, confirmed=True):
                # the offer the list would have shown, where she lands instead
                messages.info(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _(
                            "Protect your record better: with two-step sign-in nobody gets in "
                            "with your password alone."
                        ),
                        reverse("signin_setup"),
                        _("Set up two-step sign-in"),
                    ),
                )
            return redirect(landing)
    search = DossierSearchForm(request.GET or None)
    query = status = ""
    if search.is_valid():
        query, status = search.cleaned_data["q"], search.cleaned_data["status"]
    first = not query and not status and access.is_care_provider(request.user)
    urgent, urgent_total, urgent_reads = (
        selectors.watched_alerts(request.user, urgent_only=True) if first else ([], 0, set())
    )
    urgent_ids = sorted({a.dossier_id for a in urgent})
    from network import selectors as network_selectors  # its panel and count, read ahead

    ahead = {}
    # The page's ids, then its rows, the open concerns and the screenings panel, sent ahead
    # and read in that order when needed: the database sorts her list while Python writes
    # the page's header, and runs the concerns and looks for the babies (the longest) while
    # Python makes the rows (config.prepared.together).
    with together():
        # the page's ids first (sorted on the record's own columns), then only those rows
        # with their mother and delivery: the joins are made for 20 rows, not for every one
        listed = (
            selectors.first_list_page_later(
                request.user, urgent=urgent_ids, number=request.GET.get("page"), size=PAGE_SIZE
            )
            if first
            else lambda: None
        )
        ahead["topbar"] = written_ahead(
            request, unread=network_selectors.unread_count(request.user)
        )
        page = listed()
        if page is None:
            listing = selectors.dossier_list(
                request.user, query=query, status=status, urgent=urgent_ids
            )
            page = Paginator(listing.values_list("pk", flat=True), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
        rows = selectors.list_rows_later(request.user, list(page.object_list))
        if first:  # the network's panel (its tag: network_watch.open_concerns), read ahead
            concerns = network_selectors.first_open_concerns_later(request.user, 20)
        # the babies born longest ago, the rest on the watch list (careplan:watch)
        watch = (
            selectors.missing_screenings_later(request.user, limit=DASHBOARD_SCREENINGS)
            if first
            else lambda: ([], 0)
        )
        page.object_list = rows()
        if first:
            ahead["open_concerns"] = network_selectors.shown_open_concerns(request.user, concerns())
        # the rows' HTML too is written while the database still looks for the babies
        written_rows = dossier_rows(page.object_list)
        watch, watch_total = watch()
    access.record_read_list(
        request.user,
        [(dossier, section) for dossier in page.object_list for section in _row_shows(dossier)]
        + [(row["dossier"], Section.NEWBORN) for row in watch]
        + sorted(urgent_reads, key=lambda read: (read[0].pk, read[1])),
    )
    context = {
        **ahead,
        "search": search,
        "page": page,
        "written_rows": written_rows,
        "query": query,
        "status": status,
        # without a search a professional's list holds her current records (issue 16)
        "current_only": first,
        "missing_screenings": watch,
        "missing_screenings_total": watch_total,
        "urgent_alerts": urgent,
        "urgent_total": urgent_total,
        "has_role": access.is_care_provider(request.user) or access.is_mother(request.user),
        "can_open": access.can_open_dossier(request.user),
        # a mother chooses herself whether to add a second step to her sign-in
        "offer_two_step": access.is_mother(request.user)
        and not user_has_device(request.user, confirmed=True),
    }
    with access.written_during():  # the reads are written while the list renders
        return render(request, "dossier/dashboard.html", context)


def _history_section(section: str, **_kwargs) -> str:
    if section not in selectors.SECTION_TABLES:
        raise Http404
    return section


@dossier_route(reads=_history_section)
def history(request, route, section):
    """Every change to one section: who, when, why, and each field before and after."""
    dossier = route.dossier
    entry_id = _uuid_or_none(request.GET.get("regel"))
    page = Paginator(selectors.changes_of(dossier, section, entry_id=entry_id), 20).get_page(
        request.GET.get("page")
    )
    entries = [(change, field_changes(change)) for change in page.object_list]
    return render(
        request,
        "dossier/history.html",
        {
            "dossier": dossier,
            "section": Section(section),
            "page": page,
            "entries": entries,
            "entry_id": entry_id,
        },
    )


def _uuid_or_none(value):
    """The one entry a history page is narrowed to (``?regel=``), if the id is valid."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _row_shows(dossier) -> list[str]:
    """The sections a dashboard row displays (see dashboard.html): the mother's name, and
    the birth date once delivered, else the due date; each only where granted."""
    delivered = getattr(dossier, "delivery", None) is not None
    wanted = [
        (Section.IDENTITY, True),
        (Section.DELIVERY, delivered),
        (Section.PRENATAL, not delivered),
    ]
    return [s for s, shown in wanted if shown and getattr(dossier, f"can_view_{s}")]


@dossier_route(shows=VISIBLE)
def dossier_detail(request, route):
    dossier, user, levels, shown = route.dossier, request.user, route.levels, route.visible
    delivery = getattr(dossier, "delivery", None)
    newborns = selectors.newborns_with_weighings(dossier) if Section.NEWBORN in shown else []
    # feeds and nappies per baby: one aggregate query (and one for the feeds noted as own
    # observations before, which belong to the postnatal section)
    feeds.attach_last_24h(newborns, own=Section.POSTNATAL in shown)
    members = access.network_of(dossier)
    overview = dict(selectors.entry_overview(user, dossier, levels))
    # the prenatal results that decide care at the birth, for a reader of the pregnancy
    safety = selectors.safety_status(dossier) if Section.PRENATAL in shown else []
    from careplan.today import next_appointment  # the plan's next contact (issue 14)
    from network.oncall import on_call_now

    # the comments under the delivery and under each baby: one query for both cards
    commented_delivery = [delivery] if delivery and Section.DELIVERY in shown else []
    commented = [entry.public_id for entry in [*commented_delivery, *newborns]]
    comments = selectors.comments_on(dossier, commented) if commented else {}
    return render(
        request,
        "dossier/detail.html",
        {
            "dossier": dossier,
            "mother": dossier.mother,
            "now": selectors.now_status(dossier, levels, newborns, safety=safety),
            "safety": safety,
            "next_appointment": next_appointment(dossier, levels, members),
            "on_call": on_call_now(dossier, members=members),
            "parts": selectors.record_parts(
                dossier, shown, can_open=access.can_open_dossier(user) and Section.IDENTITY in shown
            ),
            "home_visit_form": next(
                (
                    item
                    for item in overview.get(Section.POSTNATAL, [])
                    if item["kind"].slug == "huisbezoeken" and item["can_write"]
                ),
                None,
            ),
            "alerts": selectors.open_alert_counts(dossier, shown),
            "delivery": delivery,
            "newborns": newborns,
            # the consult with the maternity ward (R13): its card and the header's overdue
            "consult_card": consults.card(dossier, user, levels),
            "delivery_comments": _comments_card(
                dossier,
                commented_delivery,
                lambda entry: _("the delivery"),
                by_entry=comments,
            ),
            "newborn_comments": _comments_card(dossier, newborns, str, by_entry=comments),
            "show": {section: section in shown for section in Section},
            "overview": overview,
            "edit": {section: levels[section] >= access.Level.EDIT for section in Section},
            "members": members,
            "can_manage_network": access.can_manage_network(user, dossier),
            "can_raise_concern": access.can_raise_concern(user, dossier),
            "is_mother": access.is_mother_of(user, dossier),
            "can_open": access.can_open_dossier(user) and Section.IDENTITY in shown,
            "other_dossiers": access.other_pregnancies(user, dossier)
            if Section.IDENTITY in shown
            else [],
        },
    )


def _save(request, form, write, success_message):
    """Run a service on a valid form; a ValidationError from the service lands on the form
    (the transaction rolled back, nothing half-saved)."""
    try:
        result = write()
    except ValidationError as error:
        form.add_error(None, error)
        return None
    _advise_the_mother(request, result)  # what to do comes first, before "saved"
    messages.success(request, success_message)
    return result


def _who_to_call(dossier) -> list[str]:
    """Her care coordinator and, when the coordinator is no midwife, the network's midwife:
    each with a phone number (theirs, else their organisation's)."""
    members = access.network_of(dossier)
    coordinator = next((m for m in members if m.role == access.Role.COORDINATOR), None)
    midwife = next(
        (m for m in members if m.professional.profession == access.Profession.MIDWIFE), None
    )
    lines = []
    for member, label in (
        (coordinator, _("Your care coordinator: %(name)s%(phone)s.")),
        (midwife if midwife is not coordinator else None, _("Your midwife: %(name)s%(phone)s.")),
    ):
        if member is None:
            continue
        person = member.professional
        phone = person.phone or (person.organisation.phone if person.organisation else "")
        lines.append(
            label
            % {
                "name": person.user.get_full_name() or person.user.username,
                "phone": f", {phone}" if phone else "",
            }
        )
    from network.oncall import on_call_now, own_number  # who answers now (R12, R34)

    now = on_call_now(dossier, members=members)
    if (
        now is not None
        and now.shift is not None
        and (now.professional.pk, now.phone)
        not in {
            (m.professional.pk, own_number(m.professional))
            for m in (coordinator, midwife)
            if m is not None
        }
    ):
        lines.append(
            _("On call now: %(name)s%(phone)s.")
            % {"name": now.name, "phone": f", {now.phone}" if now.phone else ""}
        )
    return lines


def _advise_the_mother(request, entry) -> None:
    """What the mother noted herself raised an alert (R42): she is told at once what to do,
    with her coordinator's number; the alert has reached her network."""
    dossier = getattr(entry, "dossier", None)
    if dossier is None or not access.is_mother_of(request.user, dossier):
        return
    advice = [rule.advice for rule in alert_rules.firing(entry) if rule.advice]
    if not advice:
        return
    for text in advice:
        messages.error(request, " ".join([str(text), *_who_to_call(dossier)]))
    messages.info(
        request,
        _(
            "Your midwife and your care network have been told. You see on "
            "“Alerts” when someone has taken it on."
        ),
    )


def _carried(route, for_whom: str) -> dict | None:
    """The prenatal results that decide care (Rhesus D and anti-D, HBsAg, GBS), for a page
    of the delivery or of a newborn: shown — and logged as a read of the pregnancy — only
    to a reader of the prenatal section. ``for_whom``: "birth" or "baby"."""
    if not route.can_view(Section.PRENATAL):
        return None
    route.show(Section.PRENATAL)
    return {"items": selectors.safety_status(route.dossier), "for": for_whom}


def _form_page(request, form, write, *, dossier, success, title, done=None, carried=None):
    """GET shows the form; a valid POST runs the service and returns to the record
    (``done(result)`` names another record to return to). ``carried``: the prenatal results
    shown beside the form (``_carried``)."""
    if request.method == "POST" and form.is_valid():
        result = _save(request, form, write, success)
        if result is not None:
            target = done(result) if done else dossier
            return redirect("dossier:detail", public_id=target.public_id)
    return render(
        request,
        "dossier/form.html",
        {"form": form, "dossier": dossier, "title": title, "carried": carried},
    )


@login_required
def dossier_create(request):
    """A new record. The answer is the same whether her INSZ is new or already registered
    (README, "No existence oracle"): a valid form always redirects to the same
    page, ``network:opening``, which goes on to the new record or shows the request to join
    hers; what happened is kept in the (server-side) session, not in the response."""
    from dossier.forms import NewMotherForm
    from network.join_views import OPENING_KEY

    access.require_can_open(request.user)
    mother_form = NewMotherForm(request.POST or None, prefix="mother")
    dossier_form = DossierForm(request.POST or None, prefix="dossier")
    if request.method == "POST" and mother_form.is_valid() and dossier_form.is_valid():
        try:
            dossier, created = services.dossier_open_or_join(
                actor=request.user, mother=mother_form.instance, dossier=dossier_form.instance
            )
        except ValidationError as error:
            by_field = (
                error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            )
            for field, errors in by_field.items():
                form = mother_form if field in mother_form.fields else dossier_form
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session[OPENING_KEY] = {
                "dossier": str(dossier.public_id) if dossier else "",
                "created": created,
            }
            return redirect("network:opening")
    return render(
        request,
        "dossier/dossier_create.html",
        {"mother_form": mother_form, "dossier_form": dossier_form},
    )


@dossier_route(reads=Section.IDENTITY, needs=OPEN_RECORD)
def dossier_new_pregnancy(request, route):
    """A new pregnancy of a mother already known: her identity is not typed again (R8)."""
    previous = route.dossier
    form = DossierForm(
        request.POST or None,
        prefix="dossier",
        initial={
            "gravidity": previous.gravidity + 1,
            "parity": previous.parity + previous.newborns.count(),
        },
    )
    return _form_page(
        request,
        form,
        lambda: services.dossier_open(
            actor=request.user, mother=previous.mother, dossier=form.instance
        ),
        dossier=previous,
        success=_("The maternity record has been opened."),
        title=_("New pregnancy of %(name)s") % {"name": previous.mother.full_name},
        done=lambda dossier: dossier,
    )


@dossier_route(reads=Section.IDENTITY, writes=Section.IDENTITY, form=True)
def mother_edit(request, route):
    dossier = route.dossier
    form = MotherForm(request.POST or None, instance=dossier.mother)
    return _form_page(
        request,
        form,
        lambda: services.mother_update(
            actor=request.user, dossier=dossier, mother=form.instance, reason=form.reason
        ),
        dossier=dossier,
        success=_("The mother's details have been saved."),
        title=_("Edit the mother's details"),
    )


@dossier_route(reads=Section.PRENATAL, writes=Section.PRENATAL, form=True)
def dossier_edit(request, route):
    dossier = route.dossier
    form = DossierEditForm(request.POST or None, instance=dossier)
    return _form_page(
        request,
        form,
        lambda: services.dossier_update(
            actor=request.user, dossier=form.instance, reason=form.reason
        ),
        dossier=dossier,
        success=_("The pregnancy has been saved."),
        title=_("Edit the pregnancy"),
    )


@dossier_route(reads=Section.DELIVERY, writes=Section.DELIVERY, form=True)
def delivery_edit(request, route):
    dossier = route.dossier
    delivery = getattr(dossier, "delivery", None) or Delivery(dossier=dossier)
    form = DeliveryForm(request.POST or None, instance=delivery)
    return _form_page(
        request,
        form,
        lambda: services.delivery_record(
            actor=request.user, delivery=form.instance, reason=form.reason
        ),
        dossier=dossier,
        success=_("The delivery has been saved."),
        title=_("Edit the delivery") if delivery.pk else _("Record the delivery"),
        carried=_carried(route, "birth"),
    )


@dossier_route(reads=Section.NEWBORN, writes=Section.NEWBORN, form=True)
def newborn_edit(request, route):
    dossier = route.dossier
    if route.newborn is None:
        next_order = max((n.birth_order for n in dossier.newborns.all()), default=0) + 1
        newborn = Newborn(
            dossier=dossier,
            birth_order=next_order,
            family_name=(  # her name
                dossier.mother.family_name if route.can_view(Section.IDENTITY) else ""
            ),
        )
    else:
        newborn = route.newborn
    form = NewbornForm(request.POST or None, instance=newborn)
    return _form_page(
        request,
        form,
        lambda: services.newborn_record(
            actor=request.user, newborn=form.instance, reason=form.reason
        ),
        dossier=dossier,
        success=_("The newborn has been saved."),
        title=_("Edit newborn") if newborn.pk else _("Add a newborn"),
        carried=_carried(route, "baby"),
    )


def _newborn_entry_form(request, route, form_class, entry, write, *, initial, success, page):
    """The add-an-entry form of a newborn page, for whoever may edit the newborn section
    (anyone else's POST was refused by the boundary). Returns (form or None, redirect or
    None)."""
    dossier, newborn = route.dossier, route.newborn
    if not route.can_edit(Section.NEWBORN):
        return None, None
    form = form_class(request.POST or None, initial=initial, instance=entry)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, form, lambda: write(form.instance), success)
    ):
        return form, redirect(page, public_id=dossier.public_id, newborn_id=newborn.public_id)
    return form, None


@dossier_route(reads=Section.NEWBORN, writes=Section.NEWBORN)
def weight(request, route):
    """The weight curve of one newborn, its table, and (for whoever may edit the newborn
    section) the form to add a weighing — on a phone during a home visit."""
    dossier, newborn = route.dossier, route.newborn
    form, done = _newborn_entry_form(
        request,
        route,
        MeasurementForm,
        Measurement(newborn=newborn),
        lambda m: services.measurement_record(actor=request.user, measurement=m),
        initial={"measured_at": timezone.now()},
        success=_("The weighing has been saved."),
        page="dossier:weight",
    )
    if done:
        return done
    return render(
        request,
        "dossier/weight.html",
        {
            "dossier": dossier,
            "newborn": newborn,
            "form": form,
            # the curves with WHO's percentiles, the birth-weight status (issue 18)
            **growth.page(newborn, dossier.delivery, newborn.measurements.all()),
            "alert_percent": growth.ALERT_LOSS_PERCENT,
            "comments": _comments_card(
                dossier,
                newborn.measurements.all(),
                lambda m: (
                    f"{timezone.localtime(m.measured_at):%d-%m-%Y %H:%M} · "
                    f"{number_format(m.weight_g, force_grouping=True)} g"
                ),
            ),
        },
    )


@dossier_route(reads=Section.NEWBORN, writes=Section.NEWBORN)
def newborn_screenings(request, route):
    """A newborn's scheduled screenings with their state, and the form to record one."""
    dossier, newborn = route.dossier, route.newborn
    form, done = _newborn_entry_form(
        request,
        route,
        ScreeningForm,
        Screening(newborn=newborn),
        lambda s: services.screening_record(actor=request.user, screening=s),
        initial={"done_at": timezone.now()},
        success=_("The screening has been saved."),
        page="dossier:screenings",
    )
    if done:
        return done
    return render(
        request,
        "dossier/screenings.html",
        {
            "dossier": dossier,
            "newborn": newborn,
            "form": form,
            "states": screenings.states_of(newborn),
            "carried": _carried(route, "baby"),
            "comments": _comments_card(
                dossier,
                newborn.screenings.all(),
                lambda s: (
                    f"{s.get_kind_display()} · {timezone.localtime(s.done_at):%d-%m-%Y %H:%M}"
                ),
            ),
        },
    )


# --- clinical entries: one page per kind (dossier.entries) -------------------------------


def _entry_form(request, route, kind, entry, *, data=None):
    form = kind.form(
        data,
        instance=entry,
        dossier=route.dossier,
        user=request.user,
        initial=kind.initial(route.dossier) if entry.pk is None else None,
        levels=route.levels,
    )
    if getattr(form, "newborns", None):  # it asks about the babies by name (a home visit)
        route.show(Section.NEWBORN)
    return form


def _entry_reads(kind, **_kwargs) -> str:
    return kind.section


def _entry_writes(kind, **_kwargs):
    return entry_write(kind.model)


@dossier_route(reads=_entry_reads, writes=_entry_writes)
def entry_list(request, route, kind):
    """The entries of one kind with their comments, and the form to add one (or, for a
    kind recorded once per record, to fill it in or amend it) for whoever may write it."""
    dossier = route.dossier
    entries = kind.entries(dossier)
    form = None
    if route.can(entry_write(kind.model)):
        entry = (entries.first() if kind.single else None) or kind.model(dossier=dossier)
        form = _entry_form(
            request, route, kind, entry, data=request.POST if request.method == "POST" else None
        )
        if (
            request.method == "POST"
            and form.is_valid()
            and _save(request, form, lambda: kind.save(request.user, form), _("Saved."))
        ):
            return redirect("dossier:entries", public_id=dossier.public_id, kind=kind.slug)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    comments = selectors.comments_on(dossier, [entry.public_id for entry in page])
    # a home visit's findings in the babies belong to the newborn section
    show_babies = route.can_view(Section.NEWBORN)
    route.show(*shown_sections(kind, page, show_babies))
    return render(
        request,
        "dossier/entries.html",
        {
            "dossier": dossier,
            "kind": kind,
            "form": form,
            "page": page,
            "rows": [
                (entry, entry_facts(kind, entry), comments.get(entry.public_id, []))
                for entry in page
            ],
            "summary": selectors.entry_summary(kind, dossier, page.object_list),
            "comment_form": CommentForm(),
            "show_babies": show_babies,
            "can_amend": form is not None and not kind.single,
        },
    )


@dossier_route(reads=_entry_reads, writes=_entry_writes, form=True)
def entry_edit(request, route, kind):
    """Amend an entry: the form asks why, the history keeps the previous values."""
    dossier = route.dossier
    form = _entry_form(
        request, route, kind, route.entry, data=request.POST if request.method == "POST" else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, form, lambda: kind.save(request.user, form), _("Saved."))
    ):
        return redirect("dossier:entries", public_id=dossier.public_id, kind=kind.slug)
    title = capfirst(_("Amend %(what)s") % {"what": kind.model._meta.verbose_name})
    return render(request, "dossier/form.html", {"form": form, "dossier": dossier, "title": title})


def _comment(request, dossier, section: str, entry_id, target: str):
    """Add the posted comment to an entry and go back to where it is shown."""
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                actor=request.user,
                dossier=dossier,
                section=section,
                entry_id=entry_id,
                text=form.cleaned_data["text"],
            )
            messages.success(request, _("Your comment has been added."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Write your comment first (at most 2000 characters)."))
    return redirect(target)


@require_POST
@dossier_route(reads=_entry_reads)
def entry_comment(request, route, kind):
    """A comment under an entry (the mother's, or a provider's answer): whoever may see an
    entry may comment on it."""
    dossier, entry = route.dossier, route.entry
    return _comment(
        request,
        dossier,
        kind.section,
        entry.public_id,
        f"{reverse('dossier:entries', args=[dossier.public_id, kind.slug])}"
        f"#entry-{entry.public_id}",
    )


def _page_of_newborn_entry(url_name):
    return lambda dossier, entry: (
        f"{reverse(url_name, args=[dossier.public_id, entry.newborn.public_id])}#comments"
    )


def _overview_card(anchor):
    return lambda dossier, entry: f"{reverse('dossier:detail', args=[dossier.public_id])}#{anchor}"


# What else than the entry kinds may be commented on (the part of the URL, Dutch): its
# section, the entries of a dossier it can be, and where the comment is shown.
COMMENTABLE = {
    "wegingen": (
        Section.NEWBORN,
        lambda d: Measurement.objects.filter(newborn__dossier=d),
        _page_of_newborn_entry("dossier:weight"),
    ),
    "screenings": (
        Section.NEWBORN,
        lambda d: Screening.objects.filter(newborn__dossier=d),
        _page_of_newborn_entry("dossier:screenings"),
    ),
    "bevalling": (
        Section.DELIVERY,
        lambda d: Delivery.objects.filter(dossier=d),
        _overview_card("h-delivery"),
    ),
    "pasgeborenen": (Section.NEWBORN, lambda d: d.newborns.all(), _overview_card("h-newborns")),
}


def _commented_section(about: str, **_kwargs) -> str:
    if about not in COMMENTABLE:
        raise Http404
    return COMMENTABLE[about][0]


@require_POST
@dossier_route(reads=_commented_section)
def record_comment(request, route, about):
    """A comment on the delivery, a newborn, a weighing or a screening (the ``entry`` the
    page's form names)."""
    section, entries, shown_at = COMMENTABLE[about]
    dossier = route.dossier
    entry = get_object_or_404(
        entries(dossier).select_related(
            *(["newborn"] if about in ("wegingen", "screenings") else [])
        ),
        public_id=_uuid_or_none(request.POST.get("entry")),
    )
    return _comment(request, dossier, section, entry.public_id, shown_at(dossier, entry))


def _comments_card(dossier, entries, label, *, by_entry: dict | None = None) -> dict:
    """The comments on a few entries (a newborn's weighings, the delivery…), each with what
    it is about, and the entries the card's form offers, newest first. One query, or none
    with ``by_entry`` (``selectors.comments_on`` for these entries and others, read once
    for several cards)."""
    entries = list(entries)
    labels = {entry.public_id: label(entry) for entry in entries}
    if by_entry is None:
        by_entry = selectors.comments_on(dossier, labels) if labels else {}
    by_entry = {entry_id: by_entry.get(entry_id, []) for entry_id in labels}
    return {
        "comments": sorted(
            (
                (labels[entry_id], comment)
                for entry_id, comments in by_entry.items()
                for comment in comments
            ),
            key=lambda row: row[1].written_at,
        ),
        "choices": [(entry.public_id, labels[entry.public_id]) for entry in reversed(entries)],
    }


# --- alerts (R42) ---------------------------------------------------------------------------


@dossier_route()
def alerts(request, route):
    """The record's alerts in the sections this user may read; a care provider takes an
    open one on or says how it was resolved; the mother sees who took hers on."""
    dossier = route.dossier
    rows = list(selectors.alerts_of(request.user, dossier))
    failed, failed_form = None, None
    if request.method == "POST":
        alert = next((a for a in rows if str(a.public_id) == request.POST.get("alert")), None)
        if alert is None:
            raise Http404
        form = AlertForm(request.POST, auto_id=f"id_%s_{alert.public_id}")
        if form.is_valid():
            act = (
                services.alert_acknowledge
                if form.cleaned_data["action"] == "acknowledge"
                else services.alert_resolve
            )
            try:
                act(actor=request.user, alert=alert, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)  # a dict names its field, "note"
            else:
                messages.success(request, _("Saved."))
                return redirect("dossier:alerts", public_id=dossier.public_id)
        failed, failed_form = alert.pk, form
    provider = access.is_care_provider(request.user)
    for alert in rows:
        if provider and alert.is_open:
            alert.form = (
                failed_form if alert.pk == failed else AlertForm(auto_id=f"id_%s_{alert.public_id}")
            )
    route.show(*{alert.section for alert in rows})
    return render(
        request,
        "dossier/alerts.html",
        {
            "dossier": dossier,
            "rows": rows,
            "provider": provider,
            "who_to_call": [] if provider else _who_to_call(dossier),
            "open_count": sum(alert.is_open for alert in rows),
        },
    )
