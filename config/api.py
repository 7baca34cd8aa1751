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


def validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """The same messages, keyed by field; errors about the whole record go under
    ``non_field_errors`` (DRF's key), so a 400 body is always an object."""
    detail = get_error_detail(error)
    if isinstance(detail, dict):
        detail = {api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: value
                  for key, value in detail.items()}
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    if isinstance(exc, access.DossierNotFound | access.AccessDenied):
        request = context.get("request")
        access.log_refusal(getattr(request, "user", None), exc)
    elif isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    return drf_exception_handler(exc, context)
