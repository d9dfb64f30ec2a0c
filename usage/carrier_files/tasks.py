"""django-q2 entry points for carrier files: they take ids and call a service."""

from ssaas.common.queue import queue_on_commit
from usage.carrier_files.receive import carrier_file_process


def process_carrier_file(carrier_file_id: int) -> str:
    carrier_file = carrier_file_process(carrier_file_id=carrier_file_id)
    return f"{carrier_file.name}: {carrier_file.get_status_display()}"


def enqueue_processing(carrier_file_id: int) -> None:
    """Queue the file's processing once the transaction that recorded it commits."""
    queue_on_commit(
        "usage.carrier_files.tasks.process_carrier_file",
        carrier_file_id,
        task_name=f"process carrier file {carrier_file_id}",
        group="carrier-files",
    )
