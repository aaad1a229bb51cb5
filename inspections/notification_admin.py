"""The back-office list of reminders sent (read-only): who was told what, and when."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin_mixins import ReadOnlyAdminMixin, staff_user

# task_admin and self_check_admin register the task list and the providers' own checks.
from .models import (
    Notification,
)

CHECK_CHOICES = [("pass", _("Pass")), ("fail", _("Fail")), ("n/a", _("Not applicable"))]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each user's inbox: their own notifications only."""

    list_display = ["message_link", "kind", "due_on", "created_at", "is_read"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    actions = ["mark_read"]
    fields = readonly_fields = ("kind", "message", "due_on", "link", "created_at", "read_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        notifications = super().get_queryset(request)
        if request.user.is_superuser:  # break-glass: every inbox, read-only
            return notifications
        return notifications.filter(recipient=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_mark_read_permission(self, request: HttpRequest) -> bool:
        return True

    @admin.display(description=_("message"))
    def message_link(self, notification: Notification) -> str:
        return format_html('<a href="{}">{}</a>', notification.link or "#", notification.message)

    @admin.display(description=_("read"), boolean=True)
    def is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    @admin.action(description=_("Mark as read"), permissions=["mark_read"])
    def mark_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        queryset.filter(read_at__isnull=True).update(read_at=timezone.now())

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        Notification.objects.filter(pk=object_id, recipient=staff_user(request), read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return response

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj
