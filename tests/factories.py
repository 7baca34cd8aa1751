"""factory_boy factories that build valid records; a test changes only what it is about."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.alerts import BY_CODE, Severity
from dossier.insz import build_insz
from dossier.models import Alert, Delivery, DeliveryMode, Dossier, Mother, Newborn, Sex
from network.access import recompute_permissions
from network.models import Membership, Profession, Professional, Role

TODAY = datetime.date.today()
_FAKE = factory.Faker._get_faker(locale="nl_BE")
# Characters a page escapes: a generated name never holds one, so a test's "the page shows
# (or does not show) this name" compares like with like (D'Hondt is D&#x27;Hondt in HTML,
# and "not in" would pass for the wrong reason). Names with them are tested on purpose.
_ESCAPED = set("'\"&<>")


def _plain(draw) -> str:
    while True:
        name = draw()
        if not _ESCAPED & set(name):
            return name


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(lambda: _plain(_FAKE.first_name))
    last_name = factory.LazyFunction(lambda: _plain(_FAKE.last_name))
    password = factory.django.Password("correct-horse-battery")


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    profession = Profession.MIDWIFE


class MotherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mother

    given_name = factory.LazyFunction(lambda: _plain(_FAKE.first_name_female))
    # double-barrelled, so no generated professional can share it: the tests that a name is
    # NOT shown must not fail because a GP happens to be called Janssens too
    family_name = factory.LazyFunction(
        lambda: f"{_plain(_FAKE.last_name)}-{_plain(_FAKE.last_name)}"
    )
    date_of_birth = factory.Sequence(
        lambda n: datetime.date(1990, 1, 1) + datetime.timedelta(days=n)
    )
    insz = factory.LazyAttributeSequence(
        lambda o, n: build_insz(o.date_of_birth, 2 + 2 * (n % 400))
    )
    postcode = "9000"
    municipality = "Gent"
    province = "VOV"


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    mother = factory.SubFactory(MotherFactory)
    last_menstrual_period = factory.LazyFunction(lambda: TODAY - datetime.timedelta(weeks=12))
    expected_due_date = factory.LazyAttribute(
        lambda o: o.last_menstrual_period + datetime.timedelta(days=280)
    )

    @factory.post_generation
    def coordinator(self, create, extracted, **kwargs):
        """Every saved dossier has a care coordinator: the user given
        (``DossierFactory(coordinator=midwife)``), else a new midwife."""
        if not create:
            return
        user = extracted or ProfessionalFactory().user
        Membership.objects.create(
            dossier=self,
            professional=user.professional,
            role=Role.COORDINATOR,
            started_at=timezone.now(),
        )
        recompute_permissions(self)


def noon_days_ago(days: int) -> datetime.datetime:
    """Noon in Belgium ``days`` days ago: a birth time whose calendar days (the age the growth
    tables are read at) never shift by a summer-time change or a run near midnight UTC."""
    today = timezone.localdate()
    return timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time(12))
    )


def join(dossier, user, role=None, *, recompute=True):
    """Make ``user`` (a professional) a member of the dossier's network. Whoever adds
    several members at once may pass ``recompute=False`` and call
    ``recompute_permissions(dossier)`` once after the last."""
    membership = Membership.objects.create(
        dossier=dossier,
        professional=user.professional,
        role=role or user.professional.profession,
        started_at=timezone.now(),
    )
    if recompute:
        recompute_permissions(dossier)
    return membership


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    dossier = factory.SubFactory(
        DossierFactory,
        last_menstrual_period=factory.LazyFunction(lambda: TODAY - datetime.timedelta(days=280)),
        status="delivered",
    )
    born_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    maternity_ward = "UZ Gent – materniteit"
    gestational_weeks = 39
    gestational_days = 6
    mode = DeliveryMode.SPONTANEOUS
    admitted_at = factory.LazyAttribute(lambda o: o.born_at - datetime.timedelta(hours=8))


class NewbornFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newborn

    class Params:
        coordinator = None

    dossier = factory.LazyAttribute(
        lambda o: DeliveryFactory(dossier__coordinator=o.coordinator).dossier
    )
    sex = Sex.FEMALE
    birth_weight_g = 3400
    length_cm = Decimal("50.5")
    head_circumference_cm = Decimal("34.0")
    apgar_1 = 9
    apgar_5 = 10


class AlertFactory(factory.django.DjangoModelFactory):
    """An open alert as a rule of ``dossier.alerts`` raises it (urgent, in the postnatal
    section, about an entry of the record), written straight: nobody is notified."""

    class Meta:
        model = Alert

    rule = factory.LazyFunction(lambda: next(iter(BY_CODE)))
    section = "postnatal"
    severity = Severity.URGENT
    entry_kind = "x"
    entry_id = factory.LazyAttribute(lambda alert: alert.dossier.public_id)
