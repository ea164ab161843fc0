from django.urls import path

from .clicks import views
from .earnings import postback

app_name = "affiliates"

urlpatterns = [
    # Tokens are URL-safe (secrets.token_urlsafe): anything else is not found before any
    # query (PostgreSQL refuses a NUL in a string outright).
    path("postback/<slug:token>/", postback.postback, name="postback"),
    path("<slug:slug>/", views.go, name="go"),
    path("<slug:slug>/ping/", views.ping, name="ping"),
]
