"""Small views of the site itself (no app of their own).

``/ik.json`` ("who am I"): the signed-in user's own name and interface language, for the
offline app (which must know whose visits it keeps on the phone) and as the floor of the
load benchmark (``bench/load.py``): a signed-in page through every middleware that does
almost nothing else. It names no record and writes nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from network.names import shown_name


@require_safe
@login_required
def who_am_i(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "name": shown_name(user, reader=user, dossier=None),
            "language": getattr(request, "LANGUAGE_CODE", ""),
        }
    )
