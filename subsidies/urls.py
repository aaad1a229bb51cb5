from django.urls import path

from . import views

urlpatterns = [path("", views.public_subsidies, name="public_subsidies")]
