"""An organisation's province is a choice among Belgium's provinces and Brussels, refused
otherwise in the model, the database, the admin's form and the API's serializer (naming
the field); migration 0013 maps the free text stored before to the choice, or leaves it
empty and says so."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from network.models import Organisation, OrganisationKind
from network.serializers import OrganisationSerializer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("network.migrations.0013_organisation_province_choice")


def test_the_model_and_the_database_refuse_a_province_that_is_no_choice():
    service = Organisation(name="Thuishulp", kind=OrganisationKind.HOME_HELP_PRIVATE)
    service.province = "ANT"
    with pytest.raises(ValidationError) as refused:
        service.full_clean()
    assert "province" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        service.save()
    service.province = "VAN"
    service.full_clean()
    service.save()
    Organisation.objects.create(name="Zonder provincie", kind=OrganisationKind.GP_PRACTICE)


def test_the_admin_form_and_the_serializer_name_the_field():
    request = RequestFactory().get("/")
    request.user = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    form_class = admin.site._registry[Organisation].get_form(request)
    data = {"name": "Thuishulp", "kind": OrganisationKind.HOME_HELP_PUBLIC, "language": "nl"}
    form = form_class(data={**data, "province": "Anvers"})
    assert not form.is_valid() and "province" in form.errors
    assert form_class(data={**data, "province": "VAN"}).is_valid()
    serializer = OrganisationSerializer(data={**data, "province": "ANT"})
    assert not serializer.is_valid() and "province" in serializer.errors
    assert OrganisationSerializer(data={**data, "province": ""}).is_valid()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ANT", "VAN"),
        ("Antwerpen", "VAN"),
        ("Anvers", "VAN"),
        ("prov. Antwerpen", "VAN"),
        ("VAN", "VAN"),
        ("lim", "VLI"),
        ("O.-Vl.", "VOV"),
        ("Oost-Vlaanderen", "VOV"),
        ("Flandre orientale", "VOV"),
        ("W-VL", "VWV"),
        ("Vl.-Brabant", "VBR"),
        ("BXL", "BRU"),
        ("Bruxelles", "BRU"),
        ("Liège", "WLG"),
        ("Luik", "WLG"),
        ("Henegouwen", "WHT"),
        ("Namur", "WNA"),
        ("Lux", "WLX"),
        ("Brabant wallon", "WBR"),
        ("NA", ""),  # "not applicable", not Namur
        ("Gent", ""),  # a city, not a province
        ("", ""),
    ],
)
def test_the_migration_reads_the_free_text(text, code):
    assert migration.province_code(text) == code


def test_the_migration_maps_what_it_can_and_reports_the_rest(capsys):
    with connection.cursor() as cursor:  # the table as it was (rolled back with the test)
        cursor.execute(
            "ALTER TABLE network_organisation DROP CONSTRAINT organisation_province_known"
        )
    for name, text in (("A", "ANT"), ("B", "Bxl"), ("C", "XYZ"), ("D", "VOV"), ("E", "")):
        Organisation.objects.create(name=name, kind=OrganisationKind.GP_PRACTICE, province=text)
    migration.to_choice(apps, None)
    assert dict(Organisation.objects.values_list("name", "province")) == {
        "A": "VAN",
        "B": "BRU",
        "C": "",
        "D": "VOV",
        "E": "",
    }
    report = capsys.readouterr().out
    assert "C ('XYZ')" in report and "A (" not in report
