from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareplanConfig(AppConfig):
    name = "careplan"
    verbose_name = _("Postnatal care plan")

    def ready(self):
        from careplan import messages, selectors
        from dossier.signals import closing, discharge_confirmed

        discharge_confirmed.connect(
            lambda sender, dossier, discharged_at, **kwargs: messages.discharge_confirmed(
                dossier, discharged_at
            ),
            weak=False,
            dispatch_uid="careplan-discharge",
        )
        closing.connect(
            lambda sender, dossier, **kwargs: selectors.open_before_closing(dossier),
            weak=False,
            dispatch_uid="careplan-closing",
        )
