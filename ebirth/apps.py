from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbirthConfig(AppConfig):
    name = "ebirth"
    verbose_name = _("eBirth registration")
