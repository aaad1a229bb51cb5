"""Django's admin app with the back-office site (registry/admin_site.py) as ``admin.site``.

In a module of its own: an ``apps`` module with two configs would need one marked default."""

from django.contrib.admin.apps import AdminConfig


class CareAdminConfig(AdminConfig):
    default_site = "registry.admin_site.CareAdminSite"
