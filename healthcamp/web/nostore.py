"""Nothing healthcamp answers is kept by a browser or a proxy cache.

Almost every page and API answer shows a person (a record, a result, a consent, a
log); on a shared phone or a camp's shared tablet, the back button and the cache
must not show the next user what the last one saw. Static files are served before
this (WhiteNoise) and keep their own caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response
