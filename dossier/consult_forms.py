"""The forms of a consult with the maternity ward: the question (about whom, how urgent,
what), the answer, a note on an answer, withdrawing. No rules here: ``dossier.consults``
and ``dossier.consult_services`` decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossier.consults import WINDOWS
from dossier.models import ConsultUrgency
from dossier.models.consult import ANSWER_MAX, QUESTION_MAX, REASON_MAX

MOTHER = "mother"


def _window(urgency: ConsultUrgency) -> str:
    """The urgency's label with its window (``dossier.consults.WINDOWS``) when it is not
    in the label already."""
    hours = int(WINDOWS[urgency].within.total_seconds() // 3600)
    if hours <= 1:
        return str(urgency.label)
    return gettext("%(label)s (within %(hours)s hours)") % {"label": urgency.label, "hours": hours}


class ConsultAskForm(forms.Form):
    """``subjects``: (value, label) of whom this user may ask about — ``MOTHER`` and the
    babies' public ids."""

    about = forms.ChoiceField(
        label=_("About whom?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("About whom: choose the mother or one of her babies.")},
    )
    urgency = forms.ChoiceField(
        label=_("How soon do you need the answer?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("How urgent: choose within the hour or today.")},
    )
    question = forms.CharField(
        label=_("Your question to the maternity ward's midwife"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What you see, what you did, what you ask. It is part of the record: whoever "
            "may read this part of it reads the question and the answer. In a "
            "life-threatening situation, call 112 first."
        ),
        error_messages={"required": _("Write your question to the maternity ward's midwife.")},
    )

    def __init__(self, *args, subjects: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        about = cast(forms.ChoiceField, self.fields["about"])
        about.choices = subjects
        if len(subjects) == 1:
            about.initial = subjects[0][0]
        urgency = cast(forms.ChoiceField, self.fields["urgency"])
        urgency.choices = [(u.value, _window(u)) for u in ConsultUrgency]


class ConsultAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Given once and kept as written: correct or complete it afterwards with a note."
        ),
        error_messages={"required": _("Write your answer.")},
    )


class ConsultNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add to or correct the answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what you add to or correct in the answer.")},
    )


class ConsultWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=REASON_MAX, required=False)
