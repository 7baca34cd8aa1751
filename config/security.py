"""Response headers that keep a record's pages where they belong.

``NoStoreMiddleware``: whatever is answered to a signed-in user (a page, a PDF, a CSV, the
API with a token) carries ``Cache-Control: no-store``, so a shared PC's browser cache, its
back button after logging out, or a proxy never keeps a copy of health data. The
Content-Security-Policy comes from django-csp (settings ``CONTENT_SECURITY_POLICY``)."""

from __future__ import annotations


def signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_authenticated", False) or request.headers.get("Authorization"))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if signed_in(request):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
