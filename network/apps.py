from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Care network")

    def ready(self):
        from django.db.models.signals import post_migrate

        from config import prepared
        from dossier.signals import alerts_raised, known_mother_opening
        from network import access, alerting, joins

        # the permission ids access.py keeps are made anew by a flush or a migration
        post_migrate.connect(
            access.forget_permission_ids, weak=False, dispatch_uid="network-permission-ids"
        )
        # and so may the statements compiled once (config.prepared) that carry those ids
        post_migrate.connect(prepared.forget_all, weak=False, dispatch_uid="prepared-statements")

        alerts_raised.connect(
            lambda sender, alerts, actor, **kwargs: alerting.raised(alerts, actor),
            weak=False,
            dispatch_uid="network-alerts-raised",
        )
        known_mother_opening.connect(
            joins.on_known_mother, weak=False, dispatch_uid="network-join-request"
        )
