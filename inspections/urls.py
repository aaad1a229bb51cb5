from django.urls import path

from . import views

urlpatterns = [
    path("", views.public_inspections, name="public_inspections"),
    path("<int:pk>/", views.public_inspection_page, name="public_inspection"),
    path("draws/<int:pk>/", views.public_draw, name="public_draw"),
    path("draws/<int:pk>/inputs.json", views.public_draw_inputs, name="public_draw_inputs"),
]
