"""django-q2 entry points for collection over FTP: they take ids and call a service."""

from ssaas.common.queue import queue_on_commit
from usage.collection.choices import CollectionRunTriggerChoices
from usage.collection.collector import collection_start, provider_collect
from usage.collection.models import CollectionRun


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
        queue_on_commit(
            "usage.collection.tasks.collect_provider",
            collection_id,
            task_name=f"collect {slug} ({collection_id})",
            group="collection",
        )
