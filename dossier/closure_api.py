"""The closure hand-over summary as a FHIR R4 document Bundle (``dossier.closure``), for the
care coordinator and the mother: the record as it stands now, not sent (sending is the
page's, with the mother's consent)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from dossier import closure
from dossier.closure_views import READ_HANDOVER
from network.boundary import DossierApi
from network.models import Action


class HandoverDocumentApi(DossierApi):
    reads = closure.SECTIONS
    needs = READ_HANDOVER

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="The closure hand-over summary as a FHIR R4 document Bundle",
    )
    def get(self, request, **_kwargs):
        self.route.action = Action.DOWNLOAD
        user = request.user
        data = closure.document(
            closure.summary(self.route.dossier), author=user.get_full_name() or user.get_username()
        )
        return Response(data)
