"""The demo keeps two-step sign-in usable: fixed, printed secrets and `manage.py totp_code`."""

from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.scenarios import ADMIN_USERNAME, DEMO_PASSWORD, PROFESSIONALS
from demo.totp import demo_device, demo_secret
from tests.auth.helpers import password_login

pytestmark = pytest.mark.django_db

PROFESSIONAL_NAMES = [username for username, *_rest in PROFESSIONALS]


def code_of(username, capsys) -> str:
    capsys.readouterr()
    call_command("totp_code", username)
    return capsys.readouterr().out.strip()


def test_every_demo_professional_has_one_confirmed_device_with_the_printed_secret(capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in [*PROFESSIONAL_NAMES, ADMIN_USERNAME]:
        device = TOTPDevice.objects.get(user__username=username)  # one, not two
        assert device.confirmed
        assert b32decode(demo_secret(username)) == device.bin_key
        assert demo_secret(username) in out
    assert "totp_code" in out


def test_the_secrets_are_fixed_and_differ_per_account():
    assert demo_secret("griet") == demo_secret("griet")
    assert len({demo_secret(name) for name in PROFESSIONAL_NAMES}) == len(PROFESSIONAL_NAMES)
    assert len(demo_secret("griet")) == 32


def test_demo_mothers_have_no_device():
    call_command("load_demo")
    for mother in ("an", "fatima", "lotte"):
        assert not TOTPDevice.objects.filter(user__username=mother).exists()


def test_totp_code_prints_a_code_that_signs_the_demo_professional_in(client, capsys):
    call_command("load_demo")
    code = code_of("griet", capsys)
    assert len(code) == 6 and code.isdigit()
    password_login(client, "griet", DEMO_PASSWORD)
    response = client.post(reverse("signin_code"), {"code": code})
    assert response.status_code == 302
    assert client.get("/dossiers/").status_code == 200


def test_a_second_sign_in_within_30_seconds_gets_a_fresh_code(client, capsys):
    call_command("load_demo")
    codes = []
    for _ in range(2):
        codes.append(code_of("karim", capsys))
        password_login(client, "karim", DEMO_PASSWORD)
        assert client.post(reverse("signin_code"), {"code": codes[-1]}).status_code == 302
        client.post(reverse("logout"))
    assert codes[0] != codes[1]


def test_totp_code_refuses_accounts_without_a_demo_device(capsys):
    call_command("load_demo")
    for username in ("an", "nobody"):
        with pytest.raises(CommandError, match="no demo authenticator"):
            call_command("totp_code", username)
    # A real device (another key) is no demo device either.
    device = demo_device("griet")
    device.key = "00" * 20
    device.save()
    with pytest.raises(CommandError):
        call_command("totp_code", "griet")


def test_totp_code_refuses_in_production(settings):
    call_command("load_demo")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("totp_code", "griet")
