"""Retention: a closed record past its period is pseudonymised under a recorded decision —
the mother's identity and the notes gone from the record and from its change history, the
access log still verifying, the eBirth registration already sent untouched — and a record
under legal hold, still within its period or whose mother has a younger record, is refused.
The history's guard lets only that scrub through."""

import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connection, models, transaction

from dossier import retention
from dossier.models import Dossier, DossierStatus, EntryChange, Mother, Newborn
from dossier.models.own import Comment
from dossier.models.record import RetentionAction, RetentionDecision
from ebirth import export
from ebirth.models import ExportedMessage
from network import audit
from network.models import AccessEvent
from tests.ebirth.conftest import complete_birth
from tests.factories import DossierFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EBIRTH_EXPORT_DIR = tmp_path / "ebirth"


@pytest.fixture
def admin():
    return UserFactory(username="dpo", is_staff=True)


def close(dossier):
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.CLOSED)
    dossier.refresh_from_db()


def history_text(dossier, mother):
    return " ".join(
        str(c.old_values) + str(c.new_values)
        for c in EntryChange.objects.filter(
            models.Q(dossier_id=dossier.pk)
            | models.Q(table_name="dossier_mother", row_id=mother.pk)
        )
    )


def a_registered_closed_record(admin):
    """A birth sent to eBirth, read by a professional, with notes, later corrected, closed."""
    [newborn] = complete_birth(newborn={"given_name": "Lowieke"})
    dossier = newborn.dossier
    mother = dossier.mother
    Mother.objects.filter(pk=mother.pk).update(phone="0470 12 34 56", email="an@example.be")
    Mother.objects.filter(pk=mother.pk).update(family_name="Verhulst-Peeters")  # history
    Dossier.objects.filter(pk=dossier.pk).update(risk_notes="moeilijke thuissituatie")
    Comment.objects.create(
        dossier=dossier,
        section="prenatal",
        entry_id=uuid.uuid4(),
        author=admin,
        text="woont bij haar zus in de Veldstraat",
    )
    export.export(scheduled=True)
    audit.record_read(admin, dossier, ["identity"])
    close(dossier)
    mother.refresh_from_db()
    return dossier, mother, newborn


def test_a_record_past_its_period_is_pseudonymised_under_a_recorded_decision(
    settings, admin, capsys
):
    settings.RETENTION_YEARS = 0  # closed a moment ago is past a period of 0 years
    dossier, mother, newborn = a_registered_closed_record(admin)
    sent = list(ExportedMessage.objects.values_list("content", "content_hash"))
    assert sent and "Verhulst-Peeters" in str(sent)
    old = (mother.given_name, mother.insz)
    assert "Verhulst-Peeters" in history_text(dossier, mother)

    call_command("retention")
    assert f"{dossier.public_id}" in capsys.readouterr().out
    call_command(
        "retention",
        pseudonymise=True,
        decided_by="dpo",
        reason="30 jaar na afsluiten (beslissing DPO 2056/14)",
    )

    mother.refresh_from_db()
    dossier.refresh_from_db()
    assert mother.family_name == f"P-{mother.public_id.hex[:8]}"
    assert (
        mother.given_name,
        mother.insz,
        mother.phone,
        mother.email,
        mother.street_address,
        mother.municipality,
    ) == ("Pseudoniem", "", "", "", "", "")
    assert mother.date_of_birth.month == mother.date_of_birth.day == 1
    assert Newborn.objects.get(pk=newborn.pk).given_name == ""
    assert dossier.risk_notes == retention.REMOVED and dossier.pseudonymised_at
    assert Comment.objects.get(dossier=dossier).text == retention.REMOVED
    decision = RetentionDecision.objects.get(dossier=dossier)
    assert (decision.action, decision.decided_by, decision.reason) == (
        RetentionAction.PSEUDONYMISED,
        admin,
        "30 jaar na afsluiten (beslissing DPO 2056/14)",
    )
    # The history keeps that things changed, not who she was nor what the notes said.
    history = history_text(dossier, mother)
    for secret in (
        *old,
        "Verhulst-Peeters",
        "an@example.be",
        "0470 12 34 56",
        "moeilijke thuissituatie",
        "Veldstraat",
        "Lowieke",
    ):
        assert secret not in history
    assert EntryChange.objects.filter(table_name="dossier_mother", row_id=mother.pk).count() >= 3
    # The access log still verifies; what was sent to eBirth is as it was sent.
    assert audit.verify_chain()[1] is None and AccessEvent.objects.exists()
    assert list(ExportedMessage.objects.values_list("content", "content_hash")) == sent
    call_command("verify_access_log")
    # Once is enough: it is no longer listed.
    call_command("retention")
    assert "No closed record" in capsys.readouterr().out


def test_a_record_under_legal_hold_is_refused_and_kept(settings, admin):
    settings.RETENTION_YEARS = 0
    dossier, mother, _newborn = a_registered_closed_record(admin)
    call_command(
        "retention",
        hold=str(dossier.public_id),
        decided_by="dpo",
        reason="klacht bij de ombudsdienst",
    )
    with pytest.raises(CommandError, match="1 of 1 records were refused"):
        call_command(
            "retention",
            pseudonymise=True,
            decided_by="dpo",
            reason="termijn",
            record=[str(dossier.public_id)],
        )
    assert Mother.objects.get(pk=mother.pk).family_name == "Verhulst-Peeters"
    assert list(RetentionDecision.objects.values_list("action", flat=True)) == ["hold"]
    # Listed, with why it is kept; the run without --record passes it by.
    assert retention.past_retention()[0].blocked.startswith("legal hold")
    call_command("retention", pseudonymise=True, decided_by="dpo", reason="termijn")
    assert Dossier.objects.get(pk=dossier.pk).pseudonymised_at is None
    call_command(
        "retention", release=str(dossier.public_id), decided_by="dpo", reason="klacht afgehandeld"
    )
    call_command("retention", pseudonymise=True, decided_by="dpo", reason="termijn")
    assert Mother.objects.get(pk=mother.pk).family_name.startswith("P-")


def test_within_its_period_or_with_a_younger_record_of_hers_it_is_refused(settings, admin):
    settings.RETENTION_YEARS = 30
    dossier = DossierFactory()
    close(dossier)
    assert retention.past_retention() == []
    with pytest.raises(retention.RetentionRefused, match="within its retention period"):
        retention.pseudonymise(dossier, by=admin, reason="te vroeg")
    settings.RETENTION_YEARS = 0
    DossierFactory(mother=dossier.mother)  # her next pregnancy, still open
    with pytest.raises(retention.RetentionRefused, match="still within its retention"):
        retention.pseudonymise(dossier, by=admin, reason="termijn")
    assert not RetentionDecision.objects.exists()


def test_the_command_names_a_missing_decider_or_reason(admin):
    with pytest.raises(CommandError, match="--decided-by"):
        call_command("retention", pseudonymise=True, reason="x")
    with pytest.raises(CommandError, match="no active administrator"):
        call_command("retention", pseudonymise=True, decided_by="nobody", reason="x")
    with pytest.raises(CommandError, match="--reason"):
        call_command("retention", pseudonymise=True, decided_by="dpo")


def test_the_history_stays_append_only_outside_the_scrub(admin):
    dossier = DossierFactory()
    change = EntryChange.objects.filter(dossier_id=dossier.pk).first()
    statements = [
        ("UPDATE dossier_entrychange SET new_values = '{}' WHERE id = %s", False),
        ("DELETE FROM dossier_entrychange WHERE id = %s", True),
        ("UPDATE dossier_entrychange SET reason = 'x' WHERE id = %s", True),
    ]
    for statement, with_guard in statements:
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            if with_guard:  # the guard lets values through, never a delete or another column
                cursor.execute("SELECT set_config('moederschap.retention_scrub', 'on', true)")
            cursor.execute(statement, [change.pk])
    with pytest.raises(RuntimeError, match="only inside pseudonymise"):
        retention.scrub_history_for_retention(dossier, dossier.mother)
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        RetentionDecision.objects.create(
            dossier=dossier, action="hold", decided_by=admin, reason="x"
        )
        RetentionDecision.objects.all().delete()


def test_every_free_text_of_a_record_is_emptied_or_knowingly_kept():
    linked = {"Dossier", "Newborn", "Mother"}
    for model in apps.get_models():
        label = model._meta.label
        to_a_record = label == "dossier.Dossier" or any(
            f.is_relation and f.related_model is not None and f.related_model.__name__ in linked
            for f in model._meta.concrete_fields
        )
        if label == "dossier.Mother" or not to_a_record:
            continue
        texts = {
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.TextField | models.JSONField)
            or (isinstance(f, models.CharField) and f.max_length >= 150)
        }
        covered = set(retention.FREE_TEXT.get(label, ("", ()))[1])
        kept = retention.KEPT_TEXT.get(label, set())
        assert texts <= covered | kept, f"{label}: {texts - covered - kept}"


def test_the_records_past_their_period_are_found_among_more_than_a_statement_can_list(
    settings, monkeypatch
):
    """Nationally, hundreds of thousands of records are closed and not yet pseudonymised;
    their ids go to the server as one array (a statement carries at most 65,535 separate
    values when they travel apart from it, config.database.statement_options)."""
    settings.RETENTION_YEARS = 0
    dossier = DossierFactory()
    close(dossier)
    found = retention.closed_at

    def with_many_more(dossier_ids):
        dates = found(dossier_ids)
        if dossier.pk not in dates:  # asked about her other records
            return dates
        return {**{-n: dates[dossier.pk] for n in range(1, 70_001)}, **dates}

    monkeypatch.setattr(retention, "closed_at", with_many_more)
    assert [due.dossier.pk for due in retention.past_retention()] == [dossier.pk]
