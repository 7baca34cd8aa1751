"""Who a message goes to and how it is written (R7): one recipient shape for professionals
and the mother, each message rendered in the reader's own language, as an e-mail with a
plain and an HTML part (and an invitation where there is one) and a short SMS, written to
the outbox (``network.outbox``) in the caller's transaction.

The reader's language: a professional's own choice, else their organisation's, else
Dutch; the mother's preferred language when the interface has it, else Dutch. The mother
turns e-mail or SMS off on "Mijn berichten"; a professional's messages follow the address
and phone they gave.

What a message says is the caller's: the texts name no clinical detail beyond the kind of
care, and the mother only for a reader who may see her identity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils.translation import override

from network import outbox
from network.models import Channel, Professional

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _supported(language: str) -> str:
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


def professional_language(professional: Professional) -> str:
    organisation = professional.organisation
    return _supported(professional.language or (organisation.language if organisation else ""))


def language_for(user: User) -> str:
    """The language of everything written to this account (messages, feed)."""
    professional = getattr(user, "professional", None)
    if professional is not None:
        return professional_language(professional)
    mother = getattr(user, "mother", None)
    if mother is not None:
        return _supported(mother.preferred_language)
    return settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Recipient:
    """Someone a message is written to: ``tag`` names them in the outbox key (once per
    person and change), ``is_mother`` lets the text address her as "you"."""

    tag: str
    user: User | None
    name: str
    email: str
    phone: str
    language: str
    by_email: bool = True
    by_sms: bool = True
    is_mother: bool = False


def professional_recipient(professional: Professional) -> Recipient:
    user = professional.user
    return Recipient(
        tag=f"pro{professional.pk}",
        user=user,
        name=user.get_full_name() or user.get_username(),
        email=user.email,
        phone=professional.phone,
        language=professional_language(professional),
    )


def mother_recipient(mother) -> Recipient:
    return Recipient(
        tag=f"mother{mother.pk}",
        user=mother.user,
        name=mother.full_name,
        email=mother.email,
        phone=mother.phone,
        language=_supported(mother.preferred_language),
        by_email=mother.messages_by_email,
        by_sms=mother.messages_by_sms,
        is_mother=True,
    )


@dataclass
class Letter:
    """One message as the reader will read it. ``details`` are (label, value) lines
    (when, where, who); ``link`` the page in the record to open; ``sms`` the short text
    (none: no SMS). ``calendar``/``method``: the invitation (.ics) and its iTIP method."""

    subject: str
    lines: list[str]
    details: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    link_label: str = ""
    sms: str = ""
    calendar: str = ""
    method: str = ""


def send(
    recipient: Recipient,
    *,
    key: str,
    dossier,
    write: Callable[[Recipient], Letter],
    sender: User | None = None,
    channels=(Channel.EMAIL, Channel.SMS),
) -> None:
    """Write ``write(recipient)`` (called in the reader's language) to the outbox: an
    e-mail and, when it has one, an SMS, each as the reader allows. ``sender``: the
    professional on whose behalf it goes (their name as the sender, their address as
    Reply-To); none for the record itself or the mother."""
    professional = getattr(sender, "professional", None) if sender else None
    sender_name = (sender.get_full_name() or sender.get_username()) if professional else ""
    reply_to = sender.email if professional else ""
    with override(recipient.language):
        letter = write(recipient)
        context = {"letter": letter, "recipient": recipient}
        text = render_to_string("network/email/message.txt", context)
        html = render_to_string("network/email/message.html", context)
    if Channel.EMAIL in channels and recipient.by_email:
        outbox.enqueue(
            key=f"{key}:email:{recipient.tag}",
            channel=Channel.EMAIL,
            recipient=recipient.user,
            address=recipient.email,
            dossier=dossier,
            subject=letter.subject,
            body=text,
            html_body=html,
            calendar=letter.calendar,
            calendar_method=letter.method,
            language=recipient.language,
            sender_name=sender_name,
            reply_to=reply_to,
        )
    if Channel.SMS in channels and recipient.by_sms and letter.sms:
        outbox.enqueue(
            key=f"{key}:sms:{recipient.tag}",
            channel=Channel.SMS,
            recipient=recipient.user,
            address=recipient.phone,
            dossier=dossier,
            body=letter.sms[:300],
            language=recipient.language,
        )


def whose(recipient: Recipient, dossier) -> str:
    """How a message names the mother: "your care plan" to herself, her name to a reader
    who may see her identity, "a mother in your care" to anyone else."""
    from django.utils.translation import gettext as _

    from dossier.sections import Section
    from network import access

    if recipient.is_mother:
        return _("your care plan")
    if recipient.user is not None and access.can_view(recipient.user, dossier, Section.IDENTITY):
        return dossier.mother.full_name
    return _("a mother in your care")


def record_link(path: str) -> str:
    """An absolute link into the app (``SITE_URL``) for a message."""
    return f"{settings.SITE_URL}{path}"
