"""The interface language is the one the user chose, else Dutch.

Django's LocaleMiddleware would follow the browser's Accept-Language; a shared record used
on borrowed tablets and hospital PCs should not switch language by itself, so only the
user's own choice (the language cookie set by the switch in the header) counts."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
