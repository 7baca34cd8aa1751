"""The OpenAPI schema's view of the API (settings ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``).

drf-spectacular describes each route's success; an integration also needs to know how it is
refused. Every operation therefore lists the errors it can answer, with their bodies:

- 401 without (valid) credentials, 403 when the user's role or the mother's consent does
  not allow it — every route;
- 404 for a route naming a record (outside the user's network it does not exist) or a page
  number past the end;
- 400 for a write, or a read with query parameters (``config.api`` keys the body by field);
- 428 and 412 for a write guarded by ``If-Match`` (the care plan).

A choice a model allows to be blank can come back as ``""``: the schema says so for read-only
fields too (DRF drops ``allow_blank`` from them), so a response never falls outside it."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What was refused, in the user's language.",
}
FIELD_ERRORS = {
    "type": "object",
    "description": "The messages per field (``non_field_errors`` for the request as a "
    "whole); a value inside a JSON document is named by its dotted path "
    "(``appointments.0.note``), a nested serializer's errors are nested.",
    "additionalProperties": {},
}

ERRORS = {
    "400": ("FieldErrors", FIELD_ERRORS, "The request is not valid: the messages per field."),
    "401": ("ErrorDetail", DETAIL, "Not signed in: send a token (Authorization: Token …)."),
    "403": ("ErrorDetail", DETAIL, "Not allowed for this user (role or consent)."),
    "404": ("ErrorDetail", DETAIL, "Not found, or outside the user's care network."),
    "412": ("ErrorDetail", DETAIL, "Someone saved a newer version: read it again and merge."),
    "428": ("ErrorDetail", DETAIL, "Name the version the change starts from (If-Match)."),
}


class AutoSchema(SpectacularAutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        parameters = self._get_parameters()
        query = [p for p in parameters if p.get("in") == "query"]
        if self.method in {"POST", "PUT", "PATCH"} or query:
            codes.insert(0, "400")
        if "{" in self.path or any(p["name"] == "page" for p in query):
            codes.append("404")
        if any(p.get("in") == "header" and p["name"].lower() == "if-match" for p in parameters):
            codes += ["412", "428"]
        return codes

    def _error_ref(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            name, schema, description = ERRORS[code]
            responses[code] = {
                "description": description,
                "content": {"application/json": {"schema": self._error_ref(name, schema)}},
            }
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        blank = field.read_only and _model_allows_blank(field)
        if blank and isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if (
            field.read_only
            and schema.get("format") in {"email", "uri"}
            and _model_allows_blank(field)
        ):
            # "" is no e-mail address: say what the value is instead of its format
            schema.pop("format")
            schema["description"] = "An e-mail address or a link, or empty."


def _model_allows_blank(field) -> bool:
    """The model field behind a ModelSerializer's field accepts ``""``."""
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:
        return False
    return bool(getattr(model_field, "blank", False)) and model_field.get_internal_type() in {
        "CharField",
        "TextField",
        "EmailField",
        "URLField",
    }
