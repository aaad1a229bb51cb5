from django.contrib.auth.decorators import login_required
from django.urls import path

from safeguards import otp

from . import finding_views, views
from .auth import SECOND_FACTOR, PortalLoginView, PortalLogoutView, PortalPasswordChangeView

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", PortalLoginView.as_view(), name="login"),
    path("logout/", PortalLogoutView.as_view(), name="logout"),
    path(
        "password/",
        login_required(PortalPasswordChangeView.as_view(), login_url="portal:login"),
        name="password_change",
    ),
    path("otp/verify/", otp.verify, {"site": SECOND_FACTOR}, name="otp_verify"),
    path("otp/enrol/", otp.enrol, {"site": SECOND_FACTOR}, name="otp_enrol"),
    path("otp/backup-codes/", otp.backup_codes_page, {"site": SECOND_FACTOR}, name="otp_backup_codes"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("files/<int:upload_id>/", views.upload_file, name="upload"),
    path("<int:provider_id>/", views.provider_home, name="provider"),
    path("<int:provider_id>/money/", views.money, name="money"),
    path("<int:provider_id>/new/<slug:kind>/", views.submission_edit, name="submission_new"),
    path("<int:provider_id>/templates/<slug:kind>.xlsx", views.roster_template, name="roster_template"),
    path("<int:provider_id>/submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("<int:provider_id>/submissions/<int:submission_id>/edit/", views.submission_edit, name="submission_edit"),
    path("<int:provider_id>/submissions/<int:submission_id>/send/", views.submission_send, name="submission_send"),
    path("<int:provider_id>/findings/", finding_views.findings, name="findings"),
    path("<int:provider_id>/findings/<int:finding_id>/rectify/", finding_views.finding_rectify, name="finding_rectify"),
]
