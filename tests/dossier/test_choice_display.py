"""``get_<field>_display()`` on the record's models keeps each label per field, value and
language (``RecordModel._get_FIELD_display``): the same as Django's for every field with
choices of every model, every choice and a value outside them, in nl, fr and en."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from dossier.models.record import RecordModel


def _fields():
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, RecordModel)
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_there_are_such_fields():
    assert len(_fields()) > 20


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_label_is_django_s(language):
    with translation.override(language):
        for model, field in _fields():
            for value in [*(value for value, _label in field.flatchoices), "no-such-choice"]:
                row = model()
                setattr(row, field.attname, value)
                ours = getattr(row, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(row, field), (model, field, value)
                assert type(ours) is type(models.Model._get_FIELD_display(row, field))


def test_the_label_follows_the_language():
    from dossier.models import DossierStatus
    from dossier.models.record import Dossier

    row = Dossier(status=DossierStatus.CLOSED)
    labels = set()
    for language in ("nl", "fr", "en", "nl"):
        with translation.override(language):
            labels.add((language, row.get_status_display()))
    assert len({label for _language, label in labels}) == 3
