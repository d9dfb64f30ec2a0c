"""django-q2 entry points: they take ids and call a service."""

from django.db import transaction
from django_q.tasks import async_task

from usage.carrier_files.receive import carrier_file_process
from usage.choices import CollectionRunTriggerChoices
from usage.collection.collector import collection_start, provider_collect
from usage.models import CollectionRun


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


# ---------------------------------------------------------------------------
# Collection over FTP
# ---------------------------------------------------------------------------


def collect_all() -> str:
    """The daily schedule's task: a run over every collectable provider, one task each."""
    run = collection_start(trigger=CollectionRunTriggerChoices.SCHEDULE)
    enqueue_collection(run)
    return f"collection run {run.pk}: {run.collections.count()} provider(s) queued"


def collect_provider(provider_collection_id: int) -> str:
    return provider_collect(provider_collection_id=provider_collection_id).summary()


def enqueue_collection(run: CollectionRun) -> None:
    """Queue each provider of ``run`` as its own task, once the run is committed, so
    that providers are collected side by side and one never holds up another."""
    for collection_id, slug in run.collections.values_list("pk", "provider__slug"):
        transaction.on_commit(
            lambda collection_id=collection_id, slug=slug: async_task(
                "usage.carrier_files.tasks.collect_provider",
                collection_id,
                task_name=f"collect {slug} ({collection_id})",
                group="collection",
            )
        )


# ---------------------------------------------------------------------------
# Bill runs
# ---------------------------------------------------------------------------


def close_bill_run(bill_run_id: int) -> str:
    from usage.billing.services import bill_run_execute

    run = bill_run_execute(run_id=bill_run_id)
    return f"{run}: {run.get_status_display()}"


def enqueue_bill_run(bill_run_id: int) -> None:
    """Queue the close once the transaction that queued the run commits."""
    transaction.on_commit(
        lambda: async_task(
            "usage.carrier_files.tasks.close_bill_run",
            bill_run_id,
            task_name=f"bill run {bill_run_id}",
            group="bill-runs",
        )
    )
