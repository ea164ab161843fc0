from django.urls import path

from . import views

urlpatterns = [
    path("page/", views.page),
    path("go/<slug:slug>/", views.insert_and_redirect),
]
