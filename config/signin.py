"""Who must give a second factor, and the middleware that holds them to it.

Signing in is the password (Django's LoginView, watched by django-axes) and then, for whoever
must verify, a 6-digit code from an authenticator app (django-otp, TOTP):

- a professional (``network.access.is_care_provider``) and a staff account (the admin at
  /beheer/) always; without a confirmed device they first set one up;
- any other account, a mother for instance, only once she has confirmed a device herself.

Until the code is given, such a session reaches only the code, set-up and log-out pages,
the language switch and static files; every other page redirects to the code page (keeping
``next``). Under ``/api/`` nothing is redirected: a request carrying a token has no session
and is left to the API's own authentication; a password-only session gets a 403 there."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from network import access

API_PREFIX = "/api/"


def must_verify(user) -> bool:
    """True when this signed-in account needs a second factor before it sees anything."""
    if not user.is_authenticated:
        return False
    return (
        access.is_care_provider(user)
        or user.is_staff
        or user.is_superuser
        or user_has_device(user, confirmed=True)
    )


def is_verified(user) -> bool:
    """Set by django_otp.middleware.OTPMiddleware: this session gave a valid code."""
    return bool(getattr(user, "is_verified", lambda: False)())


class SecondFactorMiddleware:
    """Place after AuthenticationMiddleware and django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not self._open(request.path)
            and not is_verified(user)
            and must_verify(user)
        ):
            if request.path.startswith(API_PREFIX):
                return JsonResponse(
                    {"detail": _("Sign in with your verification code first.")}, status=403
                )
            return redirect_to_login(request.get_full_path(), reverse("signin_code"))
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        """Pages an unverified session may reach."""
        return path in _open_paths() or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


@functools.cache
def _open_paths() -> frozenset[str]:
    """Resolved once per process, not on every request."""
    return frozenset(
        reverse(name)
        for name in (
            "signin_code",
            "signin_setup",
            "logout",
            "set_language",
            "healthz",
            "healthz_live",
            "healthz_ready",
            # the installable app's files hold nothing personal (config/pwa.py): the
            # phone installs them while the second step is still open
            "pwa_manifest",
            "pwa_sw",
            "pwa_offline",
        )
    )


def client_ip(request) -> str | None:
    """The visitor's address as django-axes counts it: REMOTE_ADDR, or, behind
    ``DJANGO_TRUSTED_PROXY_COUNT`` proxies, the address the outermost of them saw."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
