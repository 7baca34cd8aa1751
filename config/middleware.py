"""The interface language is the one the user chose, else Dutch.

Django's LocaleMiddleware would follow the browser's Accept-Language; a shared record used
on borrowed tablets and hospital PCs should not switch language by itself, so only the
user's own choice (the language cookie set by the switch in the header) counts."""

import re
import time
import uuid

from django.conf import settings
from django.utils import translation

from network import access, audit
from network.audit import current_request_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID when it sends a sane one), shown
    in the response header and written on every access-log event of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            # the request's reads: one access-log event per record shown (issue 16)
            with audit.one_request():
                response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


class AccessRefusalMiddleware:
    """Log every refused access (404 outside the network, 403 inside it) once, after the
    view's transaction has rolled back; Django then renders the 404 or 403 as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, access.DossierNotFound | access.AccessDenied):
            access.log_refusal(request.user, exception)


class IdleTimerMiddleware:
    """The session ends after ``SESSION_COOKIE_AGE`` without a request. Django would save
    the session on every request to push its end back (an UPDATE and a second COMMIT per
    page); this saves it at most once a minute (``IDLE_REFRESH_SECONDS``): the end moves
    with the user's activity to within that minute. A session nobody signed in to is never
    created or written here. Placed after SessionMiddleware: its answer passes here first."""

    REFRESHED = "_idle_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or not session.session_key:
            return response  # nothing to refresh, or it is being saved anyway
        if not session.get("_auth_user_id"):
            return response
        now = int(time.time())
        if now - session.get(self.REFRESHED, 0) >= settings.IDLE_REFRESH_SECONDS:
            session[self.REFRESHED] = now  # saved by SessionMiddleware, with a new expiry
        return response
