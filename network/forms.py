import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import get_language_info, override
from django.utils.translation import gettext_lazy as _

from network import messaging, outbox
from network.models import Channel, Concern, EndReason, Profession, Urgency


class ProfessionalSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    profession = forms.ChoiceField(
        label=_("Profession"),
        required=False,
        choices=[("", _("All professions")), *Profession.choices],
    )
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)


class EndMembershipForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class MessageSettingsForm(forms.Form):
    """ "Mijn berichten": the language of one's e-mails, SMS and calendar; for the mother
    also whether her appointments reach her by e-mail and by SMS."""

    # each language in its own name, as the header's switch shows them
    language = forms.ChoiceField(
        label=_("Language of e-mails, SMS and the calendar"),
        widget=forms.RadioSelect,
        choices=[(code, get_language_info(code)["name_local"]) for code, _n in settings.LANGUAGES],
    )
    by_email = forms.BooleanField(
        label=_(
            "My appointments by e-mail (with a calendar invitation and a reminder the day before)"
        ),
        required=False,
    )
    by_sms = forms.BooleanField(
        label=_("My appointments by SMS (changes and a reminder the day before)"), required=False
    )

    def __init__(self, *args, for_mother: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_mother:
            del self.fields["by_email"], self.fields["by_sms"]


class ConcernForm(forms.Form):
    """Signal a worrying situation to the care coordinator (R28)."""

    urgency = forms.ChoiceField(
        label=_("How urgent is it?"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What worries you?"),
        max_length=Concern.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the care coordinator reads this, and you."),
        error_messages={
            "required": _("Describe the situation: what did you see or hear that worries you?")
        },
    )


class ConcernAcknowledgeForm(forms.Form):
    """The coordinator's answer to a signalled situation: what was done about it."""

    response = forms.CharField(
        label=_("What did you do or will you do?"),
        max_length=Concern.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _(
                "Write what you did or will do about this situation; "
                "the person who signalled it reads it."
            )
        },
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """ "Forgot your password?" through the outbox like every other message: written in
    the request's transaction, sent by a worker, retried, visible to operators — and in
    the account's own language."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        language = messaging.language_for(user)
        with override(language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        outbox.enqueue(
            key=f"password-reset:{user.pk}:{uuid.uuid4().hex}",
            channel=Channel.EMAIL,
            recipient=user,
            address=to_email,
            subject=subject,
            body=body,
            language=language,
        )
