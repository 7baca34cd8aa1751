"""The error handlers (config/urls.py): under ``/api/`` an error is JSON like every other
answer of the API (``{"detail": …}``, as its schema says), elsewhere the site's own pages
(templates/400.html, 403.html, 404.html, 500.html: the layout, the language, a way back).
The 500 page is rendered without a request context, so it needs no database."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _api(request):
        return JsonResponse({"detail": _("The request was not understood.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _api(request):
        return JsonResponse({"detail": str(exception) or _("Not allowed.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side; nothing was saved.")}, status=500
        )
    return defaults.server_error(request)
