"""The two eBirth-style messages of one birth, as plain data: the birth notification (to
the civil registry, within 24 hours) and the medical statistical form (to the perinatal
registries). Every field is taken from the record (``Birth``); the XML, CSV and FHIR
writers render this content and nothing else, so a mapping lives in one place.

Keys follow the published schema (``ebirth/schema/ebirth.xsd``) in its order; an optional
field that has no value is left out."""

from __future__ import annotations

import hashlib
import json
import uuid

from ebirth.births import Birth
from ebirth.models import MessageKind

# Message ids are derived from the idempotency key, so a rerun writes the same ids.
MESSAGE_NAMESPACE = uuid.UUID("6f1c3a52-2f6e-4a43-9d0b-5a1e0b7c2e11")


def notification(birth: Birth) -> dict:
    """The birth notification: who the mother is, the child's sex, when and where it was
    born, of how many and in which order, alive or stillborn."""
    place = {"placeType": birth.place}
    if birth.maternity_ward:
        place["facility"] = birth.maternity_ward
    return {
        "birthReference": str(birth.newborn_public_id),
        "mother": {
            "insz": birth.mother_insz,
            "givenName": birth.mother_given_name,
            "familyName": birth.mother_family_name,
            "dateOfBirth": birth.mother_date_of_birth.isoformat(),
            "address": {
                "street": birth.mother_street,
                "postcode": birth.mother_postcode,
                "municipality": birth.mother_municipality,
            },
        },
        "child": {
            "sex": birth.sex,
            "vitalStatus": birth.vital_status,
            "multipleBirth": birth.fetus_count > 1,
            "numberOfChildren": birth.fetus_count,
            "birthOrder": birth.birth_order,
        },
        "birth": {"dateTime": birth.local_birth.isoformat(), **place},
    }


def statistical_form(birth: Birth) -> dict:
    """The medical statistical form: pseudonymous (no name, no INSZ; the mother's age and
    province only), linked to the notification by the birth reference."""
    child = {
        "birthOrder": birth.birth_order,
        "sex": birth.sex,
        "birthWeightGrams": birth.birth_weight_g,
    }
    if birth.apgar_1 is not None:
        child["apgar1"] = birth.apgar_1
    if birth.apgar_5 is not None:
        child["apgar5"] = birth.apgar_5
    child["congenitalAnomaly"] = birth.congenital_anomaly == "present"
    if child["congenitalAnomaly"]:
        child["anomalyDescription"] = birth.anomaly_description
    child["neonatalAdmission"] = bool(birth.neonatal_admission)
    child["perinatalDeath"] = birth.perinatal_death
    return {
        "birthReference": str(birth.newborn_public_id),
        "mother": {
            "ageYears": birth.maternal_age(),
            "parity": birth.parity,
            "province": birth.mother_province,
        },
        "pregnancy": {
            "conception": birth.conception,
            "multiple": birth.fetus_count > 1,
            "numberOfFetuses": birth.fetus_count,
            "gestationalWeeks": birth.gestational_weeks,
            "gestationalDays": birth.gestational_days,
        },
        "labour": {
            "presentation": birth.presentation,
            "induction": birth.induction,
            "epidural": birth.epidural,
            "mode": birth.mode,
            "episiotomy": birth.episiotomy,
        },
        "child": child,
        "birth": {"date": birth.local_birth.date().isoformat(), "placeType": birth.place},
    }


BUILDERS = {MessageKind.NOTIFICATION: notification, MessageKind.STATISTICAL: statistical_form}


def content_hash(content: dict) -> str:
    """The same content always hashes the same (sorted keys): a change shows as a new hash."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def message_key(newborn_public_id, kind: str, revision: int) -> str:
    """The idempotency key: one message per birth, kind and revision, ever."""
    return f"{newborn_public_id}:{kind}:{revision}"


def message_id(key: str) -> uuid.UUID:
    return uuid.uuid5(MESSAGE_NAMESPACE, key)
