"""Staff pages in the member's own language: the one chosen on their account, otherwise
the browser's (Django's LocaleMiddleware, which runs first). The portal and the API set
their own language (the participant's), so this only touches staff pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from healthcamp.services import staff_admin

SESSION_KEY = "staff_language"
OWN_LANGUAGE = ("/me/", "/api/")  # the portal speaks the participant's; the API English


class StaffLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(OWN_LANGUAGE):
            # Read from the account once a session: a page load costs no query.
            if SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = staff_admin.staff_language(user_id=user.pk)
            if chosen := request.session[SESSION_KEY]:
                translation.activate(chosen)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def remember(request: HttpRequest, language: str) -> None:
    """After the member changes it: this session follows at once."""
    request.session[SESSION_KEY] = language
