"""Bad input to every write of the API: a NUL byte or a lone surrogate in every field (and
inside JSON documents), 100,000 characters in every text field, the years 1 and 9999 in
every date — a 4xx naming the field, never a 5xx, and nothing saved.

The fields are walked from the routes' own input serializers, so a field added later is
tried too."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from careplan import content
from careplan.models import PlanVersion
from dossier import serializers as api_serializers
from dossier.entries import KINDS
from dossier.entry_api import entry_serializer
from dossier.models import Dossier, Measurement, Newborn, Screening
from network.models import Membership
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

BAD_CHARACTERS = {"nul": "a\x00b", "surrogate": "a\ud800b"}
LONG = "x" * 100_000


def now(minutes=10):
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


def today():
    return timezone.localdate().isoformat()


# (route, persona, method, path under the dossier, valid body, serializer, rows written)
def _entry_routes():
    bodies = {
        "consultations": {"consulted_on": today},
        "prenatal-labs": {"test": "hbsag", "taken_on": today, "result": "negative"},
        "psychosocial-anamnesis": {"interviewed_on": today},
        "short-stay": {"assessed_on": today, "decision": "eligible"},
        "discharge": {},
        "home-visits": {"visited_at": now},
        "phone-contacts": {
            "started_at": now,
            "duration_minutes": 5,
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
        },
        "admissions": {
            "patient": "mother",
            "admitted_on": today,
            "hospital": "AZ Groeninge",
            "reason": "infection",
        },
        "home-help-need": {},
        "own-observations": {"kind": "temperature", "noted_at": now, "value": "37.0"},
    }
    routes = []
    for kind in KINDS.values():
        persona = "mother" if kind.model.WRITER == "mother" else "coordinator"
        routes.append(
            (
                kind.api_name,
                persona,
                "PUT" if kind.single else "POST",
                f"{kind.api_name}/",
                bodies.get(kind.api_name),
                entry_serializer(kind),
                kind.model,
            )
        )
    return routes


ROUTES = [
    *_entry_routes(),
    ("dossier", "coordinator", "PATCH", "", {}, api_serializers.DossierUpdateSerializer, Dossier),
    (
        "newborn",
        "coordinator",
        "POST",
        "newborns/",
        None,
        api_serializers.NewbornInputSerializer,
        Newborn,
    ),
    (
        "measurement",
        "coordinator",
        "POST",
        "newborns/{newborn}/measurements/",
        {"measured_at": now, "weight_g": 3200},
        api_serializers.MeasurementInputSerializer,
        Measurement,
    ),
    (
        "screening",
        "coordinator",
        "POST",
        "newborns/{newborn}/screenings/",
        {"kind": "hearing", "done_at": now, "result": "normal"},
        api_serializers.ScreeningInputSerializer,
        Screening,
    ),
]


def _body(body):
    return {name: value() if callable(value) else value for name, value in (body or {}).items()}


def _url(network, path):
    return f"/api/dossiers/{network.a.public_id}/" + path.format(newborn=network.newborn.public_id)


def _writable(serializer_class):
    return {name: field for name, field in serializer_class().fields.items() if not field.read_only}


def _snapshot(model):
    return sorted(model.objects.values_list("pk", "updated_at"))


def _cases(select, *, with_body: bool = False):
    """(route, field) for every writable field ``select`` picks; ``with_body``: only routes
    with a valid body to put the field in."""
    return [
        pytest.param(route, name, id=f"{route[0]}-{name}")
        for route in ROUTES
        for name, field in _writable(route[5]).items()
        if select(field) and not (with_body and route[4] is None)
    ]


def _refused(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in response.json(), response.json()


@pytest.mark.parametrize("bad", BAD_CHARACTERS.values(), ids=BAD_CHARACTERS)
@pytest.mark.parametrize(("route", "field"), _cases(lambda field: True))
def test_a_nul_or_a_lone_surrogate_in_any_field_is_400_naming_it(network, send, route, field, bad):
    _name, persona, method, path, body, _serializer, model = route
    before = _snapshot(model)
    response = send(persona, method, _url(network, path), {**_body(body), field: bad})
    _refused(response, field)
    assert _snapshot(model) == before


def _is_text(field):
    return type(field) in (serializers.CharField, api_serializers.InszField)


@pytest.mark.parametrize(("route", "field"), _cases(_is_text))
def test_100000_characters_in_any_text_field_is_400_naming_it(network, send, route, field):
    _name, persona, method, path, body, _serializer, model = route
    before = _snapshot(model)
    response = send(persona, method, _url(network, path), {**_body(body), field: LONG})
    _refused(response, field)
    assert _snapshot(model) == before


def test_every_text_field_of_the_api_is_bounded_like_its_form():
    """The bound the API applies is the model field's, which the page's form applies too."""
    for kind in KINDS.values():
        form_fields = kind.form.base_fields
        for name, field in _writable(entry_serializer(kind)).items():
            if _is_text(field) and name in form_fields:
                assert field.max_length == form_fields[name].max_length, (kind.api_name, name)
                assert field.max_length is not None


def _is_date(field):
    return isinstance(field, serializers.DateField | serializers.DateTimeField)


YEARS = {
    "year-1": ("0001-01-01", "0001-01-01T00:00:00"),
    "year-1-offset": ("0001-01-01", "0001-01-01T00:30:00+05:00"),
    "year-9999": ("9999-12-31", "9999-12-31T23:59:59"),
    "year-9999-offset": ("9999-12-31", "9999-12-31T23:59:59-12:00"),
}


@pytest.mark.parametrize("year", YEARS.values(), ids=YEARS)
@pytest.mark.parametrize(("route", "field"), _cases(_is_date, with_body=True))
def test_the_years_1_and_9999_in_any_date_are_400_naming_it(network, send, route, field, year):
    _name, persona, method, path, body, serializer, model = route
    value = (
        year[1] if isinstance(_writable(serializer)[field], serializers.DateTimeField) else year[0]
    )
    source = _writable(serializer)[field].source
    name = source.split(".")[-1] if source else field
    before = _snapshot(model)
    response = send(persona, method, _url(network, path), {**_body(body), field: value})
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in response.json() or name in response.json(), response.json()
    assert _snapshot(model) == before


def test_a_phone_contact_of_1830_on_a_nine_week_pregnancy_is_refused(network, send):
    nine_weeks = DossierFactory(
        coordinator=network.users["coordinator"],
        last_menstrual_period=timezone.localdate() - datetime.timedelta(weeks=9),
    )
    response = send(
        "coordinator",
        "POST",
        f"/api/dossiers/{nine_weeks.public_id}/phone-contacts/",
        {
            "started_at": "1830-05-01T10:00:00",
            "duration_minutes": 5,
            "caller": "mother",
            "reason": "baby_feeding",
            "outcome": "advice",
        },
    )
    _refused(response, "started_at")  # named with the pregnancy's start, not "before 1850"
    start = nine_weeks.last_menstrual_period - datetime.timedelta(days=28)
    assert start.strftime("%d-%m-%Y") in response.json()["started_at"][0]
    # the start of the pregnancy, minus the margin, is allowed; a day before it is not
    start = nine_weeks.last_menstrual_period - datetime.timedelta(days=28)
    for day, status in ((start - datetime.timedelta(days=1), 400), (start, 201)):
        response = send(
            "coordinator",
            "POST",
            f"/api/dossiers/{nine_weeks.public_id}/phone-contacts/",
            {
                "started_at": f"{day.isoformat()}T12:00:00",
                "duration_minutes": 5,
                "caller": "mother",
                "reason": "baby_feeding",
                "outcome": "advice",
            },
        )
        assert response.status_code == status, response.json()


def test_a_weighing_before_the_birth_is_refused(network, send):
    born = network.a.delivery.born_at
    response = send(
        "coordinator",
        "POST",
        _url(network, "newborns/{newborn}/measurements/"),
        {"measured_at": (born - datetime.timedelta(days=2)).isoformat(), "weight_g": 3200},
    )
    _refused(response, "measured_at")
    assert not Measurement.objects.exists()


def test_a_planned_visit_years_ahead_is_refused(network, send):
    response = send(
        "coordinator",
        "POST",
        _url(network, "home-visits/"),
        {"visited_at": now(), "next_visit_at": "2999-01-01T10:00:00"},
    )
    _refused(response, "next_visit_at")


# --- the care plan: a JSON document ---------------------------------------------------------


def _plan(network, **changes):
    plan = content.empty_plan()
    plan.update(changes)
    return plan


PLAN_PATHS = {
    "preferences.visitors": lambda bad: {
        "preferences": {"stay": "short", "feeding": "breast", "visitors": bad}
    },
    "expected_course": lambda bad: {"expected_course": bad},
    "appointments.0.note": lambda bad: {
        "appointments": [
            {
                **content.new_appointment("paediatric", timezone.localdate(), timezone.localdate()),
                "note": bad,
            }
        ]
    },
}


@pytest.mark.parametrize("bad", [*BAD_CHARACTERS.values(), LONG], ids=[*BAD_CHARACTERS, "100000"])
@pytest.mark.parametrize("path", PLAN_PATHS)
def test_bad_text_anywhere_in_the_care_plan_is_400_naming_its_path(network, send, path, bad):
    body = _plan(network, **PLAN_PATHS[path](bad))
    response = send("coordinator", "PUT", _url(network, "careplan/"), body, HTTP_IF_MATCH='"v0"')
    _refused(response, path)
    assert not PlanVersion.objects.exists()


@pytest.mark.parametrize("bad", BAD_CHARACTERS.values(), ids=BAD_CHARACTERS)
def test_a_bad_character_in_a_key_of_the_plan_is_refused(network, send, bad):
    body = _plan(network, checklist={bad: True})
    response = send("coordinator", "PUT", _url(network, "careplan/"), body, HTTP_IF_MATCH='"v0"')
    assert response.status_code == 400
    assert any(key.startswith("checklist.") for key in response.json())
    assert not PlanVersion.objects.exists()


def test_the_plan_check_itself_refuses_what_postgres_cannot_store(network):
    """For a caller that is not a request (a task, the shell): the service's own check."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        content.check(_plan(network, expected_course="a\x00b"), members=set())
    assert "expected_course" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        content.check(_plan(network, expected_course="x" * 3001), members=set())
    assert "expected_course" in refused.value.message_dict


# --- refusals keyed by the field they are about ----------------------------------------------


def test_refusals_about_one_field_are_keyed_by_it(network, send):
    base = f"/api/dossiers/{network.a.public_id}/"
    from network.models import Profession
    from tests.factories import ProfessionalFactory

    physio = ProfessionalFactory(profession=Profession.PHYSIOTHERAPIST)
    response = send(
        "coordinator",
        "POST",
        base + "memberships/",
        {"professional": str(physio.public_id), "role": "gp"},
    )
    _refused(response, "role")
    response = send(
        "mother",
        "POST",
        base + "consent/",
        {"section": "psychosocial", "level": 1, "role": "maternity_assistant"},
    )
    _refused(response, "level")
    response = send("mother", "POST", base + "consent/", {"section": "identity", "level": 1})
    _refused(response, "role")
    response = send(
        "coordinator",
        "PUT",
        base + "careplan/",
        _plan(network, discharge_notify=["someone"]),
        HTTP_IF_MATCH='"v0"',
    )
    _refused(response, "discharge_notify")
    gp = Membership.objects.get(dossier=network.a, professional__user=network.users["gp"])
    response = send(
        "coordinator", "POST", base + f"memberships/{gp.public_id}/end/", {"reason": "zomaar"}
    )
    _refused(response, "reason")
