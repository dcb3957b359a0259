from django.urls import path

from . import views, views_export, views_prune, views_schedules

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/delete", views.new_delete, name="new_delete"),
    path("new/merge", views.new_merge, name="new_merge"),
    path("new/<int:draft_id>/confirm", views.confirm, name="confirm"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/progress", views.job_progress, name="progress"),
    path("<int:job_id>/cancel", views.job_cancel, name="cancel"),
    path("<int:job_id>/results.csv", views.job_results, name="results"),
    path("schedules/", views_schedules.schedule_list, name="schedules"),
    path("schedules/new", views_schedules.schedule_new, name="schedule_new"),
    path("schedules/<int:schedule_id>/edit", views_schedules.schedule_edit, name="schedule_edit"),
    path("schedules/<int:schedule_id>/delete", views_schedules.schedule_delete, name="schedule_delete"),
    path("new/prune", views_prune.new_prune, name="new_prune"),
    path("<int:job_id>/prune", views_prune.prune_run, name="prune_run"),
    path("new/export", views_export.new_export, name="new_export"),
    path("<int:job_id>/export-file", views_export.export_file, name="export_file"),
]
