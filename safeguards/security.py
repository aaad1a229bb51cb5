"""The back-office's response headers, and the query strings it accepts. (Role separation
lives in ``registry.staff.separation``.)"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse

BACK_OFFICE_PREFIXES = ("/admin/", "/en/admin/")
# Longer than any parameter name or value a back-office screen makes (a search, a filter,
# the list's filters kept while editing a record, the page to return to after login).
MAX_QUERY_VALUE_LENGTH = 1000


class BackOfficeNoStoreMiddleware:
    """Back-office pages hold personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if request.path.startswith(BACK_OFFICE_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response


class MalformedQueryString(SuspiciousOperation):
    """A back-office address that no screen makes: Django answers 400 and logs it to
    ``django.security.MalformedQueryString``."""


class BackOfficeQueryStringMiddleware:
    """Malformed back-office addresses get 400, never a server error, on every admin page
    at once (ours and those of django-axes, django-otp and django-celery-beat):

    - an address holding a NUL byte (in its path or any parameter) or a parameter name or
      value longer than ``MAX_QUERY_VALUE_LENGTH`` characters is refused before any view
      runs. No screen makes one; PostgreSQL cannot even compare with a NUL byte, so
      ``?status=%00`` would otherwise fail in the list's query.
    - a list whose URL filters the database or Python's dates refuse once the query runs:
      Django's admin accepts any lookup on a model's own field (``?name__regex=(``,
      ``?amount__gt=1e1000000``, ``?filed_on__year=0``) and checks only what it can
      before that; its date drill-down lets a 30-digit year overflow. The error stays in
      the log (``django.security.MalformedQueryString``, with its traceback).

    - an unknown field or a value of the wrong type, which Django's admin would answer by
      reloading the list with ``?e=1``, and a lookup across relations no filter offers.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(BACK_OFFICE_PREFIXES):
            if "\x00" in request.path:
                raise MalformedQueryString("NUL byte in a back-office path")
            for name, values in request.GET.lists():
                for text in (name, *values):
                    if "\x00" in text:
                        raise MalformedQueryString(f"NUL byte in the back-office parameter {name[:50]!r}")
                    if len(text) > MAX_QUERY_VALUE_LENGTH:
                        raise MalformedQueryString(f"over-long back-office parameter {name[:50]!r}")
        response: HttpResponse = self.get_response(request)
        if (
            response.status_code == 302
            and request.method == "GET"
            and request.path.startswith(BACK_OFFICE_PREFIXES)
            and response.get("Location", "").endswith(f"?{ERROR_FLAG}=1")
        ):
            # Django's admin answers an unknown lookup (?foo__bar=1) by reloading the list
            # with ?e=1; an address no screen makes is a bad request (issue 23).
            raise MalformedQueryString("unknown lookup in a back-office list filter")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        match = request.resolver_match
        if (
            isinstance(exception, DataError | OverflowError | ValueError)
            and request.GET
            and request.path.startswith(BACK_OFFICE_PREFIXES)
            and match is not None
            and (match.url_name or "").endswith("_changelist")
        ):
            raise MalformedQueryString(f"a list filter was refused: {exception}") from exception
