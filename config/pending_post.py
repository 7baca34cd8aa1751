"""A save after the session expired is not lost (issue 14).

A midwife types a home visit, the 30-minute idle timeout passes, she presses "Bewaren": the
POST arrives without a session. Instead of a sign-in page and a lost visit:

1. the anonymous POST to a page behind the record's boundary (``network.boundary``) is
   kept in the (server-side) session, signed and stamped, bound to the person who was
   signed in in this browser (``COOKIE``: a keyed hash of the user's id, set on every
   signed-in answer, deleted at log-out) — never to whoever signs in next;
2. she signs in again (password, code) and lands back on the form's page, where the kept
   values are handed to the page (``request.pending_post``, rendered by base.html as JSON
   for static/js/drafts.js to fill the form) with the notice "not saved yet — check and
   save". Nothing clinical is saved without her pressing the button again;
3. the next POST to that page by her (whatever its outcome), a wrong person, a stale stamp
   (``MAX_AGE``) or a log-out drop what was kept.

Without the cookie (another browser, signed out on purpose) nothing is kept: the draft in
the browser (drafts.js) is then the only copy."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

COOKIE = "md_signed_in_as"
SESSION_KEY = "pending_post"
SALT = "config.pending_post"
# How long a kept form waits for its author to sign in again: long enough for the password
# and the authenticator code, short enough that clinical data does not linger in a session.
MAX_AGE = 60 * 60
MAX_BYTES = 64 * 1024  # a form larger than this is not kept (a home visit is ~2 KB)
NOT_KEPT = ("csrfmiddlewaretoken", "password", "code")
HOME_VISITS = "/huisbezoeken/"


def signed_in_as(user) -> str:
    return salted_hmac(SALT, f"user:{user.pk}").hexdigest()


def _load(request) -> dict | None:
    """What the session keeps for this signed-in user, or None (and dropped when it is
    not theirs or too old)."""
    kept = request.session.get(SESSION_KEY)
    if not kept:
        return None
    try:
        payload = signing.loads(kept, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        payload = None
    if payload is None or not constant_time_compare(
        payload.get("who", ""), signed_in_as(request.user)
    ):
        request.session.pop(SESSION_KEY, None)
        return None
    return payload


class PendingPostMiddleware:
    """Place after AuthenticationMiddleware, CsrfViewMiddleware (a forged POST is refused
    before anything is kept) and config.signin.SecondFactorMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # what base.html asks on every page; set here when a form waits (a template's
        # lookup of an attribute the request lacks tries three ways and fails each: 30 µs)
        request.pending_post = None
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path == reverse("logout"):
            response.delete_cookie(COOKIE, samesite="Lax")
        elif (
            user is not None and user.is_authenticated and "Authorization" not in request.headers
        ):  # a browser, not an API client
            mark = signed_in_as(user)
            if request.COOKIES.get(COOKIE) != mark:  # a browser-session cookie
                response.set_cookie(
                    COOKIE,
                    mark,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.method == "POST" and getattr(view_func, "dossier_route", None) is not None:
                return self._keep(request)
            return None
        payload = _load(request)
        if payload is None or payload["path"] != request.path:
            return None
        if request.method == "POST":  # she saves (or corrects) it now
            request.session.pop(SESSION_KEY, None)
        elif request.method == "GET":
            request.pending_post = payload["data"]
            messages.warning(
                request,
                _("Your home visit is not saved yet: check it and save.")
                if HOME_VISITS in request.path
                else _("What you typed is not saved yet: check it and save."),
            )
        return None

    @staticmethod
    def _keep(request):
        """Keep the anonymous POST for the person signed in in this browser; then the
        sign-in page as usual (``next``: this page)."""
        who = request.COOKIES.get(COOKIE, "")
        referer = request.headers.get("Referer", "")
        if not who or (referer and urlsplit(referer).path != request.path):
            return None  # not a form posting to its own page: the usual sign-in
        data = {key: request.POST.getlist(key) for key in request.POST if key not in NOT_KEPT}
        if not data or len(json.dumps(data)) > MAX_BYTES:
            return None
        request.session[SESSION_KEY] = signing.dumps(
            {"who": who, "path": request.path, "data": data}, salt=SALT, compress=True
        )
        messages.info(
            request,
            _(
                "Your session had ended. Sign in again: what you typed is "
                "kept and shown to you again to save."
            ),
        )
        return redirect_to_login(request.get_full_path())
