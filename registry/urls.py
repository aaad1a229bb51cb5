"""Public URLs of the directory (Chinese unprefixed, English under /en/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers.csv", views.providers_csv, name="providers_csv"),
    path("providers-table.csv", views.providers_table_csv, name="providers_table_csv"),
    path("providers/<str:uscc>/", views.provider_detail, name="provider_detail"),
    path("api/", views.api_docs, name="api_docs"),
    path("api/providers/", views.providers_api, name="providers_api"),
    path("api/providers/<str:uscc>/", views.provider_api, name="provider_api"),
    path("api/openapi.json", views.openapi_json, name="openapi_json"),
    path("open-data/hsds.zip", views.hsds_download, name="hsds_download"),
]
