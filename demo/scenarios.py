"""The demo's people and records: a care network of every profession and a dozen mothers
across Belgium at every stage, dated relative to the day the demo is first loaded.

Everything is written through the same services the pages use, so the demo data obey every
rule a real record does. Loading is idempotent: people are found by user name or INSZ,
and a mother already present keeps the records she has."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone

from demo import entries as demo_entries
from demo.totp import demo_secret, ensure_demo_device
from dossier import services
from dossier.geography import province_for_postcode
from dossier.insz import build_insz
from dossier.models import (
    Anomaly,
    Conception,
    Delivery,
    DeliveryMode,
    Dossier,
    DossierStatus,
    Feeding,
    Mother,
    Newborn,
    NewbornStatus,
    PlaceOfBirth,
    Presentation,
    RiskFactor,
    Sex,
)
from network import services as network_services
from network.models import Organisation, OrganisationKind, Profession, Professional

DEMO_PASSWORD = "moederschap-demo"
ADMIN_USERNAME = "beheerder"
REGISTRAR_USERNAME = "rita"

ORGANISATIONS = [
    ("UZ Gent – materniteit", OrganisationKind.MATERNITY_WARD, "Gent"),
    ("AZ Sint-Jan Brugge – materniteit", OrganisationKind.MATERNITY_WARD, "Brugge"),
    ("Vroedvrouwenpraktijk De Wieg", OrganisationKind.MIDWIFE_PRACTICE, "Gent"),
    ("Kraamzorg Familiehulp", OrganisationKind.HOME_HELP_PRIVATE, "Brussel"),
    ("OCMW Gent – kraamzorg", OrganisationKind.HOME_HELP_PUBLIC, "Gent"),
    ("Huisartsenpraktijk Brugse Poort", OrganisationKind.GP_PRACTICE, "Gent"),
    ("Kind en Gezin – regio Gent", OrganisationKind.CHILD_HEALTH_OFFICE, "Gent"),
]
# The maternity wards' contact for the home midwives (R13): whom a consult request or an
# escalated alert reaches when no midwife of the ward is in the network.
WARD_CONTACTS = {
    "UZ Gent – materniteit": ("09 123 45 67", "materniteit@uzgent.example.org"),
    "AZ Sint-Jan Brugge – materniteit": ("050 12 34 56", "materniteit@azsintjan.example.org"),
}
# Who chose French for their e-mails, SMS and calendar ("Mijn berichten").
FRENCH_SPEAKING = {"ellen"}

# (user name, first name, surname, profession, RIZIV/INAMI number, organisation)
PROFESSIONALS = [
    (
        "griet",
        "Griet",
        "Van den Broeck",
        Profession.MIDWIFE,
        "40123456001",
        "Vroedvrouwenpraktijk De Wieg",
    ),
    ("sarah", "Sarah", "Mertens", Profession.MIDWIFE, "40234567001", "UZ Gent – materniteit"),
    (
        "pieter",
        "Pieter",
        "De Vos",
        Profession.GYNAECOLOGIST,
        "11234567580",
        "UZ Gent – materniteit",
    ),
    ("karim", "Karim", "Benali", Profession.GP, "11345678004", "Huisartsenpraktijk Brugse Poort"),
    (
        "anne",
        "Anne",
        "Willems",
        Profession.PAEDIATRICIAN,
        "11456789690",
        "AZ Sint-Jan Brugge – materniteit",
    ),
    ("ingrid", "Ingrid", "Goossens", Profession.MATERNITY_ASSISTANT, "", "Kraamzorg Familiehulp"),
    ("leen", "Leen", "Jacobs", Profession.CHILD_HEALTH_NURSE, "", "Kind en Gezin – regio Gent"),
    ("ellen", "Ellen", "Dupont", Profession.LACTATION_CONSULTANT, "", ""),
    ("tom", "Tom", "Verstraete", Profession.PHYSIOTHERAPIST, "51234567001", ""),
    ("nadia", "Nadia", "Ouali", Profession.SOCIAL_WORKER, "", "OCMW Gent – kraamzorg"),
]


@dataclass
class Baby:
    sex: str
    weight: int
    apgar: tuple[int, int] = (9, 10)
    given_name: str = ""
    status: str = NewbornStatus.WITH_MOTHER
    feeding: str = Feeding.BREAST
    with_insz: bool = True
    anomaly: str = Anomaly.NONE  # "" : not yet answered (the eBirth worklist asks for it)


@dataclass
class Story:
    """One mother and the course of her pregnancy so far, in days relative to today."""

    given_name: str
    family_name: str
    born: datetime.date
    postcode: str
    municipality: str
    language: str = "nl"
    insurer: str = "100"
    weeks_pregnant: int | None = None  # still pregnant: weeks since the last period
    delivered_days_ago: int | None = None
    stay_hours: int | None = None  # discharged after this many hours; None: still admitted
    place: str = PlaceOfBirth.HOSPITAL
    ward: str = "UZ Gent – materniteit"
    mode: str = DeliveryMode.SPONTANEOUS
    gestation: tuple[int, int] = (39, 3)
    babies: list[Baby] = field(default_factory=list)
    gravidity: int = 1
    parity: int = 0
    risks: list[str] = field(default_factory=list)
    conception: str = Conception.SPONTANEOUS  # "": not yet recorded
    final_status: str | None = None
    coordinator: str = "griet"
    members: list[str] = field(default_factory=list)
    login: str = ""  # the mother's own user name, if she has an account
    entries: str = ""  # demo.entries: "prenatal" or "at_home"


STORIES = [
    Story(
        "An",
        "Peeters",
        datetime.date(1995, 4, 12),
        "9000",
        "Gent",
        weeks_pregnant=9,
        coordinator="griet",
        login="an",
    ),
    Story(
        "Fatima",
        "El Amrani",
        datetime.date(1991, 9, 3),
        "1080",
        "Sint-Jans-Molenbeek",
        language="fr",
        insurer="300",
        weeks_pregnant=34,
        gravidity=3,
        parity=2,
        coordinator="karim",
        members=["griet", "nadia", "leen"],
        login="fatima",
        entries="prenatal",
    ),
    Story(
        "Sofie",
        "Janssens",
        datetime.date(1993, 1, 27),
        "2018",
        "Antwerpen",
        delivered_days_ago=1,
        ward="ZNA Middelheim – materniteit",
        conception="",
        babies=[Baby(Sex.FEMALE, 3420, given_name="Lena", anomaly="")],
        coordinator="griet",
        members=["sarah", "anne", "ingrid"],
    ),
    Story(
        "Lotte",
        "Claes",
        datetime.date(1990, 6, 30),
        "3500",
        "Hasselt",
        delivered_days_ago=6,
        stay_hours=96,
        ward="Jessa Ziekenhuis – materniteit",
        mode=DeliveryMode.EMERGENCY_CAESAREAN,
        gestation=(36, 2),
        gravidity=2,
        parity=1,
        risks=[RiskFactor.ASSISTED_CONCEPTION],
        conception=Conception.IVF_ICSI,
        babies=[Baby(Sex.MALE, 2480, (8, 9), "Mats"), Baby(Sex.MALE, 2310, (7, 9), "Wout")],
        coordinator="pieter",
        members=["griet", "anne", "karim", "ingrid", "ellen"],
        login="lotte",
        entries="at_home",
    ),
    Story(
        "Marie",
        "Dubois",
        datetime.date(1996, 11, 8),
        "5000",
        "Namur",
        language="fr",
        insurer="500",
        delivered_days_ago=3,
        stay_hours=50,
        ward="CHU UCL Namur – maternité",
        babies=[Baby(Sex.FEMALE, 3150, given_name="Louise")],
        coordinator="sarah",
        members=["griet", "anne"],
    ),
    Story(
        "Elise",
        "Wouters",
        datetime.date(1988, 2, 19),
        "3000",
        "Leuven",
        delivered_days_ago=60,
        stay_hours=72,
        ward="UZ Leuven – materniteit",
        gravidity=2,
        parity=1,
        babies=[Baby(Sex.MALE, 3710, given_name="Jules")],
        final_status=DossierStatus.CLOSED,
        coordinator="griet",
        members=["karim", "tom"],
    ),
    Story(
        "Julie",
        "Lambert",
        datetime.date(1994, 7, 14),
        "4000",
        "Liège",
        language="fr",
        insurer="200",
        weeks_pregnant=38,
        risks=[RiskFactor.GESTATIONAL_DIABETES],
        coordinator="pieter",
    ),
    Story(
        "Nathalie",
        "Maes",
        datetime.date(1992, 5, 5),
        "8000",
        "Brugge",
        delivered_days_ago=3,
        place=PlaceOfBirth.HOME,
        ward="",
        gravidity=3,
        parity=2,
        babies=[Baby(Sex.FEMALE, 3890, given_name="Noor")],
        coordinator="griet",
        members=["karim", "ingrid", "leen"],
    ),
    Story(
        "Amira",
        "Haddad",
        datetime.date(1989, 12, 1),
        "6000",
        "Charleroi",
        language="fr",
        insurer="600",
        delivered_days_ago=4,
        ward="GHdC Charleroi – maternité",
        mode=DeliveryMode.EMERGENCY_CAESAREAN,
        gestation=(33, 5),
        risks=[RiskFactor.HYPERTENSION],
        babies=[
            Baby(
                Sex.MALE,
                1980,
                (6, 8),
                "Adam",
                NewbornStatus.NEONATAL_UNIT,
                Feeding.MIXED,
                with_insz=False,
            )
        ],
        coordinator="sarah",
        members=["griet", "anne", "nadia"],
    ),
    Story(
        "Hanne",
        "Vermeulen",
        datetime.date(1997, 3, 22),
        "2800",
        "Mechelen",
        weeks_pregnant=20,
        insurer="400",
        risks=[RiskFactor.GESTATIONAL_DIABETES, RiskFactor.OBESITY],
        coordinator="karim",
        members=["griet"],
    ),
    Story(
        "Camille",
        "Lejeune",
        datetime.date(1998, 8, 16),
        "6700",
        "Arlon",
        language="fr",
        insurer="100",
        weeks_pregnant=28,
        coordinator="pieter",
        members=["karim"],
    ),
    Story(
        "Eva",
        "De Smet",
        datetime.date(1993, 10, 2),
        "1300",
        "Wavre",
        language="nl",
        weeks_pregnant=11,
        final_status=DossierStatus.CLOSED,
        coordinator="griet",
        members=["karim"],
    ),
]


@dataclass
class DemoResult:
    created_mothers: int = 0
    existing_mothers: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    mother_logins: list[tuple[str, str]] = field(default_factory=list)
    totp_secrets: dict[str, str] = field(default_factory=dict)  # user name: base32 secret


@transaction.atomic
def load_demo(today: datetime.date | None = None) -> DemoResult:
    today = today or timezone.localdate()
    result = DemoResult()
    ensure_demo_device(_admin_user())
    result.logins.append((ADMIN_USERNAME, "beheerder (staff, Django admin)"))
    result.totp_secrets[ADMIN_USERNAME] = demo_secret(ADMIN_USERNAME)
    organisations = {
        name: Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "municipality": municipality,
                "ward_phone": WARD_CONTACTS.get(name, ("", ""))[0],
                "ward_email": WARD_CONTACTS.get(name, ("", ""))[1],
            },
        )[0]
        for name, kind, municipality in ORGANISATIONS
    }
    for username, first, last, profession, riziv, organisation in PROFESSIONALS:
        user = _user(username, first, last)
        place = organisations.get(organisation)
        Professional.objects.update_or_create(
            user=user,
            defaults={
                "profession": profession,
                "riziv_number": riziv,
                "organisation": place,
                "municipality": place.municipality if place else "Gent",
                # R7: a French-speaking provider gets her messages and calendar in French
                "language": "fr" if username in FRENCH_SPEAKING else "",
            },
        )
        result.logins.append((username, f"{first} {last} ({profession.label})"))
        ensure_demo_device(user)
        result.totp_secrets[username] = demo_secret(username)
    _registrar()
    result.logins.append((REGISTRAR_USERNAME, "Rita Claes (eBirth registrar)"))
    result.totp_secrets[REGISTRAR_USERNAME] = demo_secret(REGISTRAR_USERNAME)
    for serial, story in enumerate(STORIES, start=1):
        insz = build_insz(story.born, serial * 2)
        if story.login:
            result.mother_logins.append(
                (story.login, f"{story.given_name} {story.family_name} (mother)")
            )
        if Mother.objects.filter(insz=insz).exists():
            result.existing_mothers += 1
            continue
        coordinator = User.objects.get(username=story.coordinator)
        _tell(story, serial, insz, coordinator, today)
        result.created_mothers += 1
    return result


def _admin_user() -> User:
    user, _created = User.objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"first_name": "Demo", "last_name": "Beheerder", "email": "beheerder@example.org"},
    )
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    # the figures are given, not implied by being a superuser (network.access.granted)
    user.user_permissions.add(
        Permission.objects.get(codename="view_figures", content_type__app_label="ebirth")
    )
    return user


def _registrar() -> User:
    """The registrar: starts the eBirth exports and downloads them; sees no record."""
    user = _user(REGISTRAR_USERNAME, "Rita", "Claes")
    user.user_permissions.add(
        Permission.objects.get(codename="run_export", content_type__app_label="ebirth")
    )
    ensure_demo_device(user)
    return user


def _user(username: str, first: str, last: str) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _tell(story: Story, serial: int, insz: str, actor: User, today: datetime.date) -> None:
    mother = Mother(
        insz=insz,
        given_name=story.given_name,
        family_name=story.family_name,
        date_of_birth=story.born,
        phone="0470 12 34 56",
        email=f"{story.given_name}.{story.family_name.replace(' ', '')}@example.org".lower(),
        street_address="Kerkstraat 1",
        postcode=story.postcode,
        municipality=story.municipality,
        province=province_for_postcode(story.postcode),
        preferred_language=story.language,
        health_insurer=story.insurer,
        user=_user(story.login, story.given_name, story.family_name) if story.login else None,
    )
    if story.weeks_pregnant is not None:
        lmp = today - datetime.timedelta(weeks=story.weeks_pregnant)
    else:
        weeks, days = story.gestation
        lmp = today - datetime.timedelta(days=story.delivered_days_ago + weeks * 7 + days)
    dossier = Dossier(
        last_menstrual_period=lmp,
        gravidity=story.gravidity,
        parity=story.parity,
        fetus_count=max(1, len(story.babies)),
        risk_factors=list(story.risks),
        conception=story.conception,
    )
    services.dossier_open(actor=actor, mother=mother, dossier=dossier)
    for username in story.members:
        network_services.membership_add(
            actor=actor,
            dossier=dossier,
            professional=Professional.objects.get(user__username=username),
        )
    if story.delivered_days_ago is not None:
        _deliver(story, serial, dossier, actor, today)
    if story.entries == "prenatal":
        demo_entries.prenatal(dossier, actor, today)
    elif story.entries == "at_home":
        demo_entries.at_home(dossier, User.objects.get(username="griet"), mother.user)
        demo_entries.care_plan(dossier, User.objects.get(username="griet"))
    if story.final_status:
        dossier.status = story.final_status
        if services.open_care(dossier):
            dossier.closure_reason = (
                "Opvolging afgerond; screenings en controles gebeurden "
                "in het ziekenhuis en zijn hier niet overgenomen."
            )
        services.dossier_update(actor=actor, dossier=dossier)


def _deliver(
    story: Story, serial: int, dossier: Dossier, actor: User, today: datetime.date
) -> None:
    born_at = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=story.delivered_days_ago), datetime.time(4, 35)
        )
    )
    in_hospital = story.place == PlaceOfBirth.HOSPITAL
    admitted_at = born_at - datetime.timedelta(hours=9) if in_hospital else None
    discharged_at = (
        admitted_at + datetime.timedelta(hours=story.stay_hours)
        if in_hospital and story.stay_hours
        else None
    )
    weeks, days = story.gestation
    delivery = Delivery(
        dossier=dossier,
        born_at=born_at,
        place=story.place,
        maternity_ward=story.ward,
        gestational_weeks=weeks,
        gestational_days=days,
        mode=story.mode,
        presentation=Presentation.CEPHALIC,
        epidural=in_hospital,
        induction=bool(story.risks),
        blood_loss_ml=650 if "caesarean" in story.mode else 300,
        admitted_at=admitted_at,
        discharged_at=discharged_at,
    )
    services.delivery_record(actor=actor, delivery=delivery)
    for order, baby in enumerate(story.babies, start=1):
        services.newborn_record(
            actor=actor,
            newborn=Newborn(
                dossier=dossier,
                birth_order=order,
                given_name=baby.given_name,
                family_name=story.family_name,
                sex=baby.sex,
                insz=build_insz(born_at.date(), serial * 10 + order * 2 + (baby.sex == Sex.MALE))
                if baby.with_insz
                else "",
                birth_weight_g=baby.weight,
                length_cm=Decimal("50.0") - (3 - order),
                head_circumference_cm=Decimal("34.5"),
                apgar_1=baby.apgar[0],
                apgar_5=baby.apgar[1],
                feeding=baby.feeding,
                status=baby.status,
                congenital_anomaly=baby.anomaly,
                neonatal_admission=baby.status == NewbornStatus.NEONATAL_UNIT,
            ),
        )
    if discharged_at or story.place == PlaceOfBirth.HOME:
        dossier.status = DossierStatus.POSTNATAL
        services.dossier_update(actor=actor, dossier=dossier)
