"""The API's shapes of a care network and the mother's consent. Input serializers only turn
JSON into Python values (public UUIDs into rows of this dossier); the rules stay in
``network.services`` and ``network.access``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dossier.sections import Section
from network.models import (
    ConsentRule,
    EndReason,
    Level,
    Membership,
    Organisation,
    Professional,
    Role,
)


class OrganisationSerializer(serializers.ModelSerializer):
    """An organisation; its province one of ``dossier.geography.Province`` (or empty), as
    in the admin and the database: free text such as "ANT" is refused, naming the field."""

    class Meta:
        model = Organisation
        fields = ["public_id", "name", "kind", "municipality", "province"]
        read_only_fields = ["public_id"]


class ProfessionalSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    organisation = serializers.CharField(
        source="organisation.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Professional
        fields = ["public_id", "name", "profession", "organisation"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    """A member of the care network, in one role, from a moment until ended."""

    professional = ProfessionalSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "public_id",
            "professional",
            "role",
            "started_at",
            "ended_at",
            "end_reason",
            "end_note",
        ]
        read_only_fields = fields


class MembershipAddSerializer(serializers.Serializer):
    """A professional (by public id) joins the network; the role defaults to their
    profession."""

    professional = serializers.SlugRelatedField(
        slug_field="public_id",
        queryset=Professional.objects.filter(user__is_active=True).select_related("user"),
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False)


class MembershipEndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EndReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConsentRuleSerializer(serializers.ModelSerializer):
    """One of the mother's choices: a level for one section, for a role or one member."""

    membership = serializers.SlugRelatedField(slug_field="public_id", read_only=True)

    class Meta:
        model = ConsentRule
        fields = ["section", "level", "role", "membership", "updated_at"]
        read_only_fields = fields


SectionLevelsSerializer = type(
    "SectionLevelsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The level per section: 0 no access, 1 view, 2 view and edit.",
        **{
            section.value: serializers.ChoiceField(choices=Level.choices, read_only=True)
            for section in Section
        },
    },
)


class MemberAccessSerializer(serializers.Serializer):
    """What one member may see and change now: the role default, the mother's rule for
    the role, then her rule for this member, never above the role's limit."""

    membership = serializers.UUIDField(source="membership.public_id", read_only=True)
    professional = ProfessionalSerializer(source="membership.professional", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, source="membership.role", read_only=True)
    levels = SectionLevelsSerializer(read_only=True)


class ConsentSerializer(serializers.Serializer):
    members = MemberAccessSerializer(many=True, read_only=True)
    rules = ConsentRuleSerializer(many=True, read_only=True)


class ConsentSetSerializer(serializers.Serializer):
    """The mother's choice for one section, for a role or for one member (by the
    membership's public id); ``level: null`` returns to the default."""

    section = serializers.ChoiceField(choices=Section.choices)
    level = serializers.ChoiceField(choices=Level.choices, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    membership = serializers.SlugRelatedField(
        slug_field="public_id", required=False, allow_null=True, queryset=Membership.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dossier = self.context.get("dossier")
        if dossier is not None:
            self.fields["membership"].queryset = Membership.objects.filter(
                dossier=dossier, ended_at__isnull=True
            )

    def validate(self, data):
        if bool(data.get("role")) == bool(data.get("membership")):
            raise serializers.ValidationError(
                _("Choose either a role or one member of the network."), code="role_or_member"
            )
        return data
