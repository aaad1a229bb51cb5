from django.urls import path

from . import views

urlpatterns = [
    path("new/<str:uscc>/", views.concern_new, name="concern_new"),
    path("sent/", views.concern_sent, name="concern_sent"),
    path("lookup/", views.concern_lookup, name="concern_lookup"),
    path("statistics/", views.concern_statistics, name="concern_statistics"),
]
