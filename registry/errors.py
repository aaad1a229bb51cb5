"""The error pages (403, 404, 500): in the back-office's layout under /admin/, in the
public directory's elsewhere, in the page's language, each with a way back.

A 403 says what the user may do about it: the reason the refusal carries
(``PermissionDenied(_("…"))``), and on an admin page the roles whose permissions allow
it (``roles_allowed_for_admin_path``), else to ask the administrator for the role.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

ADMIN_PREFIXES = ("/admin", "/en/admin")
# The admin's own page names: the permission each needs (a change page: seeing it).
ADMIN_PAGE_PERMISSION = {
    "changelist": "view",
    "change": "view",
    "history": "view",
    "add": "add",
    "delete": "delete",
}


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIXES)


def roles_allowed_for_admin_path(path: str) -> list[str]:
    """The roles (groups) whose permissions open this admin page; empty when the page is
    not one of a model's (add, change, list, history, delete) or no role has it."""
    try:
        match = resolve(path)
    except Resolver404:
        return []
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is None or not match.url_name:
        return []
    opts = model_admin.model._meta
    verb = ADMIN_PAGE_PERMISSION.get(match.url_name.rsplit("_", 1)[-1])
    if verb is None:
        return []
    codenames = [f"{verb}_{opts.model_name}"] + ([f"change_{opts.model_name}"] if verb == "view" else [])
    groups = Group.objects.filter(
        permissions__content_type__app_label=opts.app_label, permissions__codename__in=codenames
    )
    return sorted(set(groups.values_list("name", flat=True)))


def _context(request: HttpRequest) -> dict[str, object]:
    in_admin = is_admin_path(request.path)
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure())
    return {
        **(admin.site.each_context(request) if in_admin else {}),
        "layout": "admin/base_site.html" if in_admin else "public/base.html",
        "in_admin": in_admin,
        "back_url": referer if referer and same_site and referer != request.build_absolute_uri() else "",
    }


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = _context(request)
    context["reason"] = str(exception) if str(exception) else ""
    context["roles"] = roles_allowed_for_admin_path(request.path) if context["in_admin"] else []
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", _context(request), status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Static: after a server error nothing else (the database, a context processor) is relied on."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)
