from django.urls import path

from .views import dashboard, delete, detail, edit, listing, principal_tags, roles, tags, tester

app_name = "pools"
urlpatterns = [
    path("", listing.pool_list, name="list"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("pools/regions/<region:region>/", listing.region_pools, name="region"),
    path("pools/new", edit.pool_new, name="new"),
    path("pools/<pool_id:pool_id>/", detail.pool_detail, name="detail"),
    path("pools/<pool_id:pool_id>/edit", edit.pool_edit, name="edit"),
    path("pools/<pool_id:pool_id>/delete", delete.pool_delete, name="delete"),
    path("pools/<pool_id:pool_id>/roles", roles.pool_roles, name="roles"),
    path("pools/<pool_id:pool_id>/principal-tags", principal_tags.pool_principal_tags, name="principal_tags"),
    path("pools/<pool_id:pool_id>/tags", tags.pool_tags, name="tags"),
    path("pools/<pool_id:pool_id>/role-tester", tester.role_tester, name="role_tester"),
]
