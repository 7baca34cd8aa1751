from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Care network")

    def ready(self):
        from dossier.signals import alerts_raised, known_mother_opening
        from network import alerting, joins

        alerts_raised.connect(
            lambda sender, alerts, actor, **kwargs: alerting.raised(alerts, actor),
            weak=False,
            dispatch_uid="network-alerts-raised",
        )
        known_mother_opening.connect(
            joins.on_known_mother, weak=False, dispatch_uid="network-join-request"
        )
