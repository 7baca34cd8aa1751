"""Signing in through the pages, as a browser would, for the sign-in tests."""

from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def add_device(user, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or that many steps later)."""
    import time

    t = (int(time.time()) - device.t0) // device.step + steps_ahead
    return f"{hotp(device.bin_key, t, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code the device refuses: none of the ones its tolerance accepts."""
    accepted = {code_for(device, step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in accepted)


def password_login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session
