from django.urls import path

from .clicks import views
from .earnings import postback

app_name = "affiliates"

urlpatterns = [
    path("postback/<str:token>/", postback.postback, name="postback"),
    path("<slug:slug>/", views.go, name="go"),
    path("<slug:slug>/ping/", views.ping, name="ping"),
]
