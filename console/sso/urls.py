from __future__ import annotations

from django.urls import path

from . import views

# Names as mozilla-django-oidc reverses them (its backend builds redirect_uri from the callback's).
urlpatterns = [
    path("authenticate/", views.SignInView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("reauth/", views.ReauthView.as_view(), name="oidc_reauth"),
]
