"""The API of a consult with the maternity ward: list and ask (``consults/``), answer once
(``consults/<id>/answer/``), add a note to an answer (``…/notes/``), withdraw
(``…/withdraw/``). The same boundary ``Need``s as the pages (``dossier.consult_views``), the
same services and messages; refusals are logged by ``config.api.exception_handler``."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from dossier import consult_services, consults
from dossier.api import ListApi
from dossier.consult_views import ASK_CONSULT, READ_CONSULTS, answering, withdrawing
from dossier.models import ConsultNote, ConsultRequest, ConsultUrgency, Dossier
from dossier.models.consult import ANSWER_MAX, QUESTION_MAX, REASON_MAX
from dossier.serializers import validated
from network import names
from network.boundary import DossierApi

# --- serializers ------------------------------------------------------------------------------


class ConsultNoteSerializer(serializers.ModelSerializer):
    """What the ward added to or corrected in its answer afterwards."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    written_by = serializers.SerializerMethodField()
    written_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ConsultNote
        fields = ["id", "text", "written_by", "written_at"]
        read_only_fields = fields

    def get_written_by(self, note: ConsultNote) -> str | None:
        return names.for_serializer(self.context, note.written_by)


class ConsultSerializer(serializers.ModelSerializer):
    """A question to the maternity ward with its answer and the notes on it."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    newborn = serializers.SerializerMethodField(help_text="The baby it is about; null: the mother.")
    ward = serializers.CharField(source="ward.name", read_only=True)
    asked_by = serializers.SerializerMethodField()
    asked_at = serializers.DateTimeField(source="created_at", read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text="Still open after the urgency's window (answer expected by due_at)."
    )
    answered_by = serializers.SerializerMethodField()
    withdrawn_by = serializers.SerializerMethodField()
    notes = ConsultNoteSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultRequest
        fields = [
            "id",
            "newborn",
            "section",
            "urgency",
            "question",
            "ward",
            "asked_by",
            "asked_at",
            "due_at",
            "overdue",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "notes",
            "withdrawn_by",
            "withdrawn_at",
            "withdraw_reason",
            "ward_messaged_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_newborn(self, consult: ConsultRequest):
        return str(consult.newborn.public_id) if consult.newborn is not None else None

    def get_asked_by(self, consult: ConsultRequest) -> str | None:
        return names.for_serializer(self.context, consult.asked_by)

    def get_answered_by(self, consult: ConsultRequest) -> str | None:
        return names.for_serializer(self.context, consult.answered_by)

    def get_withdrawn_by(self, consult: ConsultRequest) -> str | None:
        return names.for_serializer(self.context, consult.withdrawn_by)

    def get_overdue(self, consult: ConsultRequest) -> bool:
        return consults.is_overdue(consult, self.context.get("now"))


class ConsultAskSerializer(serializers.Serializer):
    newborn = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The baby the question is about (its id in newborns/); absent or null: the "
        "mother.",
    )
    urgency = serializers.ChoiceField(
        ConsultUrgency.choices,
        help_text="hour: an answer within the hour; today: within the day's window "
        "(dossier.consults.WINDOWS).",
    )
    question = serializers.CharField(max_length=QUESTION_MAX)


class ConsultAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=ANSWER_MAX)


class ConsultNoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=ANSWER_MAX)


class ConsultWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)


# --- views ------------------------------------------------------------------------------------


class ConsultApi(DossierApi):
    def answer(self, consult: ConsultRequest, code=status.HTTP_200_OK) -> Response:
        """One request as the reader may see it; its section is logged as read."""
        self.route.show(consult.section)
        return Response(
            ConsultSerializer(
                consult, context={"request": self.request, "now": timezone.now()}
            ).data,
            status=code,
        )

    def fresh(self, consult: ConsultRequest) -> ConsultRequest:
        """The request as it is now, with its answer and notes."""
        dossier = cast(Dossier, self.route.dossier)
        return consults.consults_of(dossier, [consult.section]).get(pk=consult.pk)


class ConsultListApi(ConsultApi, ListApi):
    needs = READ_CONSULTS
    writes = ASK_CONSULT  # refused before the body is read

    @extend_schema(
        responses=ConsultSerializer(many=True),
        summary="Consults with the maternity ward: list (open first)",
    )
    def get(self, request, **_kwargs):
        """The record's questions to the maternity ward in the sections the user may read,
        open ones first (the soonest due first), then the newest."""
        dossier = self.route.dossier
        page = self.paginate(
            consults.consults_of(dossier, consults.readable_sections(self.route.levels))
        )
        self.route.show(*{consult.section for consult in page})
        return self.paginated(
            ConsultSerializer(
                page, many=True, context={"request": request, "now": timezone.now()}
            ).data
        )

    @extend_schema(
        request=ConsultAskSerializer,
        responses={201: ConsultSerializer},
        summary="Consults with the maternity ward: ask",
    )
    def post(self, request, **_kwargs):
        """Ask the maternity ward a question about the mother or one baby (a care provider
        of the network who may change that section)."""
        dossier = self.route.dossier
        data = validated(ConsultAskSerializer, request)
        newborn = None
        if data.get("newborn"):
            newborn = dossier.newborns.filter(public_id=data["newborn"]).first()
            if newborn is None:
                raise ValidationError(
                    {"newborn": _("About whom: choose the mother or one of her babies.")}
                )
        consult = consult_services.consult_ask(
            actor=request.user,
            dossier=dossier,
            question=data["question"],
            urgency=data["urgency"],
            newborn=newborn,
        )
        return self.answer(self.fresh(consult), status.HTTP_201_CREATED)


class ConsultAnswerApi(ConsultApi):
    needs = answering  # a care provider of the ward it was sent to

    @extend_schema(
        request=ConsultAnswerSerializer,
        responses=ConsultSerializer,
        summary="Consults with the maternity ward: answer (once)",
    )
    def post(self, request, consult_id, **_kwargs):
        """Answer the question, once: a correction or an addition is a note (notes/)."""
        consult = consults.consult_in(self.route.dossier, consult_id)
        data = validated(ConsultAnswerSerializer, request)
        consult_services.consult_answer(actor=request.user, consult=consult, answer=data["answer"])
        return self.answer(self.fresh(consult))


class ConsultNoteApi(ConsultApi):
    needs = answering

    @extend_schema(
        request=ConsultNoteInputSerializer,
        responses={201: ConsultSerializer},
        summary="Consults with the maternity ward: add a note to the answer",
    )
    def post(self, request, consult_id, **_kwargs):
        """Add to or correct an answer given: the answer stays as it was."""
        consult = consults.consult_in(self.route.dossier, consult_id)
        data = validated(ConsultNoteInputSerializer, request)
        consult_services.consult_note_add(actor=request.user, consult=consult, text=data["text"])
        return self.answer(self.fresh(consult), status.HTTP_201_CREATED)


class ConsultWithdrawApi(ConsultApi):
    needs = withdrawing  # whoever asked

    @extend_schema(
        request=ConsultWithdrawSerializer,
        responses=ConsultSerializer,
        summary="Consults with the maternity ward: withdraw an open question",
    )
    def post(self, request, consult_id, **_kwargs):
        consult = consults.consult_in(self.route.dossier, consult_id)
        data = validated(ConsultWithdrawSerializer, request)
        consult_services.consult_withdraw(
            actor=request.user, consult=consult, reason=data.get("reason", "")
        )
        return self.answer(self.fresh(consult))
