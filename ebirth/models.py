"""The eBirth app's tables. For now one, without rows: it carries the permission to read
the anonymous figures (R31), which a policy analyst's account is given in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Figures(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_figures", "Can view the anonymous figures for policy makers")]
        verbose_name = _("figures for policy makers")
        verbose_name_plural = _("figures for policy makers")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
