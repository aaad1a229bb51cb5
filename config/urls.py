"""URL configuration. Chinese pages are unprefixed; English lives under /en/, Mongolian
(traditional script, public pages only) under /mn/."""

from django.apps import apps
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView

from registry import views as registry_views
from registry.staff import views as account_views
from safeguards import otp
from safeguards.health import ping

# The care apps' public pages, mounted only when the app is installed. Their navigation
# links, sitemap sections and provider-page blocks come from their AppConfig.ready
# (registry/public_sections.py), so an app left out of INSTALLED_APPS breaks no page.
CARE_APP_URLS = {"inspections": "inspections/", "subsidies": "subsidies/", "concerns": "concerns/"}

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Liveness, outside the language prefixes: no database, session, template or rate limit.
    path("ping/", ping, name="ping"),
    path("robots.txt", registry_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", registry_views.sitemap_xml, name="django.contrib.sitemaps.views.sitemap"),
    # The back office and the portal are not in Mongolian: rather than a page mixing our
    # strings with Django's Cyrillic "mn" catalogue, /mn/admin/… and /mn/portal/… are the
    # Chinese pages (docs/mongolian.md).
    re_path(
        r"^mn/(?P<rest>(?:admin|portal)/.*)$",
        RedirectView.as_view(url="/%(rest)s", query_string=True, permanent=False),
        name="mn_back_office",
    ),
]

urlpatterns += i18n_patterns(
    path("admin/otp/", include(otp.urlpatterns)),  # two-factor verify and enrol pages
    path("admin/account/", include(account_views.urlpatterns)),  # set a password from a one-time link
    path("admin/dashboard/", include("indicators.urls")),  # before admin/: its catch-all would take it
    path("admin/", admin.site.urls),
    *(path(prefix, include(f"{label}.urls")) for label, prefix in CARE_APP_URLS.items() if apps.is_installed(label)),
    path("portal/", include("portal.urls")),  # the providers' own door (issue 18)
    path("", include("registry.urls")),
    prefix_default_language=False,
)

# The error pages: the back-office's layout under /admin/, the directory's elsewhere.
handler403 = "registry.errors.permission_denied"
handler404 = "registry.errors.page_not_found"
handler500 = "registry.errors.server_error"
