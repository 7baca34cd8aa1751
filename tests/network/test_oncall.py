"""Who answers tonight (R12, R13, R34): an organisation's on-call rota — its rules (no
overlap, said on the field "start", and guaranteed by the database; a shift that is over
is kept; only the organisation's professionals keep it), the one rule for who is on call
for a record now at the edges of a shift, the maternity ward contact, and the page (who may
open it, the week view, the empty state, Belgian time, bad input as a 4xx naming the
field)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from network import oncall
from network.models import OnCallShift, Organisation, OrganisationKind, Professional
from tests.conftest import sign_in_verified
from tests.factories import ProfessionalFactory, join
from tests.personas import build_network

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
H = datetime.timedelta(hours=1)


def at(text: str) -> datetime.datetime:
    """A moment typed in Belgian time, e.g. "2030-01-14 08:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def next_day(month: int, day: int) -> datetime.date:
    """The next such date after today (within a year: the rota takes a year ahead)."""
    today = timezone.localdate()
    date = today.replace(month=month, day=day)
    return date if date > today else date.replace(year=today.year + 1)


def last_sunday_of_march() -> datetime.date:
    """The next night the clocks go forward (02:00 → 03:00 in Brussels)."""
    end = next_day(3, 31)
    return end - datetime.timedelta(days=(end.weekday() + 1) % 7)


@pytest.fixture
def net():
    """Griet (coordinator) and Olivia (a midwife outside the network) work at one practice;
    the GP Karim at his own; Anne (paediatrician, a member) at the maternity ward where the
    mother gave birth."""
    network = build_network()
    practice = Organisation.objects.create(
        name="Vroedvrouwenpraktijk De Wieg",
        kind=OrganisationKind.MIDWIFE_PRACTICE,
        phone="09 222 22 22",
    )
    gp_practice = Organisation.objects.create(
        name="Huisartsenpraktijk Brugse Poort", kind=OrganisationKind.GP_PRACTICE
    )
    ward = Organisation.objects.create(
        name="UZ Gent – materniteit", kind=OrganisationKind.MATERNITY_WARD
    )
    for persona, organisation, phone in (
        ("coordinator", practice, "0470 11 22 33"),
        ("outsider", practice, "0470 99 88 77"),
        ("gp", gp_practice, ""),
        ("paediatrician", ward, ""),
    ):
        professional = network.users[persona].professional
        professional.organisation, professional.phone = organisation, phone
        professional.save()
    network.practice, network.gp_practice, network.ward = practice, gp_practice, ward
    return network


def shift(organisation, user, start, end, phone=""):
    return OnCallShift.objects.create(
        organisation=organisation, professional=user.professional, start=start, end=end, phone=phone
    )


def olivia_on_call(net, start, end, phone=""):
    return shift(net.practice, net.users["outsider"], start, end, phone)


# --- who is on call for a record now ------------------------------------------------------


def test_the_shift_covers_its_start_and_not_its_end(net):
    olivia_on_call(net, at("2030-01-14 20:00"), at("2030-01-15 08:00"))
    cases = {
        "2030-01-14 19:59:59": "griet",
        "2030-01-14 20:00": "olivia",
        "2030-01-15 07:59:59": "olivia",
        "2030-01-15 08:00": "griet",
    }
    for moment, expected in cases.items():
        now = oncall.on_call_now(net.a, now=at(moment))
        assert now.professional.user.username == expected, moment
        assert (now.shift is None) == (expected == "griet")  # the coordinator: no shift


def test_the_next_shift_takes_over_at_the_very_moment_the_previous_one_ends(net):
    olivia_on_call(net, at("2030-01-14 08:00"), at("2030-01-14 20:00"))
    shift(net.practice, net.users["coordinator"], at("2030-01-14 20:00"), at("2030-01-15 08:00"))
    assert (
        oncall.on_call_now(net.a, now=at("2030-01-14 20:00")).professional.user.username == "griet"
    )
    assert (
        oncall.on_call_now(net.a, now=at("2030-01-14 19:59")).professional.user.username == "olivia"
    )


def test_the_coordinator_s_organisation_first_then_a_midwife_s_then_the_coordinator(net):
    # a midwife of the network at another practice, with its own rota
    other = Organisation.objects.create(
        name="Praktijk Zeventien", kind=OrganisationKind.MIDWIFE_PRACTICE
    )
    midwife = ProfessionalFactory(user__username="mira", organisation=other).user
    join(net.a, midwife)
    moment = at("2030-02-01 03:00")
    shift(other, midwife, moment - H, moment + H, phone="0488 00 00 01")
    assert oncall.on_call_now(net.a, now=moment).professional.user.username == "mira"
    olivia_on_call(net, moment - H, moment + H)
    assert oncall.on_call_now(net.a, now=moment).professional.user.username == "olivia"
    # the GP's practice has a rota too, but a GP's organisation is not the mother's cover
    shift(net.gp_practice, net.users["gp"], moment + 2 * H, moment + 3 * H)
    assert oncall.on_call_now(net.a, now=moment + 2 * H).shift is None


def test_the_number_to_call_is_the_shift_s_then_the_professional_s_then_the_practice_s(net):
    moment = at("2030-03-01 12:00")
    olivia = olivia_on_call(net, moment - H, moment + H, phone="0499 12 34 56")
    assert oncall.on_call_now(net.a, now=moment).phone == "0499 12 34 56"
    OnCallShift.objects.filter(pk=olivia.pk).update(phone="")
    assert oncall.on_call_now(net.a, now=moment).phone == "0470 99 88 77"
    Professional.objects.filter(user=net.users["outsider"]).update(phone="")
    assert oncall.on_call_now(net.a, now=moment).phone == "09 222 22 22"


def test_a_record_whose_coordinator_has_no_organisation_falls_back_to_her(net):
    coordinator = net.users["coordinator"].professional
    coordinator.organisation = None
    coordinator.save()
    olivia_on_call(net, timezone.now() - H, timezone.now() + H)
    now = oncall.on_call_now(net.a)
    assert now.professional == coordinator and now.shift is None
    assert now.phone == "0470 11 22 33"


def test_the_ward_contact_of_the_delivery_hospital_then_the_coordinator_s_then_a_member_s(net):
    net.a.delivery.maternity_ward = "az sint-jan brugge – materniteit "
    net.a.delivery.save()
    assert oncall.ward_contact(net.a) is None  # nobody has a contact
    Organisation.objects.filter(pk=net.ward.pk).update(ward_phone="09 332 21 11")
    assert oncall.ward_contact(net.a) == net.ward  # Anne's ward (a member's)
    Organisation.objects.filter(pk=net.practice.pk).update(ward_email="wacht@dewieg.example")
    assert oncall.ward_contact(net.a) == net.practice  # the coordinator's first
    hospital = Organisation.objects.create(
        name="AZ Sint-Jan Brugge – materniteit",
        kind=OrganisationKind.MATERNITY_WARD,
        ward_phone="050 45 21 11",
    )
    assert oncall.ward_contact(net.a) == hospital  # where she gave birth, first of all


# --- keeping the rota ----------------------------------------------------------------------


def new_shift(net, start, end, persona="outsider", **values):
    return OnCallShift(
        organisation=net.practice,
        professional=net.users[persona].professional,
        start=start,
        end=end,
        **values,
    )


def test_an_overlapping_shift_is_refused_on_the_field_start(net):
    griet = net.users["coordinator"]
    now = at("2030-04-01 00:00")
    oncall.shift_save(
        actor=griet, shift=new_shift(net, at("2030-04-01 08:00"), at("2030-04-01 20:00")), now=now
    )
    with pytest.raises(ValidationError) as refused:
        oncall.shift_save(
            actor=griet,
            shift=new_shift(
                net, at("2030-04-01 19:00"), at("2030-04-02 08:00"), persona="coordinator"
            ),
            now=now,
        )
    assert list(refused.value.error_dict) == ["start"]
    assert refused.value.error_dict["start"][0].code == "overlap"
    # touching is no overlap: the next one begins when the first ends
    oncall.shift_save(
        actor=griet,
        shift=new_shift(net, at("2030-04-01 20:00"), at("2030-04-02 08:00"), persona="coordinator"),
        now=now,
    )
    # another organisation's shift at the same time is no overlap either
    oncall.shift_save(
        actor=net.users["gp"],
        now=now,
        shift=OnCallShift(
            organisation=net.gp_practice,
            professional=net.users["gp"].professional,
            start=at("2030-04-01 08:00"),
            end=at("2030-04-01 20:00"),
        ),
    )
    assert OnCallShift.objects.count() == 3


def test_the_database_refuses_an_overlap_that_skips_the_service(net):
    olivia_on_call(net, at("2030-04-01 08:00"), at("2030-04-01 20:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        olivia_on_call(net, at("2030-04-01 12:00"), at("2030-04-01 13:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        olivia_on_call(net, at("2030-04-01 12:00"), at("2030-04-01 12:00"))  # no length


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        ("2030-05-01 20:00", "2030-05-01 08:00", "end", "end_before_start"),
        ("2030-05-01 08:00", "2030-05-08 08:01", "end", "too_long"),
        ("2020-05-01 08:00", "2020-05-01 20:00", "end", "past"),
        ("2031-06-01 08:00", "2031-06-01 20:00", "start", "too_far"),
    ],
)
def test_a_shift_s_times_are_checked_on_their_field(net, start, end, field, code):
    with pytest.raises(ValidationError) as refused:
        oncall.shift_save(
            actor=net.users["coordinator"],
            now=at("2030-05-01 00:00"),
            shift=new_shift(net, at(start), at(end)),
        )
    assert refused.value.error_dict[field][0].code == code
    assert not OnCallShift.objects.exists()


def test_a_week_is_the_longest_shift(net):
    oncall.shift_save(
        actor=net.users["coordinator"],
        now=at("2030-05-01 00:00"),
        shift=new_shift(net, at("2030-05-01 08:00"), at("2030-05-08 08:00")),
    )


def test_only_a_professional_of_the_organisation_keeps_its_rota_with_its_own_people(net):
    moment = at("2030-06-01 00:00")
    for persona in ("gp", "mother", "paediatrician"):
        with pytest.raises(PermissionDenied):
            oncall.shift_save(
                actor=net.users[persona],
                now=moment,
                shift=new_shift(net, at("2030-06-01 08:00"), at("2030-06-01 20:00")),
            )
    with pytest.raises(ValidationError) as refused:  # the GP is not of the practice
        oncall.shift_save(
            actor=net.users["coordinator"],
            now=moment,
            shift=new_shift(net, at("2030-06-01 08:00"), at("2030-06-01 20:00"), persona="gp"),
        )
    assert list(refused.value.error_dict) == ["professional"]
    assert not OnCallShift.objects.exists()


def test_a_shift_that_is_over_is_kept_and_one_that_has_begun_is_not_deleted(net):
    griet = net.users["coordinator"]
    done = olivia_on_call(net, at("2030-07-01 08:00"), at("2030-07-01 20:00"))
    done.end = at("2030-07-01 22:00")
    with pytest.raises(ValidationError) as refused:
        oncall.shift_save(actor=griet, shift=done, now=at("2030-07-01 21:00"))
    assert refused.value.code == "over"
    with pytest.raises(ValidationError):
        oncall.shift_delete(actor=griet, shift=done, now=at("2030-07-01 12:00"))
    # a running shift is shortened (not to the past), a future one deleted
    done.end = at("2030-07-01 13:00")
    oncall.shift_save(actor=griet, shift=done, now=at("2030-07-01 12:00"))
    later = olivia_on_call(net, at("2030-07-02 08:00"), at("2030-07-02 20:00"))
    oncall.shift_delete(actor=griet, shift=later, now=at("2030-07-01 12:00"))
    assert list(OnCallShift.objects.values_list("end", flat=True)) == [at("2030-07-01 13:00")]


# --- the page ------------------------------------------------------------------------------

URL = "/wachtdienst/"


def test_the_page_is_for_professionals_of_an_organisation(client, net):
    assert reverse("network:oncall") == URL
    assert client.get(URL).status_code == 302  # anonymous: to the login
    sign_in_verified(client, net.users["mother"])
    assert client.get(URL).status_code == 404
    client.logout()
    loner = ProfessionalFactory(user__username="solo").user  # no organisation
    sign_in_verified(client, loner)
    response = client.get(URL)
    assert response.status_code == 200 and 'id="no-organisation"' in response.content.decode()
    assert client.post(URL, {}).status_code == 200
    assert not OnCallShift.objects.exists()


def test_the_week_s_empty_rota_and_who_is_on_call_now(client, net):
    sign_in_verified(client, net.users["coordinator"])
    page = client.get(URL).content.decode()
    assert 'id="no-shifts"' in page and 'id="nobody-on-call"' in page
    assert reverse("network:oncall") in client.get(reverse("network:inbox")).content.decode()
    olivia_on_call(net, timezone.now() - H, timezone.now() + H, phone="0499 12 34 56")
    page = client.get(URL).content.decode()
    assert 'id="no-shifts"' not in page and "data-on-call-now" in page
    assert "0499 12 34 56" in page


def test_shifts_are_typed_and_shown_in_belgian_time_and_kept_in_utc(client, net):
    sign_in_verified(client, net.users["coordinator"])
    olivia = net.users["outsider"].professional
    winter = next_day(1, 14)
    monday = winter - datetime.timedelta(days=winter.weekday())
    response = client.post(
        URL,
        {
            "professional": olivia.pk,
            "start": f"{winter}T20:00",
            "end": f"{winter + datetime.timedelta(days=1)}T08:00",
            "phone": "",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?week={monday}")
    saved = OnCallShift.objects.get()
    assert saved.start == datetime.datetime.combine(
        winter, datetime.time(19, 0), tzinfo=datetime.UTC
    )  # 20:00 in Brussels, CET
    assert saved.changed_by == net.users["coordinator"]
    summer = next_day(7, 1)  # summer time: 20:00 in Brussels is 18:00 UTC
    client.post(
        URL,
        {
            "professional": olivia.pk,
            "start": f"{summer}T20:00",
            "end": f"{summer + datetime.timedelta(days=1)}T08:00",
        },
    )
    assert OnCallShift.objects.get(start__month=7).start == datetime.datetime.combine(
        summer, datetime.time(18, 0), tzinfo=datetime.UTC
    )
    page = client.get(URL, {"week": (winter + datetime.timedelta(days=2)).isoformat()})
    text = page.content.decode()
    assert f"{winter:%d-%m-%Y} 20:00" in text
    assert f"{winter + datetime.timedelta(days=1):%d-%m-%Y} 08:00" in text


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"start": "{d}T12:00", "end": "{d}T22:00"}, "start", "overlap"),
        ({"start": "{dst}T02:30", "end": "{dst}T08:00"}, "start", "ambiguous_timezone"),  # no 02:30
        ({"start": "gisteren", "end": "{d}T08:00"}, "start", "invalid"),
        ({"start": "{d}T20:00", "end": "{d}T08:00"}, "end", None),
        ({"start": "{d}T20:00", "end": "{d}T23:00", "phone": "bel me"}, "phone", "phone_format"),
        (
            {"start": "{d}T20:00", "end": "{d}T23:00", "professional": "x"},
            "professional",
            "invalid_choice",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, net, values, field, code):
    day = next_day(1, 14)
    olivia_on_call(net, at(f"{day} 08:00"), at(f"{day} 20:00"))
    sign_in_verified(client, net.users["coordinator"])
    data = {
        "professional": net.users["coordinator"].professional.pk,
        **{name: value.format(d=day, dst=last_sunday_of_march()) for name, value in values.items()},
    }
    response = client.post(URL, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    if code:
        assert response.context["form"].errors.as_data()[field][0].code == code
    assert f'id="id_{field}_error"' in response.content.decode()
    assert OnCallShift.objects.count() == 1


def test_a_bad_week_is_a_400_naming_it(client, net):
    sign_in_verified(client, net.users["coordinator"])
    response = client.get(URL, {"week": "volgende"})
    assert response.status_code == 400 and response.context["week_error"].startswith("Week")


def test_the_week_is_paginated(client, net):
    monday = at("2030-09-02 00:00")
    OnCallShift.objects.bulk_create(
        [
            OnCallShift(
                organisation=net.practice,
                professional=net.users["outsider"].professional,
                start=monday + n * H,
                end=monday + (n + 1) * H,
            )
            for n in range(60)
        ]
    )
    sign_in_verified(client, net.users["coordinator"])
    first = client.get(URL, {"week": "2030-09-04"})
    assert len(first.context["page"].object_list) == 50 and first.context["page"].has_next()
    second = client.get(URL, {"week": "2030-09-04", "page": 2})
    assert len(second.context["page"].object_list) == 10
    assert len(client.get(URL, {"week": "2030-09-09"}).context["page"].object_list) == 0


def test_change_and_delete_a_shift_and_not_another_organisation_s(client, net):
    future = timezone.now() + 48 * H
    olivia = olivia_on_call(net, future, future + 12 * H)
    theirs = shift(net.gp_practice, net.users["gp"], future, future + 12 * H)
    sign_in_verified(client, net.users["coordinator"])
    edit = reverse("network:oncall_shift", args=[olivia.public_id])
    assert client.get(edit).status_code == 200
    new_end = timezone.localtime(future + 10 * H).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        edit,
        {
            "professional": olivia.professional_id,
            "start": timezone.localtime(future).strftime("%Y-%m-%dT%H:%M"),
            "end": new_end,
            "phone": "0499 00 00 00",
        },
    )
    assert response.status_code == 302
    olivia.refresh_from_db()
    assert olivia.phone == "0499 00 00 00"
    assert client.get(reverse("network:oncall_shift", args=[theirs.public_id])).status_code == 404
    delete = reverse("network:oncall_shift_delete", args=[theirs.public_id])
    assert client.post(delete).status_code == 404
    assert (
        client.get(reverse("network:oncall_shift_delete", args=[olivia.public_id])).status_code
        == 405
    )
    assert (
        client.post(reverse("network:oncall_shift_delete", args=[olivia.public_id])).status_code
        == 302
    )
    assert list(OnCallShift.objects.all()) == [theirs]


def test_the_ward_contact_is_kept_on_the_page(client, net):
    sign_in_verified(client, net.users["coordinator"])
    url = reverse("network:oncall_ward")
    response = client.post(url, {"ward_phone": "bel", "ward_email": "geen adres"})
    assert response.status_code == 400
    assert set(response.context["ward_form"].errors) == {"ward_phone", "ward_email"}
    assert client.post(url, {"ward_phone": "09 332 21 11", "ward_email": ""}).status_code == 302
    net.practice.refresh_from_db()
    assert net.practice.ward_phone == "09 332 21 11"
    client.logout()
    sign_in_verified(client, net.users["mother"])
    assert client.post(url, {"ward_phone": "09 000 00 00"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_overlapping_shifts_at_once_save_one(net):
    """Griet and Olivia each add a shift for the same night at the same moment: the lock on
    the organisation makes them take turns, so one is saved and the other is told why."""
    import threading

    from django.db import connection

    barrier, outcomes = threading.Barrier(2), []
    night = at("2030-08-01 20:00")

    def add(persona):
        try:
            actor = net.users[persona]
            barrier.wait(timeout=10)
            oncall.shift_save(
                actor=actor,
                now=at("2030-08-01 00:00"),
                shift=new_shift(net, night, night + 12 * H, persona=persona),
            )
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(list(error.error_dict))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(p,)) for p in ("coordinator", "outsider")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes, key=str) == [["start"], "saved"]
    assert OnCallShift.objects.count() == 1
