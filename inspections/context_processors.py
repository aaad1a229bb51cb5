"""The unread count shown in the back-office header."""

from __future__ import annotations

from django.http import HttpRequest

from .models import Notification


def inbox(request: HttpRequest) -> dict[str, int]:
    # The path first: public pages must not load the session for this.
    if not request.path.startswith(("/admin", "/en/admin")):
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count()}
