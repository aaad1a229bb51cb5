"""URL configuration. Chinese pages are unprefixed; English lives under /en/."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import URLPattern, URLResolver, include, path

from registry import views as registry_views
from registry.sitemaps import ProviderSitemap, StaticSitemap
from registry.staff import views as account_views
from safeguards import otp

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("robots.txt", registry_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"pages": StaticSitemap, "providers": ProviderSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]

urlpatterns += i18n_patterns(
    path("admin/otp/", include(otp.urlpatterns)),  # two-factor verify and enrol pages
    path("admin/account/", include(account_views.urlpatterns)),  # set a password from a one-time link
    path("admin/", admin.site.urls),
    path("inspections/", include("inspections.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("", include("registry.urls")),
    prefix_default_language=False,
)
