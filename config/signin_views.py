"""The second step of signing in: the code page, the set-up page and the lock-out page.

See ``config.signin`` for who must give a code and what an unverified session may reach."""

from __future__ import annotations

from base64 import b32encode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.signin import is_verified, must_verify

DEVICE_NAME = "authenticator app"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "none",
                "spellcheck": "false",
                "size": 8,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Type the 6 digits your authenticator app shows."))
        return code


def next_url(request) -> str:
    """Where to go once signed in: a safe ``next`` of this site, else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _to(name: str, request) -> str:
    """The URL of that sign-in page, passing ``next`` on."""
    target = request.POST.get("next") or request.GET.get("next")
    if not target:
        return reverse(name)
    query = QueryDict(mutable=True)
    query["next"] = target
    return f"{reverse(name)}?{query.urlencode(safe='/')}"


def _complete(request, device) -> None:
    """The session is now verified by this device; a new session key, as at any login."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _verify(user, devices, code: str) -> tuple[TOTPDevice | None, str]:
    """The device that accepts the code, else None and why not."""
    throttled = True
    for device in devices:
        if not device.verify_is_allowed()[0]:
            continue
        throttled = False
        if django_otp.verify_token(user, device.persistent_id, code):
            return device, ""
    if throttled:
        return None, _("Too many wrong codes in a row. Wait a moment and try again.")
    return None, _(
        "This code is not right or no longer valid. Type the code your authenticator app shows now."
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
def verify_code(request):
    user = request.user
    if is_verified(user) or not must_verify(user):
        return redirect(next_url(request))
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    if not devices:
        return redirect(_to("signin_setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, error = _verify(user, devices, form.cleaned_data["code"])
        if device is not None:
            _complete(request, device)
            return redirect(next_url(request))
        form.add_error("code", error)
    return render(
        request,
        "registration/signin_code.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
def set_up_device(request):
    """Add an authenticator app: required for professionals without one, optional for the
    others. An account that already has a confirmed app cannot add one here."""
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect(next_url(request) if is_verified(user) else _to("signin_code", request))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by(
            "pk"
        ).first() or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["code"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                _complete(request, device)
                return redirect(next_url(request))
            form.add_error(
                "code",
                _(
                    "This code is not right or no longer valid. "
                    "Type the code your authenticator app shows now."
                ),
            )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/signin_setup.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "required": must_verify(user),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr_svg(device.config_url),
        },
    )


def qr_svg(text: str) -> str:
    """An inline SVG QR code: drawn here, nothing fetched from elsewhere."""
    return mark_safe(segno.make(text, error="m").svg_inline(scale=5, border=2))


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a user name has failed too often from one address."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
