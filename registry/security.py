"""The back-office's response headers. (Role separation lives in ``registry.separation``.)"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


class BackOfficeNoStoreMiddleware:
    """Back-office pages hold personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if request.path.startswith(("/admin/", "/en/admin/")):
            response["Cache-Control"] = "no-store"
        return response
