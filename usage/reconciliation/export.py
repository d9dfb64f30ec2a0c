"""The reconciliation spreadsheet, made on the worker (a 100k-line month takes about
25 s: too long for a web request)."""

from __future__ import annotations

import tempfile

from providers.months import period_for
from usage.jobs.choices import JobKindChoices
from usage.jobs.models import Job
from usage.jobs.services import JobOutcome, register
from usage.reconciliation.report import reconciliation_build
from usage.reconciliation.workbook import write_reconciliation_workbook


@register(JobKindChoices.RECONCILIATION_EXPORT, permission="usage.view_reconciliation")
def reconciliation_export(job: Job, report) -> JobOutcome:
    """``job.params["period"]``: the period as the page names it (``YYYY-MM``)."""
    period = period_for(job.provider, job.params["period"])
    report(5)
    data = reconciliation_build(provider=job.provider, period=period)
    report(10)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the job once stored
    write_reconciliation_workbook(data, spool)
    spool.seek(0)
    return JobOutcome(
        summary=f"The spreadsheet for {job.provider}, {period.label}, is ready.",
        file_name=data.file_name,
        file=spool,
    )
