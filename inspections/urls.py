from django.urls import path

from . import views

urlpatterns = [path("", views.public_inspections, name="public_inspections")]
