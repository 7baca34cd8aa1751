"""The personas of every permission test (DESIGN.md §7), around one care network.

Dossier A (delivered, one newborn): coordinator midwife Griet, GP Karim, paediatrician Anne,
maternity assistant Ingrid, and the mother Lotte with her own login. Dossier B: another
mother (Eva) with only Griet. Olivia is a midwife outside every network; ``anonymous`` is
nobody signed in."""

from dataclasses import dataclass

from dossier.sections import Section
from network import services
from network.access import recompute_permissions
from network.models import Level, Profession
from tests.factories import (
    DeliveryFactory,
    DossierFactory,
    NewbornFactory,
    ProfessionalFactory,
    UserFactory,
    join,
)


@dataclass
class Network:
    a: object
    b: object
    newborn: object
    users: dict

    def fresh(self) -> "Network":
        """The same rows as new instances (a shared network's per-test copy: nothing one
        test caches or changes on an instance reaches the next)."""
        from django.contrib.auth.models import User

        from dossier.models import Dossier, Newborn

        users = {
            u.pk: u for u in User.objects.filter(pk__in=[u.pk for u in self.users.values() if u])
        }
        return Network(
            a=Dossier.objects.select_related("mother").get(pk=self.a.pk),
            b=Dossier.objects.select_related("mother").get(pk=self.b.pk),
            newborn=Newborn.objects.get(pk=self.newborn.pk),
            users={k: users[u.pk] if u else None for k, u in self.users.items()},
        )


def build_network(*, gp_without_delivery: bool = False) -> Network:
    """``gp_without_delivery``: the mother has closed the delivery section to Karim."""
    people = {
        "coordinator": ProfessionalFactory(user__username="griet").user,
        "gp": ProfessionalFactory(user__username="karim", profession=Profession.GP).user,
        "paediatrician": ProfessionalFactory(
            user__username="anne", profession=Profession.PAEDIATRICIAN
        ).user,
        "assistant": ProfessionalFactory(
            user__username="ingrid", profession=Profession.MATERNITY_ASSISTANT
        ).user,
        "outsider": ProfessionalFactory(user__username="olivia").user,
        "mother": UserFactory(username="lotte"),
        "other_mother": UserFactory(username="eva"),
        "anonymous": None,
    }
    a = DeliveryFactory(
        dossier__coordinator=people["coordinator"], dossier__mother__user=people["mother"]
    ).dossier
    newborn = NewbornFactory(dossier=a)
    b = DossierFactory(coordinator=people["coordinator"], mother__user=people["other_mother"])
    for persona in ("gp", "paediatrician", "assistant"):
        join(a, people[persona], recompute=False)
    recompute_permissions(a)
    if gp_without_delivery:
        services.consent_set(
            actor=people["mother"],
            dossier=a,
            section=Section.DELIVERY,
            level=Level.NONE,
            membership=a.memberships.get(professional__user=people["gp"]),
        )
    return Network(a=a, b=b, newborn=newborn, users=people)
