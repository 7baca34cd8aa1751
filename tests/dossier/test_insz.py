import datetime

import pytest
from django.core.exceptions import ValidationError

from dossier.insz import (
    build_insz,
    check_insz_matches_birth_date,
    compact_insz,
    format_insz,
    insz_birth_date,
    validate_insz,
)

BORN = datetime.date(1985, 7, 30)
VALID = "85073003328"  # python-stdnum's own example of a national register number


def bis(number: str, month_offset: int) -> str:
    """The BIS variant of a number: month + 20 (sex unknown) or + 40 (sex known)."""
    base = f"{number[:2]}{int(number[2:4]) + month_offset:02d}{number[4:9]}"
    value = int(base) if number[:2] > "30" else int("2" + base)
    return base + f"{97 - value % 97:02d}"


def test_it_accepts_a_national_register_number():
    validate_insz(VALID)
    assert insz_birth_date(VALID) == BORN


@pytest.mark.parametrize("offset", [20, 40])
def test_it_accepts_a_bis_number_and_reads_its_birth_date(offset):
    number = bis(VALID, offset)
    validate_insz(number)
    assert insz_birth_date(number) == BORN


def test_it_accepts_numbers_of_people_born_from_2000():
    number = build_insz(datetime.date(2026, 11, 20), 4)
    validate_insz(number)
    assert insz_birth_date(number) == datetime.date(2026, 11, 20)


def test_it_rejects_a_bad_checksum_with_a_message_to_act_on():
    with pytest.raises(ValidationError) as caught:
        validate_insz(VALID[:-1] + ("9" if VALID[-1] != "9" else "8"))
    assert caught.value.code == "insz_checksum"
    assert "controlecijfers" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("value", "code"), [("8507300332", "insz_length"), ("8507300332X", "insz_format")]
)
def test_it_rejects_wrong_length_and_letters(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_insz(value)
    assert caught.value.code == code


def test_it_rejects_an_impossible_month():
    base = "851330033"  # month 13
    number = base + f"{97 - int(base) % 97:02d}"
    with pytest.raises(ValidationError) as caught:
        validate_insz(number)
    assert caught.value.code == "insz_component"


def test_it_reports_a_date_of_birth_that_does_not_match():
    with pytest.raises(ValidationError) as caught:
        check_insz_matches_birth_date(VALID, datetime.date(1985, 7, 31))
    assert caught.value.code == "insz_birth_date_mismatch"
    assert "30-07-1985" in caught.value.messages[0]
    assert "31-07-1985" in caught.value.messages[0]


def test_it_does_not_cross_check_a_number_issued_without_a_known_birth_date():
    base = "850030033"  # month 00: birth date unknown when the number was issued
    number = base + f"{97 - int(base) % 97:02d}"
    validate_insz(number)
    check_insz_matches_birth_date(number, datetime.date(1985, 7, 30))


def test_it_compacts_and_formats_as_printed_on_the_eid():
    assert compact_insz(" 85.07.30-033.28 ") == VALID
    assert format_insz(VALID) == "85.07.30-033.28"


def test_build_insz_makes_valid_numbers_with_the_sex_in_the_serial():
    from stdnum.be import ssn

    assert ssn.get_gender(build_insz(BORN, 2)) == "F"
    assert ssn.get_gender(build_insz(BORN, 3)) == "M"
    with pytest.raises(ValueError):
        build_insz(BORN, 999)
