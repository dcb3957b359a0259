"""Export pages: starting an export (its own page, or the form on the pool page) and downloading
the file.

Reading a pool's identities in bulk is sensitive (every identity id and which providers each
user signed in with), so only run_jobs (admins) starts an export, only lookup_identities
(support and admins, who see developer user ids) downloads it, and every download is an
audit event.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from console.accounts.roles import permission_required
from console.audit.record import record_console_action
from console.safeguards.forms import REASON_MAX_LENGTH

from .. import export
from ..forms import PoolPickerForm
from ..models import Job, Kind, Status

# The formats as the form offers them: what each file holds.
_FORMAT_CHOICES = [
    ("csv", "CSV: a header row, then one row per identity; login providers separated by spaces"),
    ("jsonl", "JSON Lines: one JSON object per identity, lists as lists"),
]


class ExportForm(PoolPickerForm):
    """The pool, the file's format, whether to look up developer user ids, and why (optional)."""

    file_format = forms.ChoiceField(
        label="Format",
        choices=_FORMAT_CHOICES,
        initial="csv",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a format.", "invalid_choice": "Choose CSV or JSON Lines."},
    )
    developer_ids = forms.BooleanField(
        label="Include developer user ids",
        required=False,
        help_text=(
            "Costs one LookupDeveloperIdentity call for every identity with a developer login, at that "
            "operation's quota (5 per second by default): about 3 hours for 50,000 developer identities. "
            "Without it the export needs one ListIdentities call per 60 identities."
        ),
    )
    reason = forms.CharField(
        label="Reason (optional, kept in the audit trail)",
        required=False,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "max_length": "Keep the reason under %(limit_value)d characters (it has %(show_value)d)."
        },
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args: Any, pool_fixed: bool = False, **kwargs: Any) -> None:
        # Ids apart from the other forms of the pool page, which shows this one too.
        kwargs.setdefault("auto_id", "export-%s")
        super().__init__(*args, pool_fixed=pool_fixed, **kwargs)  # fixed: the pool page's own pool
        days = settings.JOB_EXPORT_RETENTION_DAYS
        kept = f"It is kept {days} day{'s' if days != 1 else ''} after the export ends, then removed."
        self.fields["reason"].help_text = (
            "The file holds every identity id of the pool and the providers its users signed in with: "
            f"only admins start exports, and every download is in the audit trail. {kept}"
        )


def pool_page_form(pool_id: str) -> ExportForm:
    """The export form of a pool's page: that pool, CSV."""
    return ExportForm(initial={"pool_id": pool_id, "file_format": "csv"}, pool_fixed=True)


def _initial(request: HttpRequest) -> dict[str, Any]:
    return {"pool_id": request.GET.get("pool", ""), "file_format": "csv"}


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
def new_export(request: HttpRequest) -> HttpResponse:
    """Start an export of every identity of a pool to a file (CSV or JSON Lines)."""
    if request.method != "POST":
        return render(request, "jobs/new_export.html", _context(ExportForm(initial=_initial(request))))
    form = ExportForm(request.POST)
    problem = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            job = export.start_export(
                data["pool_id"].strip(),
                data["file_format"],
                user=request.user,
                developer_ids=data["developer_ids"],
                reason=data["reason"].strip(),
            )
        except export.ExportRefused as exc:
            problem = str(exc)
        else:
            messages.success(
                request, f"Export job {job.pk} started: the file can be downloaded here once it ends."
            )
            return redirect("jobs:detail", job_id=job.pk)
    return render(request, "jobs/new_export.html", _context(form, problem), status=400)


def _context(form: ExportForm, problem: str = "") -> dict[str, Any]:
    return {"form": form, "problem": problem}


@require_safe
# The file may hold developer user ids: for the roles that see them on the identity page.
@permission_required("lookup_identities")
def export_file(request: HttpRequest, job_id: int) -> HttpResponse:
    """The finished export's file (or a cancelled one's partial file), as an attachment; every
    download is audited."""
    job = get_object_or_404(Job, pk=job_id, kind=Kind.EXPORT)
    path = export.file_path(job)
    if not (job.status == Status.SUCCEEDED or export.is_partial(job)) or path is None:
        messages.warning(request, _unavailable(job))
        return redirect("jobs:detail", job_id=job.pk)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        messages.error(
            request,
            f"The file of job {job.pk} is missing from the export folder ({path.name}); it may have been "
            "removed by hand, or this web server does not share JOB_EXPORT_DIR with the workers.",
        )
        return redirect("jobs:detail", job_id=job.pk)
    if request.method == "GET":  # HEAD sends no identities
        _audit_download(job)
    response = FileResponse(
        handle, as_attachment=True, filename=export.download_name(job), content_type=export.content_type(job)
    )
    response["Cache-Control"] = "no-store"
    return response


def _audit_download(job: Job) -> None:
    record_console_action(
        "job.export_download",
        pool_id=job.pool_id,
        region=job.region,
        request={
            "job": job.pk,
            "format": job.params.get("format"),
            "identities": job.done,
            "bytes": job.file_size,
            "partial": job.status == Status.CANCELLED,
        },
        reason=job.reason,
    )


def _unavailable(job: Job) -> str:
    if job.is_active:
        return f"Job {job.pk} is still running: its file can be downloaded once it has ended."
    if job.status in (Status.SUCCEEDED, Status.CANCELLED) and job.file_expires_at:
        return (
            f"The file of job {job.pk} expired on {job.file_expires_at:%Y-%m-%d %H:%M} UTC and was removed."
        )
    return f"Job {job.pk} ended {job.get_status_display().lower()}: it has no file to download."
