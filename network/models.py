"""The people and organisations around a mother, her care network, her consent and the
access log (R3, R4, R10, R11; DESIGN.md §3).

These tables hold the truth; ``network/access.py`` alone turns it into decisions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    ArrayField,
    DateTimeRangeField,
    RangeBoundary,
    RangeOperators,
)
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from dossier.geography import Province
from dossier.models import Dossier, RecordModel, phone_validator
from dossier.sections import Section

riziv_validator = RegexValidator(
    r"^[0-9]{11}$",
    _("RIZIV/INAMI number: 11 digits, e.g. 4-12345-67-001 (dashes allowed)."),
    code="riziv_format",
)


class Profession(models.TextChoices):
    MIDWIFE = "midwife", _("Midwife")
    GYNAECOLOGIST = "gynaecologist", _("Gynaecologist")
    GP = "gp", _("General practitioner")
    PAEDIATRICIAN = "paediatrician", _("Paediatrician")
    MATERNITY_ASSISTANT = "maternity_assistant", _("Maternity assistant")
    CHILD_HEALTH_NURSE = "child_health_nurse", _("Kind & Gezin / ONE nurse")
    LACTATION_CONSULTANT = "lactation_consultant", _("Lactation consultant")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    SOCIAL_WORKER = "social_worker", _("Social worker")


class OrganisationKind(models.TextChoices):
    MATERNITY_WARD = "maternity_ward", _("Maternity ward")
    MIDWIFE_PRACTICE = "midwife_practice", _("Midwife practice")
    HOME_HELP_PUBLIC = "home_help_public", _("Maternity home help service (public)")
    HOME_HELP_PRIVATE = "home_help_private", _("Maternity home help service (private)")
    CHILD_HEALTH_OFFICE = "child_health_office", _("Kind & Gezin / ONE office")
    GP_PRACTICE = "gp_practice", _("General practice")


class Organisation(RecordModel):
    """A maternity ward, midwife practice, kraamzorg service or Kind & Gezin office."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=25, choices=OrganisationKind.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    # R31: a choice, so that no service is counted under a spelling ("ANT", "Anvers") the
    # figures do not know; empty when not known.
    province = models.CharField(_("province"), max_length=3, choices=Province.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    language = models.CharField(
        _("language of messages"),
        max_length=2,
        choices=settings.LANGUAGES,
        default="nl",
        help_text=_("The language of e-mails and SMS to its professionals who chose none."),
    )
    # R13, R34: whom an urgent alert nobody took on reaches next (``network.oncall``)
    ward_phone = models.CharField(
        _("maternity ward contact: phone"),
        max_length=20,
        blank=True,
        validators=[phone_validator],
        help_text=_(
            "The maternity ward's midwife, day and night, called when an urgent alert "
            "is not taken on; for a practice, the ward it works with."
        ),
    )
    ward_email = models.EmailField(_("maternity ward contact: e-mail"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(province="") | Q(province__in=Province.values),
                name="organisation_province_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Professional(RecordModel):
    """A care provider who signs in: profession, RIZIV/INAMI number and organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="professional",
        verbose_name=_("user"),
    )
    profession = models.CharField(_("profession"), max_length=25, choices=Profession.choices)
    riziv_number = models.CharField(
        _("RIZIV/INAMI number"), max_length=11, blank=True, validators=[riziv_validator]
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="professionals",
        verbose_name=_("organisation"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    language = models.CharField(
        _("language of messages"),
        max_length=2,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("E-mails, SMS and the calendar in this language; empty: the organisation's."),
    )

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["riziv_number"],
                condition=~Q(riziv_number=""),
                name="professional_riziv_unique",
            ),
        ]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name} ({self.get_profession_display()})"


class Role(models.TextChoices):
    """The part a member plays in one mother's network: coordinator, or their profession."""

    COORDINATOR = "coordinator", _("Care coordinator")
    MIDWIFE = Profession.MIDWIFE.value, Profession.MIDWIFE.label
    GYNAECOLOGIST = Profession.GYNAECOLOGIST.value, Profession.GYNAECOLOGIST.label
    GP = Profession.GP.value, Profession.GP.label
    PAEDIATRICIAN = Profession.PAEDIATRICIAN.value, Profession.PAEDIATRICIAN.label
    MATERNITY_ASSISTANT = (
        Profession.MATERNITY_ASSISTANT.value,
        Profession.MATERNITY_ASSISTANT.label,
    )
    CHILD_HEALTH_NURSE = Profession.CHILD_HEALTH_NURSE.value, Profession.CHILD_HEALTH_NURSE.label
    LACTATION_CONSULTANT = (
        Profession.LACTATION_CONSULTANT.value,
        Profession.LACTATION_CONSULTANT.label,
    )
    PHYSIOTHERAPIST = Profession.PHYSIOTHERAPIST.value, Profession.PHYSIOTHERAPIST.label
    SOCIAL_WORKER = Profession.SOCIAL_WORKER.value, Profession.SOCIAL_WORKER.label


class Level(models.IntegerChoices):
    NONE = 0, _("No access")
    VIEW = 1, _("View")
    EDIT = 2, _("View and edit")


class EndReason(models.TextChoices):
    PARENTS_CHOICE = "parents_choice", _("The parents chose another provider")
    REPLACED = "replaced", _("Replaced by another member")
    CARE_ENDED = "care_ended", _("Care completed")
    UNAVAILABLE = "unavailable", _("Provider no longer available")
    OTHER = "other", _("Other reason")


class Membership(RecordModel):
    """A professional in one mother's care network, in one role, from a moment until ended.

    Ended memberships are kept (who was in the network, and why they left); the database
    allows one active coordinator per dossier and one active membership per professional."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("dossier")
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("professional"),
    )
    role = models.CharField(_("role"), max_length=25, choices=Role.choices)
    started_at = models.DateTimeField(_("member since"))
    ended_at = models.DateTimeField(_("member until"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(_("note on ending"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        ordering = ["dossier", "ended_at", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(role="coordinator", ended_at__isnull=True),
                name="membership_one_active_coordinator",
                violation_error_message=_(
                    "This record already has a care coordinator; hand "
                    "the role over instead of adding a second one."
                ),
            ),
            models.UniqueConstraint(
                fields=["dossier", "professional"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_professional",
                violation_error_message=_("This provider is already a member of this network."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | ~Q(end_reason=""),
                name="membership_end_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["professional", "dossier"],
                condition=Q(ended_at__isnull=True),
                name="membership_active_by_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.professional} – {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class RoleDefault(models.Model):
    """What a role sees of each section unless the mother decides otherwise (R4).

    Editable in the admin; never above the role's legal limit (``network.access``)."""

    role = models.CharField(_("role"), max_length=25, choices=Role.choices)
    section = models.CharField(_("section"), max_length=15, choices=Section.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        verbose_name = _("default access of a role")
        verbose_name_plural = _("default access of roles")
        ordering = ["role", "section"]
        constraints = [
            models.UniqueConstraint(fields=["role", "section"], name="roledefault_unique"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="roledefault_level"),
        ]

    def __str__(self) -> str:
        role, section = self.get_role_display(), self.get_section_display()
        return f"{role} · {section}: {self.get_level_display()}"

    def clean(self) -> None:
        from network.access import check_within_limit

        check_within_limit(self.role, self.section, self.level)


class ConsentRule(RecordModel):
    """The mother's choice for one section: for every member of a role, or for one member."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="consent_rules", verbose_name=_("dossier")
    )
    section = models.CharField(_("section"), max_length=15, choices=Section.choices)
    role = models.CharField(_("role"), max_length=25, choices=Role.choices, blank=True)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_rules",
        verbose_name=_("member"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("consent rule")
        verbose_name_plural = _("consent rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="") & Q(membership__isnull=False))
                | (~Q(role="") & Q(membership__isnull=True)),
                name="consentrule_role_or_member",
            ),
            models.UniqueConstraint(
                fields=["dossier", "section", "role"],
                condition=~Q(role=""),
                name="consentrule_unique_role",
            ),
            models.UniqueConstraint(
                fields=["dossier", "section", "membership"],
                condition=Q(membership__isnull=False),
                name="consentrule_unique_member",
            ),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="consentrule_level"),
        ]

    def __str__(self) -> str:
        who = self.membership or self.get_role_display()
        return f"{who} · {self.get_section_display()}: {self.get_level_display()}"


class DossierUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-dossier permissions with a direct foreign key (its documented
    advice for speed). Derived data: ``network.access.recompute_permissions`` rewrites a
    dossier's rows from memberships, defaults and consent; nothing else writes here."""

    content_object = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="user_permissions"
    )

    class Meta(UserObjectPermissionBase.Meta):
        # guardian's unique (user, permission, content_object) is the index every access
        # query walks; a second index on the same columns only cost space and writes.
        pass


class Notification(RecordModel):
    """An in-app message to a member or the mother about a change in a network.

    Stored as a reference (``message``: the msgid; ``params``: ids, codes and msgids, see
    ``network.notices``) and rendered when read, in the reader's language and under the
    reader's rights of that moment: a notice about a dossier the reader may no longer open,
    or about a section no longer shared with them, is not shown. ``text`` holds only the
    rows written before (rendered once, kept as they were; shown under the same rights)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
    )
    section = models.CharField(_("section"), max_length=15, choices=Section.choices, blank=True)
    message = models.CharField(_("message id"), max_length=300, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    text = models.CharField(_("message (earlier rows)"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(message="") | ~Q(text=""), name="notification_has_message"
            )
        ]

    def __str__(self) -> str:
        return self.message or self.text


class Urgency(models.TextChoices):
    TODAY = "today", _("Needs attention today")
    NOW = "now", _("Needs attention now (call me)")


class Concern(RecordModel):
    """A worrying situation signalled by a member of the network or the mother herself
    (R28). It reaches the coordinator at once; only the coordinator and whoever signalled
    it read it (its text is psychosocial content). The coordinator acknowledges it once,
    with what they did about it."""

    TEXT_MAX = 2000

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="concerns", verbose_name=_("dossier")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signalled by"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    text = models.TextField(
        _("the situation"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    response = models.TextField(
        _("response"), max_length=TEXT_MAX, blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )

    class Meta:
        verbose_name = _("worrying situation")
        verbose_name_plural = _("worrying situations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="concern_has_text"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="concern_urgency"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(response=""),
                name="concern_acknowledged_has_response",
            ),
        ]
        indexes = [
            models.Index(
                fields=["dossier", "created_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="concern_open_by_dossier",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%d-%m-%Y %H:%M} " if self.created_at else ""
        return f"{when}{self.get_urgency_display()}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class Action(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DOWNLOAD = "download", _("Downloaded")
    JOIN = "join", _("Asked to join")  # a professional outside the network (JoinRequest)


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class AccessEvent(models.Model):
    """One line of the access log: one request's reads, changes or refusal on one record —
    who, when, which sections (a list: a page showing five sections is one event), allowed
    or refused. No clinical content.

    Each record has its own hash chain (``seq`` 1, 2, … and ``hash`` covering the event and
    the one before it), so appends to different records never wait on each other; events
    about no record (a reference that matches none) share chain 0. ``network.audit`` writes
    it in one statement per request, ``manage.py verify_access_log`` finds an edited,
    removed or reordered row, a cut chain and a chain deleted whole (the signed
    checkpoints). The database refuses UPDATE and DELETE; the table is partitioned by month
    (migration 0012), so that an old month can be archived (``archive_access_log``).

    Its table is made in SQL (migration 0012: a partitioned table, one index on the chain,
    a BRIN index on the time, no primary-key index), not as Django would make it: a field
    changed here needs a hand-written migration."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as shown)"), max_length=200)
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
    )
    # The reference asked for when it matched no record (else blank: the record says it).
    dossier_ref = models.CharField(_("dossier reference"), max_length=36, blank=True)
    sections = ArrayField(
        models.CharField(max_length=15, choices=Section.choices),
        verbose_name=_("sections"),
        default=list,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    seq = models.IntegerField(_("position in the record's chain"))
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access log")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%d-%m-%Y %H:%M} {self.actor_label} {self.action} {self.sections}"

    @property
    def chain(self) -> int:
        return self.dossier_id or 0

    @property
    def reference(self) -> str:
        return self.dossier_ref if self.dossier_id is None else ""

    def get_sections_display(self) -> list[str]:
        labels = dict(Section.choices)
        return [str(labels.get(s, s)) for s in self.sections]

    def parts_display(self) -> str:
        """The parts it concerned, as the mother reads them ("Care network": no section)."""
        return ", ".join(self.get_sections_display()) or str(_("Care network"))


class AccessChainHead(models.Model):
    """The last event of each record's chain (``chain`` = the dossier's id, 0 for events
    about no record): where the next append continues, under this row's lock only. A chain
    cut at its end or deleted whole no longer ends at its head. Rows are never deleted
    (a database trigger refuses it) and ``seq`` only grows."""

    chain = models.BigIntegerField(primary_key=True)
    seq = models.IntegerField()
    # The last event's time: the next one is never earlier (so months hold whole stretches
    # of a chain, and an archived month ends every chain it holds).
    at = models.DateTimeField()
    hash = models.BinaryField(max_length=32)
    # The seq the last checkpoint saw (the next checkpoint holds the heads that moved since).
    checkpointed_seq = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("access log chain head")
        verbose_name_plural = _("access log chain heads")

    def __str__(self) -> str:
        return f"{self.chain}: {self.seq}"


class AccessCheckpoint(models.Model):
    """A signed statement of the chain heads that moved since the checkpoint before
    (``AccessCheckpointHead``), written every few minutes by the beat: a chain deleted with
    its head afterwards is still missed by ``verify_access_log``. The signature is an HMAC
    with ``ACCESS_LOG_KEY`` (kept outside the database) over the heads and the previous
    checkpoint's signature, so checkpoints cannot be forged, edited or dropped unseen."""

    at = models.DateTimeField(_("when"))
    chains = models.IntegerField(_("chain heads held"))
    digest = models.BinaryField(max_length=32)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("access log checkpoint")
        verbose_name_plural = _("access log checkpoints")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%d-%m-%Y %H:%M} ({self.chains})"


class ChainPoint(models.Model):
    """One link of a record's chain named by its position and hash: a head a checkpoint
    signed, or the last event of a chain in an archived month."""

    chain = models.BigIntegerField()
    seq = models.IntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.chain}: {self.seq}"


class AccessCheckpointHead(ChainPoint):
    checkpoint = models.ForeignKey(AccessCheckpoint, on_delete=models.PROTECT, related_name="heads")

    class Meta:
        indexes = [models.Index(fields=["chain", "seq"])]


class AccessArchive(models.Model):
    """A month of the access log moved out of the database (``archive_access_log``): the
    file it went to, how many events, the file's SHA-256, and per chain the last event it
    held (``AccessArchiveAnchor``) — where verification of that chain resumes."""

    month = models.DateField(_("month"), unique=True)
    archived_at = models.DateTimeField(_("archived at"))
    events = models.BigIntegerField(_("events"))
    file_name = models.CharField(_("file"), max_length=300)
    file_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("archived month of the access log")
        verbose_name_plural = _("archived months of the access log")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class AccessArchiveAnchor(ChainPoint):
    archive = models.ForeignKey(AccessArchive, on_delete=models.PROTECT, related_name="anchors")

    class Meta:
        indexes = [models.Index(fields=["chain", "seq"])]


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """An e-mail or SMS to send, written in the same transaction as the change it tells of
    (DESIGN.md §4). A Celery task sends it and marks it sent; a periodic sweep sends what a
    broker outage left waiting and takes back what a dead worker held.

    ``key`` says what the message is about, once: the same change never makes two messages.
    A worker claims a message by taking a **lease** (``sending`` until ``leased_until``);
    if it dies before marking it sent, the lease runs out and the sweep sends it again with
    the same identity (Message-ID, iCalendar UID and SEQUENCE, the SMS idempotency key), so
    a crash means at worst a repeat the recipient's client recognises, never a loss. After
    ``network.outbox.MAX_ATTEMPTS`` tries the message is ``failed``: visible in the admin,
    where it can be tried again."""

    key = models.CharField(_("what it is about"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
        help_text=_("Empty for a mother without her own login."),
    )
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="nl"
    )
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
    )
    sender_name = models.CharField(_("sent on behalf of"), max_length=150, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("text (HTML)"), blank=True)
    calendar = models.TextField(_("calendar invitation (.ics)"), blank=True)
    calendar_method = models.CharField(_("calendar method"), max_length=7, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    leased_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(leased_until__isnull=False),
                name="outboxmessage_sending_has_lease",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.subject or self.body[:40]}"


class CalendarFeed(RecordModel):
    """A professional's private iCalendar address of their appointments: the token is the
    only key, so it can be revoked and replaced at any time."""

    professional = models.ForeignKey(
        Professional,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("care provider"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["professional"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_professional",
            )
        ]

    def __str__(self) -> str:
        return str(self.professional)


class TsTzRange(models.Func):
    """PostgreSQL's ``tstzrange(start, end)``: half-open, ``[start, end)``."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class OnCallShift(RecordModel):
    """Who of an organisation (a midwife practice, a maternity ward) answers from ``start``
    until ``end`` (R12, R13, R34), and the number to call (empty: the professional's own,
    else the organisation's). A shift is half-open: one ending at 08:00 and the next
    starting at 08:00 meet without overlapping. One organisation's shifts never overlap
    (an exclusion constraint; ``network.oncall`` says so on the field "start" before the
    database must). Stored in UTC, shown in Europe/Brussels. Who is on call for a mother
    now: ``network.oncall.on_call_now``."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="on_call_shifts",
        verbose_name=_("organisation"),
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.PROTECT,
        related_name="on_call_shifts",
        verbose_name=_("care provider on call"),
    )
    start = models.DateTimeField(_("on call from"))
    end = models.DateTimeField(_("on call until"))
    phone = models.CharField(
        _("number to call"),
        max_length=20,
        blank=True,
        validators=[phone_validator],
        help_text=_("Empty: the care provider's own number."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call rota")
        ordering = ["organisation", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="oncallshift_ends_after_start"
            ),
            ExclusionConstraint(
                name="oncallshift_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("organisation", RangeOperators.EQUAL),
                ],
                violation_error_message=_("Another shift of this organisation overlaps this one."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "end"], name="oncallshift_by_organisation")]

    def __str__(self) -> str:
        return f"{self.professional} {self.start:%d-%m-%Y %H:%M}–{self.end:%d-%m-%Y %H:%M}"

    @property
    def number(self) -> str:
        """The number to call: the shift's, else the professional's, else the
        organisation's."""
        return self.phone or self.professional.phone or self.organisation.phone


class JoinDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class JoinRequestQuerySet(models.QuerySet):
    def pending(self) -> models.QuerySet:
        """Not decided yet (a template counts them: ``dossier.join_requests.pending.count``)."""
        return self.filter(decision="")


class JoinRequest(RecordModel):
    """A professional outside a mother's care network asked to open a record for her with
    an INSZ already registered (issue 13: no existence oracle). Instead of being told "she is
    registered", they asked to join her record: the coordinator or the mother approves (the
    membership starts, ``network.joins``) or refuses. A pending or refused request gives no
    access at all. One pending request per professional and record."""

    NOTE_MAX = 300

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="join_requests", verbose_name=_("dossier")
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.PROTECT,
        related_name="join_requests",
        verbose_name=_("requested by"),
    )
    role = models.CharField(_("role asked"), max_length=25, choices=Role.choices)
    decision = models.CharField(
        _("decision"), max_length=10, choices=JoinDecision.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to join a care network")
        verbose_name_plural = _("requests to join a care network")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "professional"],
                condition=Q(decision=""),
                name="joinrequest_one_pending_per_professional",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (Q(decision__in=JoinDecision.values) & Q(decided_at__isnull=False)),
                name="joinrequest_decided_has_moment",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="joinrequest_role"),
        ]

    def __str__(self) -> str:
        return f"{self.professional} → {self.get_role_display()}"

    @property
    def is_pending(self) -> bool:
        return not self.decision
