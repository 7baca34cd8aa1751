from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareplanConfig(AppConfig):
    name = "careplan"
    verbose_name = _("Postnatal care plan")
