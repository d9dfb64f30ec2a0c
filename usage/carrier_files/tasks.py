"""django-q2 entry points for carrier files: they take ids and call a service."""

from django.db import transaction
from django_q.tasks import async_task

from usage.carrier_files.receive import carrier_file_process


def process_carrier_file(carrier_file_id: int) -> str:
    carrier_file = carrier_file_process(carrier_file_id=carrier_file_id)
    return f"{carrier_file.name}: {carrier_file.get_status_display()}"


def enqueue_processing(carrier_file_id: int) -> None:
    """Queue the file's processing once the transaction that recorded it commits."""
    transaction.on_commit(
        lambda: async_task(
            "usage.carrier_files.tasks.process_carrier_file",
            carrier_file_id,
            task_name=f"process carrier file {carrier_file_id}",
            group="carrier-files",
        )
    )
