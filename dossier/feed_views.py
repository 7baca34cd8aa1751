"""The feeds-and-nappies page (issue 18): per baby the last 24 hours, and for the mother a
tiny form per baby — one tap for a breast, a bottle or a nappy, the time now unless she
types another. Behind the boundary: whoever may see the newborn section reads it; only the
mother writes (``BabyLog.WRITER``). The feeds she noted as own observations before feeds
were per baby count too, for a reader of the postnatal section (logged as its read when
there are any)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dossier import feeds, services
from dossier.models import BabyLog, VitalStatus
from dossier.sections import Section
from dossier.selfcare import QUICK_LABELS
from network.boundary import dossier_route, entry_write


def _prefix(newborn) -> str:
    return f"baby{newborn.birth_order}"


@dossier_route(reads=Section.NEWBORN, writes=entry_write(BabyLog))
def feeds_page(request, route):
    dossier = route.dossier
    newborns = [
        n
        for n in dossier.newborns.order_by("birth_order")
        if n.vital_status == VitalStatus.LIVE_BIRTH
    ]
    can_log = route.can(entry_write(BabyLog))
    bound = {}
    if request.method == "POST":
        newborn = next((n for n in newborns if str(n.public_id) == request.POST.get("baby")), None)
        if newborn is None:
            messages.error(request, _("Baby: choose one of the babies of this record."))
            return redirect("dossier:feeds", public_id=dossier.public_id)
        form = feeds.QuickLogForm(request.POST, prefix=_prefix(newborn))
        if form.is_valid():
            try:
                services.entry_record(actor=request.user, entry=form.entry(dossier, newborn))
            except ValidationError as error:
                form.add_model_errors(error)
            else:
                messages.success(
                    request,
                    _("Saved for %(baby)s: %(what)s.")
                    % {"baby": newborn, "what": QUICK_LABELS[form.cleaned_data["what"]]},
                )
                return redirect("dossier:feeds", public_id=dossier.public_id)
        bound[newborn.pk] = form
    # the feeds noted as own observations before (the postnatal section): for its readers
    own = route.can_view(Section.POSTNATAL)
    days = feeds.last_24h(newborns, own=own)
    recent = feeds.recent_by_baby(newborns, own=own)
    if any(day.own_feeds for day in days.values()):
        route.show(Section.POSTNATAL)
    babies = [
        {
            "newborn": newborn,
            "day": days[newborn.pk],
            "recent": recent.get(newborn.pk, []),
            "form": bound.get(newborn.pk)
            or (feeds.QuickLogForm(prefix=_prefix(newborn)) if can_log else None),
        }
        for newborn in newborns
    ]
    return render(
        request,
        "dossier/feeds.html",
        {
            "dossier": dossier,
            "babies": babies,
            "buttons": list(QUICK_LABELS.items()),
            "can_log": can_log,
        },
    )
