"""Session limits for staff (MLPS 2.0 §8.1.4.1 d): idle timeout and absolute lifetime.

The idle timeout is Django's own (SESSION_COOKIE_AGE, renewed on every request); the
absolute lifetime is enforced here from the login time kept in the session.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

LOGIN_TIME_KEY = "registry_login_time"


@receiver(user_logged_in)
def _remember_login_time(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    request.session[LOGIN_TIME_KEY] = int(time.time())


class AbsoluteSessionLimitMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_TIME_KEY)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        response: HttpResponse = self.get_response(request)
        return response
