"""The demo's authenticator apps: each demo professional (and the demo administrator) has a
confirmed TOTP device whose secret is derived from the user name, so it is the same on every
machine and can be printed next to the login. Never for a real record: the derivation is
public, which is exactly why ``load_demo`` and ``totp_code`` refuse to run in production."""

from __future__ import annotations

import hashlib
import time
from base64 import b32encode

from django.contrib.auth.models import User
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "demo authenticator"


def demo_key(username: str) -> bytes:
    """20 bytes (160 bits, as RFC 4226 advises) fixed by the user name."""
    return hashlib.sha256(f"moederschapsdossier demo TOTP {username}".encode()).digest()[:20]


def demo_secret(username: str) -> str:
    """The base32 secret a person types into an authenticator app."""
    return b32encode(demo_key(username)).decode()


def ensure_demo_device(user: User) -> TOTPDevice:
    """The user's confirmed demo device, created once (loading twice adds nothing)."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=DEVICE_NAME,
        defaults={"key": demo_key(user.username).hex(), "confirmed": True},
    )
    return device


def demo_device(username: str) -> TOTPDevice | None:
    """The demo device of this account, if it has one with the printed secret."""
    return TOTPDevice.objects.filter(
        user__username=username, name=DEVICE_NAME, confirmed=True, key=demo_key(username).hex()
    ).first()


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now. A code is accepted only once, so if the
    current one was used already (a second sign-in within 30 seconds), the next one, which
    the record accepts as well (one step of tolerance for clocks that run ahead)."""
    now = (int(time.time()) - device.t0) // device.step
    centre = now + device.drift
    window = range(centre - device.tolerance, centre + device.tolerance + 1)
    usable = [t for t in window if t > device.last_t]
    if not usable:
        raise ValueError("Every code of this moment was used already: wait 30 seconds.")
    t = now if now in usable else usable[0]
    return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"
