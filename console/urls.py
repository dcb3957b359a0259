from django.urls import include, path

from console import converters, views
from console.accounts import views as account_views
from console.safeguards import views as safeguard_views

# Before the apps' URLconfs are included: their routes use these converters.
converters.register()

urlpatterns = [
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path("accounts/reauth/", safeguard_views.reauth, name="reauth"),
    # Single sign-on (console/sso/): /oidc/callback/ is the redirect URI the provider allows.
    path("oidc/", include("console.sso.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("audit/", include("console.audit.urls")),
    path("jobs/", include("console.jobs.urls")),
    path("", include("console.identities.urls")),
    path("", include("console.pools.urls")),
]

handler400 = "console.errorpages.bad_request"
handler403 = "console.errorpages.permission_denied"
handler500 = "console.errorpages.server_error"
