"""Who sees, prepares, agrees to and sends the closure hand-over summary (``dossier.closure``),
each write in one transaction with its access-log event.

- **Reading** (the page, the PDF preview, the FHIR document of the API): the care
  coordinator and the mother (``require_read``), each within the sections they may see
  (the boundary's ``reads``).
- **Preparing** (the immunisations at birth, the feeding at the end, the remarks) and
  **sending**: the care coordinator (``require_prepare``).
- **Consent**: only the mother decides; she records her choice herself, or her coordinator
  records it as she told it (``HandoverConsent.by_mother`` says which). Nothing is sent
  without it: per recipient, the latest choice must say yes. Withdrawing it makes a link
  not yet opened run out at once; what was opened stays in the access log.
- **Sending** (``handover_send``; at the closure of the record ``on_closed``): once per
  record and recipient (a unique constraint and the outbox's key), to the GP member of
  the network and to the child health service's address for her province (settings:
  Kind & Gezin in Flanders, ONE in Wallonia, Brussels by her language). The e-mail (via
  the outbox, ``network.messaging``) names no clinical detail: it holds a link, valid
  ``HANDOVER_LINK_DAYS`` days, to the PDF and the FHIR document as they were sent (kept on
  ``HandoverSend``; only the link's SHA-256 is stored). The send is logged on the record as
  a download of the summary's sections by whoever sent it; each opening of the link as a
  download by the recipient (``LinkReader``: the access log names the recipient)."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossier import closure
from dossier.geography import FLEMISH_PROVINCES, Province
from dossier.models import (
    Dossier,
    Handover,
    HandoverConsent,
    HandoverRecipient,
    HandoverSend,
    NewbornHandover,
    lock_dossier,
)
from dossier.sections import Section
from network import access, audit, messaging
from network.access import AnyUser
from network.models import Action, Channel, Role

BABY_FIELDS = ("vitamin_k", "vitamin_k_on", "hepatitis_b", "hepatitis_b_on", "feeding")


# --- who ------------------------------------------------------------------------------------


def can_read(user: AnyUser, dossier: Dossier) -> bool:
    return access.is_coordinator(user, dossier) or access.is_mother_of(user, dossier)


def require_read(user: AnyUser, dossier: Dossier) -> None:
    if not can_read(user, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator and the mother see the hand-over summary."),
            dossier=dossier,
            action=Action.READ,
        )


def require_prepare(user: AnyUser, dossier: Dossier) -> None:
    if not access.is_coordinator(user, dossier):
        raise access.AccessDenied(
            _("Only the care coordinator prepares and sends the hand-over summary."),
            dossier=dossier,
        )


def require_consent(user: AnyUser, dossier: Dossier) -> None:
    if not can_read(user, dossier):
        raise access.AccessDenied(
            _("Only the mother decides, or her care coordinator records what she decided."),
            dossier=dossier,
        )


def current_consent(dossier: Dossier) -> HandoverConsent | None:
    return dossier.handover_consents.order_by("-decided_at", "-id").first()


# --- where to ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    recipient: str
    name: str
    address: str
    language: str
    user: User | None = None


WALLOON = {
    Province.WAALS_BRABANT,
    Province.HENEGOUWEN,
    Province.LUIK,
    Province.LUXEMBURG,
    Province.NAMEN,
}


def child_health_target(dossier: Dossier) -> Target:
    """The child health service for the mother's address: an address per province when
    set, else Kind & Gezin (Flanders; Brussels in Dutch) or ONE (Wallonia; Brussels in
    French). ``address`` is empty when none is configured."""
    mother = dossier.mother
    province = mother.province
    one = province in WALLOON or (
        province not in FLEMISH_PROVINCES and mother.preferred_language == "fr"
    )
    name, language = ("ONE", "fr") if one else ("Kind & Gezin", "nl")
    default = settings.HANDOVER_ONE_EMAIL if one else settings.HANDOVER_KIND_EN_GEZIN_EMAIL
    address = settings.HANDOVER_CHILD_HEALTH_BY_PROVINCE.get(province, "") or default
    return Target(HandoverRecipient.CHILD_HEALTH, name, address, language)


def gp_target(dossier: Dossier) -> Target:
    """The GP of her network (the first active member in the GP role); an empty address
    when she has none or the GP gave no e-mail."""
    member = (
        dossier.memberships.filter(role=Role.GP, ended_at__isnull=True)
        .select_related("professional__user", "professional__organisation")
        .order_by("started_at", "pk")
        .first()
    )
    if member is None:
        return Target(HandoverRecipient.GP, "", "", settings.LANGUAGE_CODE[:2])
    professional = member.professional
    user = professional.user
    return Target(
        HandoverRecipient.GP,
        user.get_full_name() or user.get_username(),
        user.email,
        messaging.professional_language(professional),
        user,
    )


def targets(dossier: Dossier) -> list[Target]:
    return [child_health_target(dossier), gp_target(dossier)]


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def handover_prepare(
    *, actor: User, dossier: Dossier, remarks: str, babies: dict[int, dict[str, object]]
) -> Handover:
    """Save the coordinator's part: ``remarks`` and, per newborn id, ``BABY_FIELDS``."""
    dossier = lock_dossier(dossier.pk)
    require_prepare(actor, dossier)
    handover = Handover.objects.filter(dossier=dossier).first() or Handover(dossier=dossier)
    handover.remarks = remarks
    handover.prepared_by = actor
    handover.full_clean()
    handover.save()
    for newborn in dossier.newborns.order_by("birth_order"):
        values = babies.get(newborn.pk)
        if values is None:
            continue
        row = NewbornHandover.objects.filter(newborn=newborn).first() or NewbornHandover(
            newborn=newborn
        )
        for name in BABY_FIELDS:
            setattr(row, name, values.get(name) or ("" if not name.endswith("_on") else None))
        row.recorded_by = actor
        try:
            row.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    f"{newborn.birth_order}-{name}": messages
                    for name, messages in error.message_dict.items()
                }
            ) from error
        row.save()
    audit.record(
        actor=actor,
        dossier=dossier,
        sections=[Section.NEWBORN, Section.POSTNATAL],
        action=Action.UPDATE,
    )
    return handover


@transaction.atomic
def handover_consent_set(
    *, actor: User, dossier: Dossier, to_child_health: bool, to_gp: bool
) -> HandoverConsent:
    """Record the mother's choice; a link not yet opened of a recipient she no longer
    agrees to runs out now."""
    dossier = lock_dossier(dossier.pk)
    require_consent(actor, dossier)
    consent = HandoverConsent.objects.create(
        dossier=dossier,
        to_child_health=bool(to_child_health),
        to_gp=bool(to_gp),
        recorded_by=actor,
        by_mother=access.is_mother_of(actor, dossier),
    )
    withdrawn = [r for r in HandoverRecipient.values if not consent.allows(r)]
    now = timezone.now()
    HandoverSend.objects.filter(
        dossier=dossier, recipient__in=withdrawn, downloads=0, expires_at__gt=now
    ).update(expires_at=now)
    audit.record(actor=actor, dossier=dossier, sections=[], action=Action.UPDATE)
    return consent


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _letter(
    target: Target, link: str, expires_at: datetime.datetime
) -> Callable[[messaging.Recipient], messaging.Letter]:
    def write(recipient: messaging.Recipient) -> messaging.Letter:
        return messaging.Letter(
            subject=_("Hand-over at the end of postnatal care"),
            lines=[
                _(
                    "The postnatal care of a mother and her baby has ended. With the mother's "
                    "consent, her care coordinator hands the family over to you with a summary "
                    "(birth, screenings, weight course, feeding, open problems, vitamin K and "
                    "vaccinations at birth)."
                ),
                _(
                    "The link below opens the summary as a PDF; the same link with "
                    "“?fhir” gives the FHIR R4 document. It is valid until %(day)s and is "
                    "meant for you alone: every opening is in the mother's access log."
                )
                % {"day": timezone.localtime(expires_at).strftime("%d-%m-%Y")},
            ],
            link=link,
            link_label=_("Open the summary"),
        )

    return write


def _send_to(
    actor: User, dossier: Dossier, target: Target, consent: HandoverConsent
) -> HandoverSend:
    now = timezone.now()
    author = actor.get_full_name() or actor.get_username()
    made = closure.summary(dossier, now)
    token = secrets.token_urlsafe(32)
    expires_at = now + datetime.timedelta(days=settings.HANDOVER_LINK_DAYS)
    with translation.override(target.language):
        document = closure.document(made, author=author)
    sent = HandoverSend.objects.create(
        dossier=dossier,
        recipient=target.recipient,
        recipient_name=target.name,
        address=target.address,
        language=target.language,
        consent=consent,
        sent_by=actor,
        document=json.loads(json.dumps(document)),
        pdf=closure.pdf(made, author=author, language=target.language, consent=consent),
        token_hash=_token_hash(token),
        expires_at=expires_at,
    )
    recipient = messaging.Recipient(
        tag=f"handover-{target.recipient}",
        user=target.user,
        name=target.name,
        email=target.address,
        phone="",
        language=target.language,
        by_sms=False,
    )
    link = messaging.record_link(reverse("dossier:handover_link", args=[token]))
    messaging.send(
        recipient,
        key=f"handover:{dossier.public_id}:{target.recipient}",
        dossier=dossier,
        write=_letter(target, link, expires_at),
        sender=actor,
        channels=(Channel.EMAIL,),
    )
    return sent


def _send(actor: User, dossier: Dossier) -> tuple[list[HandoverSend], list[Target]]:
    """Send to every recipient the mother agreed to and not yet sent to: what was sent and
    the recipients agreed to without an address."""
    consent = current_consent(dossier)
    if consent is None or getattr(dossier, "delivery", None) is None:
        return [], []
    done = set(dossier.handover_sends.values_list("recipient", flat=True))
    sent, missing = [], []
    for target in targets(dossier):
        if not consent.allows(target.recipient) or target.recipient in done:
            continue
        if not target.address:
            missing.append(target)
            continue
        sent.append(_send_to(actor, dossier, target, consent))
    if sent:
        audit.record(
            actor=actor, dossier=dossier, sections=list(closure.SECTIONS), action=Action.DOWNLOAD
        )
    return sent, missing


@transaction.atomic
def handover_send(*, actor: User, dossier: Dossier) -> list[HandoverSend]:
    """The coordinator sends the summary now (before or after the closure)."""
    dossier = lock_dossier(dossier.pk)
    require_prepare(actor, dossier)
    if getattr(dossier, "delivery", None) is None:
        raise ValidationError(_("There is no birth recorded yet: nothing to hand over."))
    consent = current_consent(dossier)
    if consent is None or not (consent.to_child_health or consent.to_gp):
        raise ValidationError(
            _("The mother has not agreed to send the summary to anyone: nothing is sent.")
        )
    sent, missing = _send(actor, dossier)
    if not sent:
        if missing:
            raise ValidationError(
                _("No address for %(who)s: nothing is sent.")
                % {"who": ", ".join(str(HandoverRecipient(t.recipient).label) for t in missing)}
            )
        raise ValidationError(_("The summary was already sent to everyone she agreed to."))
    return sent


def on_closed(*, actor: User, dossier: Dossier) -> None:
    """The record was just closed (``dossier.services.dossier_update``, in its transaction):
    the summary goes to whoever the mother agreed to and has not had it yet."""
    _send(actor, dossier)


# --- the link -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkReader:
    """Whoever opens a hand-over link: not a user of the app. The access log names them by
    the recipient the link was sent to ("Kind & Gezin (link of the hand-over)")."""

    label: str
    pk = None
    is_authenticated = True

    def get_full_name(self) -> str:
        return self.label

    def get_username(self) -> str:
        return self.label


@transaction.atomic
def link_open(token: str) -> HandoverSend | None:
    """The summary sent under this link, counted and logged; None for an unknown or
    expired link (the same answer for both)."""
    sent = (
        HandoverSend.objects.select_for_update()
        .select_related("dossier")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    if sent is None:
        return None
    HandoverSend.objects.filter(pk=sent.pk).update(
        downloads=sent.downloads + 1, last_download_at=timezone.now()
    )
    reader = LinkReader(
        _("%(who)s (link of the hand-over)") % {"who": sent.recipient_name or sent.recipient}
    )
    audit.record(
        actor=reader, dossier=sent.dossier, sections=list(closure.SECTIONS), action=Action.DOWNLOAD
    )
    return sent
