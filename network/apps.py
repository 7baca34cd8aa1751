from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Care network")

    def ready(self):
        from dossier.signals import alerts_raised
        from network import alerting

        alerts_raised.connect(
            lambda sender, alerts, actor, **kwargs: alerting.raised(alerts, actor),
            weak=False, dispatch_uid="network-alerts-raised")
