"""django-q2 entry points for bill runs: they take ids and call a service."""

from django.db import transaction
from django_q.tasks import async_task

from usage.billing.services import bill_run_execute


def close_bill_run(bill_run_id: int) -> str:
    run = bill_run_execute(run_id=bill_run_id)
    return f"{run}: {run.get_status_display()}"


def enqueue_bill_run(bill_run_id: int) -> None:
    """Queue the close once the transaction that queued the run commits."""
    transaction.on_commit(
        lambda: async_task(
            "usage.billing.tasks.close_bill_run",
            bill_run_id,
            task_name=f"bill run {bill_run_id}",
            group="bill-runs",
        )
    )
