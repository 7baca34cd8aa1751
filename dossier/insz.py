"""The Belgian national register number (INSZ / NISS) and its BIS variant.

Validation is python-stdnum's ``stdnum.be.ssn``; this module adds the messages a person can
act on and the cross-check with a date of birth. Numbers are stored as 11 digits and shown
as ``YY.MM.DD-XXX.CC``."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.be import ssn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def compact_insz(value: str) -> str:
    """Strip the dots, dashes and spaces people type; keep the 11 digits."""
    return ssn.compact(value or "")


def format_insz(value: str) -> str:
    return ssn.format(value) if value else ""


def validate_insz(value: str) -> None:
    """Reject anything that is not a real INSZ or BIS number, saying what is wrong."""
    try:
        ssn.validate(value)
    except InvalidLength:
        raise ValidationError(
            _("The INSZ number must have 11 digits (e.g. 85.07.30-033.28)."), code="insz_length"
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _("The INSZ number may only contain digits, dots, dashes and spaces."),
            code="insz_format",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _(
                "This INSZ number does not exist: its check digits are wrong. "
                "Copy it again from the eID or the ISI+ card."
            ),
            code="insz_checksum",
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _(
                "This INSZ number does not contain a valid date of birth. "
                "Copy it again from the eID or the ISI+ card."
            ),
            code="insz_component",
        ) from None


def insz_birth_date(value: str) -> datetime.date | None:
    """The date of birth the number encodes, or None when it was unknown at issue."""
    return ssn.get_birth_date(compact_insz(value))


def check_insz_matches_birth_date(value: str, birth_date: datetime.date | None) -> None:
    encoded = insz_birth_date(value)
    if encoded is None or birth_date is None or encoded == birth_date:
        return
    raise ValidationError(
        _(
            "The INSZ number belongs to someone born on %(encoded)s, not on %(given)s. "
            "Check the number and the date of birth."
        )
        % {"encoded": encoded.strftime("%d-%m-%Y"), "given": birth_date.strftime("%d-%m-%Y")},
        code="insz_birth_date_mismatch",
    )


def build_insz(birth_date: datetime.date, serial: int) -> str:
    """A valid INSZ for a date of birth and a daily serial (odd for men, even for women).

    The check digits are 97 minus the first nine digits modulo 97, with a leading 2 for
    people born from 2000 on. Used by the demo data, the tests and the benchmark generator."""
    if not 1 <= serial <= 998:
        raise ValueError("serial must be 1..998")
    base = f"{birth_date:%y%m%d}{serial:03d}"
    number = int(("2" + base) if birth_date.year >= 2000 else base)
    return base + f"{97 - number % 97:02d}"
