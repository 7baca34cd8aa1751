"""The care plan's pages: the plan with its annotations, editing (with the merge when
someone saved in between), appointments, the schedule's proposal, versions compared side
by side and restored. Access from ``network.access``; writes through ``careplan.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from careplan import content as plan_content
from careplan import feeds, groups, schedule, selectors, services
from careplan import watch as care_watch
from careplan.forms import AnnotationForm, AppointmentForm, PlanForm
from careplan.models import Annotation, PlanVersion
from dossier.growth import ALERT_LOSS_PERCENT
from dossier.models import VitalStatus
from dossier.sections import Section
from dossier.selectors import missing_screenings_first
from network import access
from network.boundary import CHANGE_PLAN, dossier_route
from network.models import CalendarFeed
from network.names import shown_name

# The plan's pages: read by whoever may see the care-plan section; changed by the mother
# and whoever may change that section (``access.can_change_plan``).
reading_plan = dossier_route(reads=Section.CAREPLAN)
changing_plan = dossier_route(reads=Section.CAREPLAN, writes=CHANGE_PLAN, form=True)


def _posted_base(request) -> int:
    """The version a form started from; anything unreadable counts as stale (-1), so the
    service answers with the conflict instead of a crash."""
    try:
        return int(request.POST.get("base_version", -1))
    except (TypeError, ValueError):
        return -1


def _to_plan(dossier, anchor: str = ""):
    response = redirect("careplan:plan", public_id=dossier.public_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@reading_plan
def plan(request, route):
    dossier = route.dossier
    page = selectors.plan_page(dossier, request.user)
    return render(
        request,
        "careplan/plan.html",
        {
            "dossier": dossier,
            **page,
            "annotation_form": AnnotationForm(),
            "can_change": route.can(CHANGE_PLAN),
            "has_delivery": hasattr(dossier, "delivery"),
            "members": access.network_of(dossier),  # R15: the network's contact details
            "parent_groups": groups.plan_card(  # R27: referrals to parent groups
                request.user, dossier, can_refer=route.can_edit(Section.CAREPLAN)
            ),
        },
    )


def _save(request, dossier, form, mine, *, base: int, reason: str, redo):
    """Save ``mine`` as the next version; on a conflict, show what changed meanwhile and
    the form again (``redo(conflict)`` builds it on the current version)."""
    try:
        services.plan_save(
            actor=request.user, dossier=dossier, content=mine, base_number=base, reason=reason
        )
    except services.PlanConflict as conflict:
        plan, _version = selectors.current_plan(dossier)
        base_content = services.version_content(plan, base)
        form, conflicts = redo(conflict, base_content)
        messages.warning(
            request,
            _(
                "Someone saved version %(number)s of the plan while you were editing. Their "
                "changes are below; yours are kept where they do not clash. Check and save "
                "again."
            )
            % {"number": conflict.current.number},
        )
        return (
            None,
            form,
            {
                "meanwhile": [
                    row
                    for row in plan_content.compare(
                        base_content, conflict.current.content, services.member_names(dossier)
                    )
                    if row["changed"]
                ],
                "conflicts": [plan_content.label(path) for path in sorted(conflicts)],
            },
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None, form, {}
    messages.success(request, _("The care plan has been saved as a new version."))
    return _to_plan(dossier), form, {}


@changing_plan
def plan_edit(request, route):
    dossier = route.dossier
    plan, version = selectors.current_plan(dossier)
    names = services.member_names(dossier, active_only=True)
    number = version.number if version else 0
    form = PlanForm(
        request.POST or None,
        members=names,
        initial=PlanForm.initial_from(
            version.content if version else plan_content.empty_plan(), number
        ),
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        base = form.cleaned_data["base_version"]
        mine = form.applied_to(services.version_content(plan, base))

        def redo(conflict, base_content):
            merged = plan_content.merge(base_content, conflict.current.content, mine)
            return PlanForm(
                members=names,
                initial={
                    **PlanForm.initial_from(merged.plan, conflict.current.number),
                    "reason": form.cleaned_data["reason"],
                },
            ), merged.conflicts

        done, form, extra = _save(
            request, dossier, form, mine, base=base, reason=form.cleaned_data["reason"], redo=redo
        )
        if done:
            return done
    return render(
        request,
        "careplan/edit.html",
        {"dossier": dossier, "form": form, "title": _("Change the care plan"), **extra},
    )


@changing_plan
def appointment_edit(request, route, appointment_id=None):
    dossier = route.dossier
    plan, version = selectors.current_plan(dossier)
    content = version.content if version else plan_content.empty_plan()
    names = services.member_names(dossier, active_only=True)
    initial = {"base_version": version.number if version else 0}
    if appointment_id:
        current = next((a for a in content["appointments"] if a["id"] == appointment_id), None)
        if current is None:
            raise Http404
        initial.update(
            {
                key: current[key]
                for key in ("kind", "due_from", "due_until", "member", "status", "note")
            }
        )
        initial["at"] = current.get("time") or None
    form = AppointmentForm(request.POST or None, members=names, initial=initial)
    extra = {}
    if request.method == "POST" and form.is_valid():
        base = form.cleaned_data["base_version"]
        mine = form.applied_to(services.version_content(plan, base), appointment_id)

        def redo(conflict, _base_content):
            data = {**form.cleaned_data, "base_version": conflict.current.number}
            return AppointmentForm(members=names, initial=data), set()

        done, form, extra = _save(
            request, dossier, form, mine, base=base, reason=form.cleaned_data["reason"], redo=redo
        )
        if done:
            return done
    return render(
        request,
        "careplan/edit.html",
        {
            "dossier": dossier,
            "form": form,
            **extra,
            "title": _("Change the appointment") if appointment_id else _("Add an appointment"),
        },
    )


def _babies(dossier) -> list[str]:
    newborns = dossier.newborns.filter(vital_status=VitalStatus.LIVE_BIRTH)
    if newborns.count() < 2:
        return [""]  # one baby: the appointment needs no name
    return [str(newborn) for newborn in newborns]


def _proposals(request, route, content) -> tuple[list[dict], dict, str | None]:
    """The appointments the schedule proposes for this record, what each is for, and the
    phase ("prenatal" from the due date before the birth — for a reader of the pregnancy —,
    "postnatal" from the birth and the discharge), or None when nothing can be proposed."""
    dossier = route.dossier
    delivery = getattr(dossier, "delivery", None)
    if delivery is not None:
        found = schedule.propose(
            delivery.born_at, delivery.discharged_at, _babies(dossier), content["appointments"]
        )
        return found, {}, "postnatal"
    if not route.can_view(Section.PRENATAL):
        messages.info(
            request,
            _(
                "The prenatal schedule counts from the due date, which you may not see; the "
                "schedule after the birth is proposed once the delivery is recorded."
            ),
        )
        return [], {}, None
    route.show(Section.PRENATAL)  # the windows follow from the due date
    found = schedule.propose_prenatal(
        dossier.expected_due_date, dossier.parity, content["appointments"]
    )
    return [a for a, _purpose in found], {a["id"]: purpose for a, purpose in found}, "prenatal"


@changing_plan
def proposal(request, route):
    """The appointments of the schedule for this record that the plan does not have yet —
    before the birth the prenatal contacts (from the due date), after it R22's (from the
    birth and the discharge): the midwife or the mother accepts them (all, or some), never
    the system alone."""
    dossier = route.dossier
    delivery = getattr(dossier, "delivery", None)
    _plan, version = selectors.current_plan(dossier)
    content = version.content if version else plan_content.empty_plan()
    proposals, purposes, phase = _proposals(request, route, content)
    if phase is None:
        return _to_plan(dossier)
    if request.method == "POST":
        chosen = set(request.POST.getlist("accept"))
        accepted = [
            {**a, "status": plan_content.AppointmentStatus.PLANNED}
            for a in proposals
            if a["id"] in chosen
        ]
        if not accepted:
            messages.error(request, _("Tick the appointments to add to the plan."))
        else:
            mine = {**content, "appointments": [*content["appointments"], *accepted]}
            try:
                services.plan_save(
                    actor=request.user,
                    dossier=dossier,
                    content=mine,
                    base_number=_posted_base(request),
                    reason=_("Appointments from the schedule"),
                )
            except services.PlanConflict:
                messages.warning(
                    request,
                    _("The plan changed while you were reading the proposal; here it is again."),
                )
                return redirect("careplan:proposal", public_id=dossier.public_id)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The appointments have been added to the plan."))
                return _to_plan(dossier, "appointments")
    names = services.member_names(dossier)
    return render(
        request,
        "careplan/proposal.html",
        {
            "dossier": dossier,
            "version": version,
            "phase": phase,
            "proposals": [
                (
                    a,
                    plan_content.display(f"appointments.{a['id']}", a, names),
                    purposes.get(a["id"], ""),
                )
                for a in proposals
            ],
            "discharged_at": delivery.discharged_at if delivery else None,
        },
    )


@reading_plan
def versions(request, route):
    dossier = route.dossier
    plan, version = selectors.current_plan(dossier)
    history = plan.versions.select_related("author") if plan else PlanVersion.objects.none()
    page = Paginator(history, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "careplan/versions.html",
        {
            "dossier": dossier,
            "page": page,
            "current": version,
            "rows": [(v, [plan_content.label(p) for p in v.changed]) for v in page],
            "can_change": route.can(CHANGE_PLAN),
        },
    )


@reading_plan
def compare(request, route):
    """Two versions side by side, the differences marked (``?a=2&b=5``)."""
    dossier = route.dossier
    plan, version = selectors.current_plan(dossier)
    if plan is None or version is None:
        raise Http404
    try:
        b = int(request.GET.get("b", version.number))
        a = int(request.GET.get("a", b - 1))
    except ValueError as error:
        raise Http404 from error
    older = plan.versions.filter(number=a).first()
    newer = get_object_or_404(plan.versions, number=b)
    rows = plan_content.compare(
        older.content if older else plan_content.empty_plan(),
        newer.content,
        services.member_names(dossier),
    )
    return render(
        request,
        "careplan/compare.html",
        {
            "dossier": dossier,
            "older": older,
            "newer": newer,
            "a": a,
            "b": b,
            "rows": rows,
            "numbers": list(plan.versions.values_list("number", flat=True)),
        },
    )


@require_POST
@changing_plan
def restore(request, route, number):
    dossier = route.dossier
    plan, _version = selectors.current_plan(dossier)
    if plan is None or not plan.versions.filter(number=number).exists():
        raise Http404
    try:
        services.plan_restore(
            actor=request.user, dossier=dossier, number=number, base_number=_posted_base(request)
        )
    except services.PlanConflict:
        messages.warning(request, _("The plan changed meanwhile; compare again before restoring."))
        return redirect("careplan:versions", public_id=dossier.public_id)
    messages.success(
        request,
        _("Version %(number)s is the current plan again, as a new version.") % {"number": number},
    )
    return _to_plan(dossier)


@require_POST
@reading_plan
def annotate(request, route, number):
    """A remark on a part of a version, or a reply to one."""
    dossier = route.dossier
    plan, _version = selectors.current_plan(dossier)
    version = get_object_or_404(PlanVersion, plan=plan, number=number) if plan else None
    if version is None:
        raise Http404
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your remark first (at most 2000 characters)."))
        return _to_plan(dossier)
    reply_to = None
    if form.cleaned_data["reply_to"]:
        reply_to = get_object_or_404(
            Annotation, version__plan=plan, public_id=form.cleaned_data["reply_to"]
        )
    try:
        services.annotation_add(
            actor=request.user,
            version=version,
            path=form.cleaned_data["path"],
            text=form.cleaned_data["text"],
            reply_to=reply_to,
        )
        messages.success(request, _("Your remark has been added."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _to_plan(dossier, f"part-{form.cleaned_data['path']}")


@reading_plan
def plan_pdf(request, route):
    """The current version of the plan as an A4 PDF (``careplan.pdf``), downloaded; the
    download is logged, with the sections beyond the plan it shows (the mother's identity)."""
    from django.http import HttpResponse

    from careplan.pdf import render_plan

    dossier = route.dossier
    document = render_plan(request.user, dossier)  # 404 when there is no plan yet
    route.action = access.Action.DOWNLOAD  # the download is logged with what it shows
    route.show(*document.shown)
    response = HttpResponse(document.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="zorgplan-v{document.number}.pdf"'
    return response


@login_required
def my_calendar(request):
    """A professional's private calendar address: show it, make a new one, revoke it."""
    if not access.is_care_provider(request.user):
        raise Http404
    professional = request.user.professional
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feeds.feed_revoke(professional)
            messages.success(request, _("The calendar address no longer works."))
        else:
            feeds.feed_renew(professional)
            messages.success(
                request, _("A new calendar address was made; the old one no longer works.")
            )
        return redirect("careplan:my_calendar")
    feed = feeds.active_feed(professional)
    return render(
        request,
        "careplan/my_calendar.html",
        {
            "feed_url": request.build_absolute_uri(reverse("careplan:feed", args=[feed.token]))
            if feed
            else ""
        },
    )


def calendar_feed(request, token):
    """The feed itself, for a calendar app: no sign-in, the secret address is the key."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("professional__user"),
        token=token,
        revoked_at__isnull=True,
    )
    if not feed.professional.user.is_active:
        raise Http404
    response = HttpResponse(feeds.feed_calendar(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="afspraken.ics"'
    return response


@login_required
def watch(request):
    """The coordinator's watch list against the care vacuum (``careplan.watch``)."""
    if not access.is_care_provider(request.user):
        raise Http404
    full = request.GET.get("alle", "")  # the one list to show whole
    mine = care_watch.Mine(request.user)  # her open records, read once for every list
    lists = care_watch.watch_list(request.user, full=full, mine=mine)
    screenings = care_watch.Shown(
        *missing_screenings_first(request.user, limit=None if full == "screenings" else 20)
    )
    # a baby's row (the newborn section) names its mother only to a reader of her identity
    for row in screenings.rows:
        row["named"] = Section.IDENTITY in mine.sections.get(row["dossier"].pk, set())
        row["mother"] = shown_name(
            row["dossier"].mother,
            reader=request.user,
            dossier=row["dossier"],
            may_see_identity=row["named"],
        )
    alerts, alert_reads = care_watch.open_alerts(request.user, full=full == "alerts")
    missed, missed_reads = care_watch.missed_appointments(
        request.user, full=full == "missed", mine=mine
    )
    access.record_read_list(
        request.user,
        sorted(
            lists.pop("reads")
            | alert_reads
            | missed_reads
            | {(row["dossier"], Section.NEWBORN) for row in screenings.rows}
            | {(row["dossier"], Section.IDENTITY) for row in screenings.rows if row["named"]},
            key=lambda read: (read[0].pk, read[1]),
        ),
    )
    return render(
        request,
        "careplan/watch.html",
        {
            **lists,
            "screenings": screenings,
            "alerts": alerts,
            "missed": missed,
            "alert_percent": ALERT_LOSS_PERCENT,
        },
    )


@require_POST
@reading_plan
def acknowledge(request, route):
    """The coordinator has seen the mother's changes to the plan."""
    dossier = route.dossier
    services.plan_acknowledge(actor=request.user, dossier=dossier)
    messages.success(request, _("Marked as seen."))
    return redirect("careplan:watch")


TODAY_PAGE_SIZE = 20


@login_required
def today(request):
    """ "Vandaag": the professional's appointments due today and overdue (``careplan.today``),
    each one tap from its form; what a page shows is logged as read."""
    if not access.is_care_provider(request.user):
        raise Http404
    from careplan import today as day_list

    rows = day_list.today_list(request.user)
    page = Paginator(rows, TODAY_PAGE_SIZE).get_page(request.GET.get("page"))
    access.record_read_list(
        request.user,
        sorted(day_list.reads_of(page.object_list), key=lambda read: (read[0].pk, read[1])),
    )
    return render(
        request,
        "careplan/today.html",
        {
            "page": page,
            "rows": page.object_list,
            "overdue": sum(row.overdue for row in rows),
            "due": sum(not row.overdue for row in rows),
        },
    )
