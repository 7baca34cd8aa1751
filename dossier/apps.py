from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "dossier"
    verbose_name = _("Maternity records")

    def ready(self):
        from dossier.tracking import install_history_triggers

        post_migrate.connect(
            install_history_triggers, sender=self, dispatch_uid="dossier.history_triggers"
        )
