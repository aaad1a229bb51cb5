"""Calling a service from the back-office: the one place that turns a service's refusal
into a message on the page the user is on, instead of an error page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


def run_service(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    call: Callable[..., Any],
    success: str,
) -> bool:
    """Call ``call`` (a service with its arguments bound); show ``success``, or the reason
    the service refused (a ``ValidationError`` or ``PermissionDenied``) as an error.
    True when the service did its work."""
    try:
        call()
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        model_admin.message_user(request, text, messages.ERROR)
        return False
    model_admin.message_user(request, success, messages.SUCCESS)
    return True
