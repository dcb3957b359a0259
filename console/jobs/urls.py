from django.urls import path

from .views import export, jobs, prune, schedules, sync

app_name = "jobs"
urlpatterns = [
    path("", jobs.job_list, name="list"),
    path("new/delete", jobs.new_delete, name="new_delete"),
    path("new/merge", jobs.new_merge, name="new_merge"),
    path("new/<int:draft_id>/confirm", jobs.confirm, name="confirm"),
    path("<int:job_id>/", jobs.job_detail, name="detail"),
    path("<int:job_id>/progress", jobs.job_progress, name="progress"),
    path("<int:job_id>/cancel", jobs.job_cancel, name="cancel"),
    path("<int:job_id>/results.csv", jobs.job_results, name="results"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/new", schedules.schedule_new, name="schedule_new"),
    path("schedules/<int:schedule_id>/edit", schedules.schedule_edit, name="schedule_edit"),
    path("schedules/<int:schedule_id>/delete", schedules.schedule_delete, name="schedule_delete"),
    path("schedules/<int:schedule_id>/enabled", schedules.schedule_enabled, name="schedule_enabled"),
    path("schedules/<int:schedule_id>/run-now", schedules.schedule_run_now, name="schedule_run_now"),
    path("new/prune", prune.new_prune, name="new_prune"),
    path("<int:job_id>/prune", prune.prune_run, name="prune_run"),
    path("new/export", export.new_export, name="new_export"),
    path("<int:job_id>/export-file", export.export_file, name="export_file"),
    path("new/sync", sync.new_sync, name="new_sync"),
]
