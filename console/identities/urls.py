from django.urls import path

from .views import actions, browser, export_matches, identity, lookup, registration, selection, tester

app_name = "identities"
urlpatterns = [
    path("pools/<pool_id:pool_id>/identities/", browser.browser, name="browser"),
    path(
        "pools/<pool_id:pool_id>/identities/selection",
        selection.selection_view,
        name="selection",
    ),
    path(
        "pools/<pool_id:pool_id>/identities/matches.csv",
        export_matches.export_matches,
        name="export_matches",
    ),
    path(
        "pools/<pool_id:pool_id>/developer-users/new",
        registration.register_developer,
        name="register_developer",
    ),
    path("pools/<pool_id:pool_id>/sign-in-test", tester.signin_tester, name="signin_tester"),
    path("identities/<identity_id:identity_id>/", identity.detail, name="detail"),
    path(
        "identities/<identity_id:identity_id>/unlink-developer-user",
        actions.unlink_developer_user,
        name="unlink_developer_user",
    ),
    path("identities/<identity_id:identity_id>/unlink-login", actions.unlink_login, name="unlink_login"),
    path("identities/<identity_id:identity_id>/merge", actions.merge, name="merge"),
    path("identities/<identity_id:identity_id>/delete", actions.delete, name="delete"),
    path("lookup/", lookup.lookup_view, name="lookup"),
]
