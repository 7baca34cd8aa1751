from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Care network")

    def ready(self):
        from dossier.signals import alert_raised
        from network import alerting

        alert_raised.connect(lambda sender, alert, actor, **kwargs: alerting.raised(alert, actor),
                             weak=False, dispatch_uid="network-alert-raised")
