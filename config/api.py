"""What every API view shares: the exception handler (settings ``REST_FRAMEWORK``).

DRF turns exceptions into responses inside the view, before Django's middleware would see
them, so this handler does for the API what ``config.middleware.AccessRefusalMiddleware``
does for the pages: it logs every refusal (404 outside the network, 403 inside it) once,
after the refused service's transaction has rolled back. It also turns the models' and
services' Django ``ValidationError`` into a 400 that names the fields, with the same
messages the pages show."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from network import access

# Refusals a service raises about the whole request although they concern one field of the
# API's body: the error's code names the field. (The services serve the pages too, whose
# forms name other fields, so the API's keys are chosen here.)
FIELD_OF_CODE = {
    "coordinator_profession": "role",  # network.services.check_role_fits
    "role_profession": "role",  # network.services.check_role_fits
    "already_member": "professional",  # network.services.membership_add
    "replace_profession": "professional",  # network.services.membership_replace
    "reason": "reason",  # network.services.membership_end
    "above_limit": "level",  # network.access.check_within_limit (consent)
    "role_or_member": "role",  # network.serializers.ConsentInputSerializer
}


def _keyed_by_field(detail: dict) -> dict:
    """Move the errors under ``non_field_errors`` whose code names a field to that field."""
    general = detail.get(api_settings.NON_FIELD_ERRORS_KEY)
    if not isinstance(general, list):
        return detail
    detail = {**detail, api_settings.NON_FIELD_ERRORS_KEY: []}
    for error in general:
        field = FIELD_OF_CODE.get(getattr(error, "code", None))
        key = field or api_settings.NON_FIELD_ERRORS_KEY
        existing = detail.get(key)
        detail[key] = [*existing, error] if isinstance(existing, list) else [error]
    if not detail[api_settings.NON_FIELD_ERRORS_KEY]:
        del detail[api_settings.NON_FIELD_ERRORS_KEY]
    return detail


def validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """The same messages, keyed by field; errors about the whole record go under
    ``non_field_errors`` (DRF's key), so a 400 body is always an object."""
    detail = get_error_detail(error)
    if isinstance(detail, dict):
        detail = {
            api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: value
            for key, value in detail.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return exceptions.ValidationError(_keyed_by_field(detail))


def exception_handler(exc, context):
    if isinstance(exc, access.DossierNotFound | access.AccessDenied):
        request = context.get("request")
        access.log_refusal(getattr(request, "user", None), exc)
    elif isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        exc.detail = _keyed_by_field(exc.detail)
    return drf_exception_handler(exc, context)
