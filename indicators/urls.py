"""The back office's indicator pages, mounted at admin/dashboard/ (config/urls.py)."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", admin.site.admin_view(views.dashboard_view), name="dashboard"),
    path("report.xlsx", admin.site.admin_view(views.report_view), name="report"),
]
