"""django-q2 entry points for bill runs: they take ids and call a service."""

from ssaas.common.queue import queue_on_commit
from usage.billing.services import bill_run_execute


def close_bill_run(bill_run_id: int) -> str:
    run = bill_run_execute(run_id=bill_run_id)
    return f"{run}: {run.get_status_display()}"


def enqueue_bill_run(bill_run_id: int) -> None:
    """Queue the close once the transaction that queued the run commits."""
    queue_on_commit(
        "usage.billing.tasks.close_bill_run", bill_run_id, task_name=f"bill run {bill_run_id}", group="bill-runs"
    )
