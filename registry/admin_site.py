"""The back-office site: Django's admin whose home page is the user's workbench.

The stock index (every list the user may open, by app) stays reachable as "All lists"
(``admin:all_lists``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from safeguards.backup_codes import backup_code_status

from .workbench import workbench_links, workbench_sections


class CareAdminSite(admin.AdminSite):
    site_header = _("Care provider registry")
    site_title = _("Care provider registry")
    index_title = _("Back-office")
    # No app list down the left of every page: at 1280 px it took 276 px from the lists, whose
    # last columns then scrolled out of sight. The home page and the breadcrumbs lead to every list.
    enable_nav_sidebar = False

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [path("lists/", self.admin_view(self.all_lists), name="all_lists"), *super().get_urls()]

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        """The workbench: what waits for the user's roles today."""
        user = request.user
        context = {
            **self.each_context(request),
            "title": _("Workbench"),
            "subtitle": None,
            "sections": workbench_sections(user),  # type: ignore[arg-type]  # admin_view: a staff User
            "links": workbench_links(),
            "backup_codes": backup_code_status(user),  # how many are left, a warning when few
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/workbench.html", context)

    def all_lists(self, request: HttpRequest) -> HttpResponse:
        """Django's stock index: every list the user may open, by app."""
        return super().index(request, extra_context={"title": _("All lists")})
