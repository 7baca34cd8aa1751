"""The installable web app (issue 14): a home visit saved without network waits on the phone.

Three answers, none behind the sign-in (the browser fetches them before and after it):

- ``manifest``: ``/manifest.webmanifest``, the web app manifest in the user's language;
- ``service_worker``: ``/sw.js``, static/js/sw.js served from the site's root so that it may
  control every page (``Service-Worker-Allowed: /``), never cached by the browser's HTTP cache
  (``no-cache``: the browser checks for a new version), with a first line naming the files it
  keeps and a version that changes with them;
- ``offline``: the page shown when a page cannot be reached without network. It is rendered
  as for somebody not signed in (no name, no menu): the service worker keeps it for everyone
  who uses this browser. The visits waiting on the phone are listed by static/js/pwa.js from
  the browser's own storage (IndexedDB), never by the server.

What the service worker keeps, and what it does not (privacy): see static/js/sw.js."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# The colours of static/css/app.css (--brand, --bg)
THEME_COLOUR = "#0b6e4f"
BACKGROUND_COLOUR = "#f4f6f8"
ICONS = [
    ("icons/icon-192.png", "192x192", "image/png", "any"),
    ("icons/icon-512.png", "512x512", "image/png", "any"),
    ("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ("favicon.svg", "any", "image/svg+xml", "any"),
]
# The static files kept on the phone for use without network: the site's own (static/),
# not the admin's. The service worker itself is not among them.
KEPT_SUFFIXES = (".css", ".js", ".svg", ".png")
NOT_KEPT = {"js/sw.js"}
SERVICE_WORKER = "js/sw.js"


def _own_static_files() -> list[str]:
    root = Path(settings.STATICFILES_DIRS[0])
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix in KEPT_SUFFIXES
        and path.relative_to(root).as_posix() not in NOT_KEPT
    )


def _read(name: str) -> bytes:
    found = finders.find(name)
    return Path(found).read_bytes() if found else b""


def _static_prefix() -> str:
    url = settings.STATIC_URL
    return url if url.startswith(("/", "http://", "https://")) else "/" + url


@require_safe
def manifest(request):
    response = JsonResponse(
        {
            "id": "/",
            "name": _("Maternity record"),
            "short_name": _("Maternity"),
            "description": _(
                "The maternity record of the mother, her baby and their care network."
            ),
            "lang": get_language(),
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "orientation": "any",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {"src": static(name), "sizes": sizes, "type": kind, "purpose": purpose}
                for name, sizes, kind, purpose in ICONS
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    patch_vary_headers(response, ["Cookie"])  # the language is the one chosen (a cookie)
    return response


@require_safe
def service_worker(request):
    """static/js/sw.js with, on its first line, what it needs to know: the files to keep
    (their URLs as the pages use them, hashed in production) and a version made of their
    contents and the language, so that any change installs the new worker, which then
    keeps the offline page in the language now chosen."""
    names = _own_static_files()
    source = _read(SERVICE_WORKER)
    digest = hashlib.sha256(source)
    for name in names:
        digest.update(name.encode() + b"\0" + _read(name))
    offline_url = reverse("pwa_offline")
    language = get_language()
    digest.update(language.encode() + offline_url.encode())
    config = {
        "version": digest.hexdigest()[:16],
        "language": language,
        "offline": offline_url,
        "precache": [static(name) for name in names],
        "outbox": static("js/pwa-outbox.js"),
        "static": _static_prefix(),
        "login": reverse("login"),
    }
    body = b'"use strict";\nself.MD_CONFIG = ' + json.dumps(config).encode() + b";\n" + source
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
def offline(request):
    # Rendered for nobody in particular: the copy the service worker keeps must not carry
    # the signed-in person's name or menu (it outlives the session on a shared phone).
    request.user = AnonymousUser()
    response = render(request, "pwa/offline.html")
    response["Cache-Control"] = "no-cache"
    return response
