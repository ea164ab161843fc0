from django.urls import path

from . import views

app_name = "two_factor"

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("set-up/", views.SetUpView.as_view(), name="set_up"),
    path("remove/", views.RemoveView.as_view(), name="remove"),
]
