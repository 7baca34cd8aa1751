"""The care network's API: members and the mother's consent. Thin views, like the pages
(``views.py``): the dossier and the rights come from the boundary (``network.boundary``),
the writes from ``network.services``. Refusals are
logged by ``config.api.exception_handler``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from dossier.api import ListApi
from dossier.models import Dossier
from dossier.serializers import validated
from network import access, services
from network.boundary import DECIDE_CONSENT, MANAGE_NETWORK, READ_CONSENT, DossierApi
from network.models import ConsentRule, Membership, RoleDefault
from network.serializers import (
    ConsentSerializer,
    ConsentSetSerializer,
    MembershipAddSerializer,
    MembershipEndSerializer,
    MembershipSerializer,
)


def _consent_overview(request, dossier: Dossier) -> Response:
    members = access.network_of(dossier)
    defaults = {(d.role, d.section): d.level for d in RoleDefault.objects.all()}
    rules = list(
        ConsentRule.objects.filter(dossier=dossier)
        .select_related("membership")
        .order_by("section", "role", "created_at")
    )
    return Response(
        ConsentSerializer(
            {
                "members": [
                    {
                        "membership": member,
                        "levels": access.effective_levels(member, defaults, rules),
                    }
                    for member in members
                ],
                "rules": rules,
            },
            context={"request": request},
        ).data
    )


class MembershipListApi(DossierApi, ListApi):
    writes = MANAGE_NETWORK  # the coordinator and the mother (refused before reading input)

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request, **_kwargs):
        """The active members, coordinator first: everyone who may open the record sees
        who is in its network."""
        dossier = self.route.dossier
        page = self.paginate(access.network_of(dossier))
        return self.paginated(
            MembershipSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(request=MembershipAddSerializer, responses={201: MembershipSerializer})
    def post(self, request, **_kwargs):
        """Add a professional to the network (the coordinator or the mother)."""
        dossier = self.route.dossier
        data = validated(MembershipAddSerializer, request)
        membership = services.membership_add(actor=request.user, dossier=dossier, **data)
        return Response(
            MembershipSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MembershipEndApi(DossierApi):
    writes = MANAGE_NETWORK

    @extend_schema(request=MembershipEndSerializer, responses=MembershipSerializer)
    def post(self, request, membership_id, **_kwargs):
        """End a membership, with a reason (the coordinator hands over instead)."""
        dossier = self.route.dossier
        membership = get_object_or_404(
            Membership.objects.select_related("professional__user"),
            dossier=dossier,
            public_id=membership_id,
            ended_at__isnull=True,
        )
        data = validated(MembershipEndSerializer, request)
        services.membership_end(actor=request.user, membership=membership, **data)
        membership.refresh_from_db()
        return Response(MembershipSerializer(membership, context={"request": request}).data)


class ConsentApi(DossierApi):
    needs = READ_CONSENT
    writes = DECIDE_CONSENT

    @extend_schema(responses=ConsentSerializer)
    def get(self, request, **_kwargs):
        """The mother's choices and what each member may see and change now; for the
        mother and the care coordinator only."""
        return _consent_overview(request, self.route.dossier)

    @extend_schema(request=ConsentSetSerializer, responses=ConsentSerializer)
    def post(self, request, **_kwargs):
        """The mother sets (or, with ``level: null``, removes) one rule; it is in force
        from the very next request."""
        dossier = self.route.dossier
        data = validated(ConsentSetSerializer, request, dossier=dossier)
        services.consent_set(
            actor=request.user,
            dossier=dossier,
            section=data["section"],
            level=data["level"],
            role=data.get("role") or "",
            membership=data.get("membership"),
        )
        return _consent_overview(request, dossier)
