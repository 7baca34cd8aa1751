"""``{% if user|granted:"ebirth.run_export" %}``: a permission given to the user (or their
group) in the admin, as ``network.access.granted`` decides — unlike ``perms``, a superuser
does not have it unless it was given (the menu offers only what the pages allow)."""

from django import template

from network import access

register = template.Library()


@register.filter
def granted(user, permission: str) -> bool:
    return access.granted(user, permission)
